"""Late logs for a closed day: re-running the day rebuilds everything and records the change."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from tests.test_operations.conftest import add_late_logs, run_cli

DAY = "2026-09-03"


def _totals(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        lines = con.execute(
            """select provider, contracted_currency, count(*), sum(input_tokens + output_tokens),
                      coalesce(sum(contracted_cost), 0)
               from fct_cost_lines where request_date = $d group by all""",
            {"d": DAY},
        ).fetchall()
        focus = con.execute(
            "select sum(ContractedCost) from fct_focus_cost_and_usage "
            "where ChargePeriodStart >= $d::date and ChargePeriodStart < $d::date + 1",
            {"d": DAY},
        ).fetchall()[0][0]
        cells = con.execute(
            "select sum(contracted_cost) from int_usage_cells_aggregated where charge_date = $d",
            {"d": DAY},
        ).fetchall()[0][0]
        restated = con.execute("select count(*) from fct_restatements").fetchall()[0][0]
    return {
        "lines": {(p, c): (n, t, cost) for p, c, n, t, cost in lines},
        "focus": focus,
        "cells": cells,
        "restated": restated,
    }


def _restatements(db: Path) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("select * from fct_restatements order by day, provider, currency")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_late_logs_restate_the_day_and_rerunning_records_nothing(small_input, tmp_path):
    out = tmp_path / "out"
    db = out / "warehouse.duckdb"
    first = run_cli(small_input, out, DAY, DAY)
    assert first.returncode == 0, first.stderr
    before = _totals(db)
    assert before["restated"] == 0  # a first build is not a restatement
    assert "restated" not in first.stdout

    late = add_late_logs(small_input, DAY, 40)
    assert late.exists()
    second = run_cli(small_input, out, DAY, DAY)
    assert second.returncode == 0, second.stderr
    after = _totals(db)

    # every output that depends on the day was rebuilt
    assert (
        sum(n for n, _, _ in after["lines"].values())
        == sum(n for n, _, _ in before["lines"].values()) + 40
    )
    assert after["focus"] > before["focus"]
    assert after["cells"] > before["cells"]
    exported = pq.read_table(out / "cost_lines" / f"request_date={DAY}").num_rows
    assert exported == sum(n for n, _, _ in after["lines"].values())

    # fct_restatements shows exactly the difference, per provider and currency
    rows = _restatements(db)
    assert rows, "the late logs must be recorded as a restatement"
    keys = set(before["lines"]) | set(after["lines"])
    expected = {
        k: (before["lines"].get(k, (0, 0, Decimal(0))), after["lines"].get(k, (0, 0, Decimal(0))))
        for k in keys
        if before["lines"].get(k) != after["lines"].get(k)
    }
    assert {(r["provider"], r["currency"]) for r in rows} == set(expected)
    for r in rows:
        old, new = expected[(r["provider"], r["currency"])]
        assert str(r["day"]) == DAY
        assert (r["previous_requests"], r["new_requests"]) == (old[0], new[0])
        assert r["requests_change"] == new[0] - old[0]
        assert (r["previous_tokens"], r["new_tokens"]) == (old[1], new[1])
        assert r["previous_contracted_cost"] == old[2]
        assert r["new_contracted_cost"] == new[2]
        assert r["contracted_cost_change"] == new[2] - old[2]
        assert r["detected_at"] is not None and r["run_id"]
        assert r["previous_built_at"] <= r["detected_at"]
    assert sum(r["requests_change"] for r in rows) == 40
    assert len({r["run_id"] for r in rows}) == 1
    # the run's summary lists them
    assert "restated closed days" in second.stdout
    assert DAY in second.stdout.split("restated closed days", 1)[1]

    # idempotent: the same data again records nothing
    third = run_cli(small_input, out, DAY, DAY)
    assert third.returncode == 0, third.stderr
    assert _restatements(db) == rows
    assert _totals(db) == after
    assert "restated closed days" not in third.stdout


def test_late_logs_rebuild_the_provisional_chargeback(small_input, tmp_path):
    shutil.rmtree(small_input / "invoices")  # no invoice yet: the month is provisional
    out = tmp_path / "out"
    manifest = out / "exports" / "chargeback" / "2026-09" / "manifest.json"
    first = run_cli(small_input, out, DAY, DAY)
    assert first.returncode == 0, first.stderr
    before = json.loads(manifest.read_text())
    assert before["status"] == "provisional"

    add_late_logs(small_input, DAY, 40)
    second = run_cli(small_input, out, DAY, DAY)
    assert second.returncode == 0, second.stderr
    after = json.loads(manifest.read_text())
    assert after["status"] == "provisional" and after["issue"] == 0
    assert after["totals_per_provider"] != before["totals_per_provider"]
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        table = con.execute(
            "select sum(allocated_cost) from chargeback_lines where billing_period = '2026-09'"
        ).fetchall()[0][0]
        lines = con.execute(
            "select sum(contracted_cost) from fct_cost_lines where request_date = $d "
            "and contracted_currency = 'USD'",
            {"d": DAY},
        ).fetchall()[0][0]
    assert table is not None and lines is not None
