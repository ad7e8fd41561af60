"""The sample, end to end: nothing lost, FOCUS conforms, re-runs are idempotent."""

import subprocess
import sys
from datetime import date
from decimal import Decimal as D

from pipelines.lib import warehouse
from pipelines.lib.focus.export import write_consolidated
from pipelines.lib.focus.validate import validate_file
from pipelines.settings import SAMPLE_INPUT


def _db(out):
    return warehouse.connect(out / "warehouse.duckdb", read_only=True)


def test_every_record_is_loaded_or_quarantined(sample_run):
    with _db(sample_run) as con:
        read, loaded, quarantined, outside = con.execute(
            """select sum(rows_read), sum(rows_loaded), sum(rows_quarantined),
                      sum(rows_outside_window) from ingest_audit"""
        ).fetchall()[0]
        assert read == loaded + quarantined + outside
        # The sample plants exactly four re-shipped duplicates (data/sample/README.md).
        assert warehouse.scalar(con, "select count(*) from quarantine_requests") == 4
        assert (
            warehouse.scalar(
                con, "select count(*) from quarantine_requests where field = 'request_id'"
            )
            == 4
        )
        assert warehouse.scalar(con, "select count(*) from stg_requests") == loaded


def test_summary_names_outputs_and_unpriced_lines(sample_run):
    log = (sample_run / "run.log").read_text()
    assert "requests loaded" in log and "unpriced" in log
    assert str(sample_run / "warehouse.duckdb") in log
    assert str(sample_run / "exports" / "showback" / "<month>" / "showback.csv") in log


def test_focus_export_conforms_to_our_validator(sample_run, tmp_path):
    with _db(sample_run) as con:
        for month in (date(2026, 9, 1), date(2026, 10, 1)):
            files = write_consolidated(con, tmp_path / month.isoformat(), month)
            assert files["rows"] > 1000
            for path in (files["parquet"], files["csv"]):
                assert validate_file(path) == [], path
    assert (sample_run / "focus.metadata.json").exists()


def test_unknown_model_is_unpriced_never_zero(sample_run):
    with _db(sample_run) as con:
        rows = con.execute(
            """select model, count(*), count(contracted_cost)
               from fct_cost_lines where price_status = 'unpriced' group by model"""
        ).fetchall()
    assert rows and all(priced == 0 for _, _, priced in rows)
    assert {m for m, _, _ in rows} == {"ft:gpt-4.1-mini:acme:crm-v2"}


def test_rerunning_a_day_changes_nothing(sample_run):
    day = "2026-10-16"
    with _db(sample_run) as con:
        before = con.execute(
            """select count(*), sum(contracted_cost) from fct_cost_lines
               where request_date = $d""",
            {"d": date.fromisoformat(day)},
        ).fetchall()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--input",
            str(SAMPLE_INPUT),
            "--output",
            str(sample_run),
            "--from",
            day,
            "--to",
            day,
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with _db(sample_run) as con:
        after = con.execute(
            """select count(*), sum(contracted_cost) from fct_cost_lines
               where request_date = $d""",
            {"d": date.fromisoformat(day)},
        ).fetchall()
        assert after == before
        assert (
            warehouse.scalar(con, "select count(*) - count(distinct request_id) from stg_requests")
            == 0
        )


def test_final_chargeback_adds_up_to_every_invoice_to_the_cent(sample_run):
    import json
    from decimal import Decimal

    import polars as pl

    for month in ("2026-09", "2026-10"):
        folder = sample_run / "exports" / "chargeback" / month
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["status"] == "final"
        assert manifest["invoices"], month
        for invoice, figures in manifest["invoices"].items():
            assert Decimal(figures["allocated_all_periods"]) == Decimal(figures["invoice_total"]), (
                invoice
            )
        rows = pl.read_csv(folder / "chargeback.csv", infer_schema=False)
        for tenant in manifest["tenants"]:
            statement = pl.read_csv(folder / tenant["file"], infer_schema=False)
            assert set(statement["tenant_id"]) == {tenant["tenant_id"]}
        total = sum(Decimal(v) for v in rows["allocated_cost"])
        per_provider = sum(
            Decimal(amount)
            for currencies in manifest["totals_per_provider"].values()
            for amount in currencies.values()
        )
        assert total == per_provider


def test_readme_margin_and_correction_figures(sample_run):
    """The README's sample story: initech's loss, account_summary's under-recovery, and the
    0.37 of October's OpenAI invoice that corrects September."""
    with _db(sample_run) as con:
        initech = con.execute(
            """select billing_period, llm_cost, gross_margin, margin_status, cost_basis
               from mart_tenant_margin where tenant_id = 'initech' order by billing_period"""
        ).fetchall()
        recovery = con.execute(
            """select sum(internal_charge), sum(llm_cost), sum(recovery)
               from mart_internal_recovery
               where feature = 'account_summary' and billing_period = '2026-10'"""
        ).fetchone()
        correction = con.execute(
            """select billing_period, sum(allocated_cost) from chargeback_lines
               where invoice_id = 'INV-OAI-2026-10' group by all order by 1"""
        ).fetchall()
    assert [(p, round(c, 2), round(m, 2), s, b) for p, c, m, s, b in initech] == [
        ("2026-09", D("17.80"), D("2.20"), "thin", "invoiced"),
        ("2026-10", D("21.90"), D("-1.90"), "loss", "invoiced"),
    ]
    assert [round(x, 2) for x in recovery] == [D("63.00"), D("107.47"), D("-44.47")]
    assert correction == [("2026-09", D("0.37")), ("2026-10", D("77.13"))]
