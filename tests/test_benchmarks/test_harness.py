"""Smoke test: the benchmark harness runs end to end on a tiny N (nothing here is timed)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from benchmarks import harness
from benchmarks import run as bench

pytestmark = pytest.mark.slow  # one `costline run` subprocess (~20 s, mostly Dagster start-up)

DAY = date(2026, 10, 15)


def test_catalog_covers_generated_tenants(tmp_path):
    harness.write_catalog(tmp_path)
    tenants = (tmp_path / "catalog" / "tenants.csv").read_text().splitlines()
    ids = {line.split(",")[0] for line in tenants[1:]}
    assert set(harness.bench_tenants()) <= ids
    assert "globex" in ids  # the sample tenants stay


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_floor_query_counts_every_request(tmp_path, fmt):
    info = harness.prepare_input(tmp_path / fmt, DAY, 500, fmt)
    floor = bench.time_floor(info["files"], fmt)
    assert floor["requests"] == 500
    assert floor["groups"] > 0


def test_pricing_loop_and_costline_agree(tmp_path):
    result = bench.time_pricing(DAY, 200, seed=7)
    assert result["costline_rows"] == 200
    assert Decimal(result["loop_list_total_usd"]) == Decimal(result["costline_list_total_usd"])
    assert result["costline_prices_only_total_equal"] is True


def test_harness_runs_on_a_tiny_day(tmp_path):
    out = tmp_path / "results"
    code = bench.main(
        ["--rows", "300", "--formats", "parquet", "--pricing-rows", "50",
         "--pricing-scale-rows", "0", "--work", str(tmp_path / "work"), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    (json_path,) = out.glob("*-300.json")
    result = json.loads(json_path.read_text())
    (item,) = result["formats"]
    assert item["pipeline"]["exit_code"] in (0, 1)  # 1 = a blocking check failed, still measured
    assert item["pipeline"]["peak_rss_tree_bytes"] > 0
    assert "fct_cost_lines" in item["pipeline"]["steps"]
    assert item["bytes_per_request"]["cost_lines"] > 0
    assert item["floor"]["requests"] == 300
    assert json_path.with_suffix(".md").read_text().startswith("# costline benchmark")
    con = duckdb.connect()
    lines = con.execute(
        "select count(*) from read_parquet("
        f"'{tmp_path}/work/output-300-parquet/cost_lines/*/*.parquet', hive_partitioning = true)"
    ).fetchall()[0][0]
    con.close()
    assert lines == 300
