"""notebooks/pm_diagnostics.py runs top to bottom as a plain script and answers every question."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "pm_diagnostics.py"
QUESTIONS = {
    1: "Cost of one unit of value",
    2: "Top-5 tenants' share",
    3: "Share of repeated requests and app-cache hit rate",
    4: "Features on an expensive model, and why",
    5: "Chargeback per business unit",
}
PLOTS = (
    "q1_cost_per_accepted_output",
    "q2_top5_share",
    "q3_repeats_and_cache_hits",
    "q4_expensive_model_share",
    "q5_chargeback_by_business_unit",
)


def _run(warehouse: Path, plots: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COSTLINE_WAREHOUSE": str(warehouse),
        "COSTLINE_NOTEBOOK_PLOTS": str(plots),
    }
    return subprocess.run(
        [sys.executable, str(NOTEBOOK)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_notebook_answers_every_question(full_warehouse: Path, tmp_path: Path) -> None:
    before = full_warehouse.stat().st_mtime_ns
    done = _run(full_warehouse, tmp_path / "plots")
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for number, text in QUESTIONS.items():
        assert f"=== Q{number}. {text}" in out, (number, out[-2000:])
    assert "not available" not in out
    assert "copilot" in out and "triage" in out  # features answered
    assert "p/m-big output list price is 20.0x" in out  # why the expensive model
    assert "Support" in out and "Sales" in out  # business units
    for name in PLOTS:
        svg = (tmp_path / "plots" / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "<rect" in svg
    assert full_warehouse.stat().st_mtime_ns == before  # opened read-only


def test_notebook_says_what_is_missing(bare_warehouse: Path, tmp_path: Path) -> None:
    done = _run(bare_warehouse, tmp_path / "plots")
    assert done.returncode == 0, done.stderr[-3000:]
    for number, table in ((1, "mart_feature_unit_costs"), (2, "mart_risk"),
                          (3, "mart_prompt_repeats"), (4, "mart_feature_model_mix")):  # fmt: skip
        assert f"=== Q{number}. not available: {table} is missing" in done.stdout
    assert "=== Q5. Chargeback per business unit" in done.stdout


# --- The notebook's figures are the README's ("What the warehouse answers") -------------------

README = ROOT / "README.md"


def _readme_queries() -> dict[str, str]:
    """The README's query per question, keyed by the table it reads first."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## What the warehouse answers", 1)[1].split("\n## ", 1)[0]
    queries = re.findall(r"```sql\n(.*?)\n```", section, flags=re.S)
    return {re.search(r"\bfrom (\w+)", q).group(1): q for q in queries}  # type: ignore[union-attr]


def _notebook_answers(warehouse: Path, plots: Path, monkeypatch) -> dict:
    monkeypatch.setenv("COSTLINE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("COSTLINE_NOTEBOOK_PLOTS", str(plots))
    spec = importlib.util.spec_from_file_location("pm_diagnostics_under_test", NOTEBOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _outputs, defs = module.app.run()
    return dict(defs)


def _cents(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _round(value, places: int) -> float | None:
    return None if value is None else round(float(value), places)


def test_notebook_figures_are_the_readme_queries(full_warehouse, tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:  # the fixture has no routing what-if: an empty one
        con.execute(
            "create table if not exists mart_routing_whatif (feature varchar, environment "
            "varchar, month_start date, candidate_rank bigint, candidate_model varchar, "
            "contracted_saving decimal(38, 18))"
        )
    queries = _readme_queries()
    assert set(queries) >= {
        "mart_feature_unit_costs",
        "mart_risk",
        "mart_prompt_repeats",
        "mart_feature_model_mix",
        "chargeback_lines",
    }
    answers = _notebook_answers(warehouse, tmp_path / "plots", monkeypatch)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        month = con.execute(
            "select max(month) from mart_feature_unit_costs where environment = 'prod'"
        ).fetchone()[0]
        model_month = con.execute(
            "select max(month_start) from mart_feature_model_mix where environment = 'prod'"
        ).fetchone()[0]

        def readme(table: str, month_literal=None) -> list[dict]:
            query = queries[table]
            if month_literal is not None:  # the README names the sample's month
                query = re.sub(r"date '\d{4}-\d{2}-\d{2}'", f"date '{month_literal}'", query)
            cursor = con.execute(query)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        q1 = readme("mart_feature_unit_costs", month)
        q2 = readme("mart_risk")
        q3 = readme("mart_prompt_repeats")
        q4 = readme("mart_feature_model_mix", model_month)
        q5 = readme("chargeback_lines")
    assert q1 and q2 and q3 and q4 and q5  # the fixture answers every question

    unit = answers["unit_costs"].filter(pl.col("month") == month).iter_rows(named=True)
    assert sorted(
        (r["feature"], _round(r["cost_per_accepted_output"], 4), r["accepted_requests"])
        for r in unit
    ) == sorted((r["feature"], r["cost_per_accepted_output"], r["accepted_requests"]) for r in q1)

    assert [
        (r["month"], _round(r["top5_share"], 3)) for r in answers["top5"].iter_rows(named=True)
    ] == [(r["month"], r["top5_share"]) for r in q2]

    assert sorted(
        (r["feature"], _round(r["repeat_rate"], 3), _round(r["app_cache_hit_rate"], 3),
         _cents(r["avoidable_cost"]))
        for r in answers["repeats"].iter_rows(named=True)
    ) == sorted(
        (r["feature"], r["repeat_rate"], r["app_cache_hit_rate"], _cents(r["avoidable_cost"]))
        for r in q3
    )  # fmt: skip

    mix = answers["expensive"].filter(pl.col("month_start") == model_month)
    assert [
        (r["feature"], r["model"], _round(r["pct_of_spend"], 1)) for r in mix.iter_rows(named=True)
    ] == [(r["feature"], r["model"], r["pct_of_spend"]) for r in q4]

    # same ORDER BY as the README's query
    assert [
        (r["billing_period"], r["status"], r["business_unit"], r["currency"],
         _cents(r["allocated_cost"]))
        for r in answers["chargeback"].iter_rows(named=True)
    ] == [
        (r["billing_period"], r["status"], r["business_unit"], r["currency"],
         _cents(r["allocated_cost"]))
        for r in q5
    ]  # fmt: skip
