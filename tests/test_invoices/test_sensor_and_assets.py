"""The invoice sensor requests a month's chargeback when its files arrive; the assets are wired."""

import json
import shutil
from datetime import date
from pathlib import Path

import dagster as dg

from pipelines.defs.invoices.sensors import (
    INVOICE_RUN_ASSETS,
    invoice_files_sensor,
    partition_for,
)
from pipelines.defs.resources import CostlineResource

FIX = Path(__file__).parent / "fixtures"


def _sense(input_dir: Path, cursor: str | None = None):
    """One sensor evaluation with its resource reading `input_dir`: (result, new cursor)."""
    costline = CostlineResource(input_dir=str(input_dir), output_dir=str(input_dir / "out"))
    with dg.build_sensor_context(cursor=cursor, resources={"costline": costline}) as context:
        result = invoice_files_sensor(context)
        return result, context.cursor


def test_partition_for_a_month_is_its_last_day_or_yesterday():
    assert partition_for(date(2026, 9, 1), date(2026, 11, 5)) == "2026-09-30"
    assert partition_for(date(2026, 11, 1), date(2026, 11, 5)) == "2026-11-04"


def test_new_invoice_files_request_their_months_once(tmp_path):
    shutil.copytree(FIX / "openai", tmp_path / "invoices" / "openai")
    shutil.copytree(FIX / "generic", tmp_path / "invoices" / "generic")
    requests, cursor_text = _sense(tmp_path)
    assert {r.partition_key for r in requests} == {"2026-09-30", "2026-10-31"}
    assert all(
        {k.to_user_string() for k in r.asset_selection} == set(INVOICE_RUN_ASSETS) for r in requests
    )
    cursor = json.loads(cursor_text)
    assert "invoices/openai/2026-09/page-1.json" in cursor
    # nothing changed: skip
    again, _ = _sense(tmp_path, cursor_text)
    assert isinstance(again, dg.SkipReason)
    # a correction file for September arrives
    (tmp_path / "invoices" / "generic" / "late.csv").write_text(
        (FIX / "generic" / "reseller-2026-10.csv")
        .read_text()
        .replace("2026-09-30,2026-10-01", "2026-08-31,2026-09-01")
        .replace("2026-10", "2026-09")
    )
    later, _ = _sense(tmp_path, cursor_text)
    assert [r.partition_key for r in later] == ["2026-09-30"]


def test_a_broken_file_is_skipped_with_its_error(tmp_path):
    (tmp_path / "invoices" / "generic").mkdir(parents=True)
    (tmp_path / "invoices" / "generic" / "bad.csv").write_text("invoice_id,amount\nX,1\n")
    result, _ = _sense(tmp_path)
    assert isinstance(result, dg.SkipReason) and "missing column" in result.skip_message


def test_invoice_assets_and_checks_are_in_the_daily_job():
    from pipelines.definitions import defs
    from pipelines.defs.invoices.assets import invoice_allocations, stg_invoice_lines
    from pipelines.defs.jobs import DAILY_JOB_NAME

    d = defs()
    graph = d.resolve_asset_graph()
    for name in (
        "stg_invoice_lines",
        "invoice_allocations",
        "chargeback_export",
        "fct_allocated_costs",
        "mart_invoice_reconciliation",
        "stg_invoice_totals",
        "int_usage_cells_aggregated",
    ):
        assert graph.has(dg.AssetKey(name)), name
    parents = {
        k.to_user_string() for k in graph.get(dg.AssetKey("invoice_allocations")).parent_keys
    }
    assert {"stg_invoice_lines", "int_usage_cells_aggregated"} <= parents
    checks = {s.name: s for s in invoice_allocations.check_specs}
    assert checks["allocated_equals_invoice"].blocking
    assert not checks["reconciliation_gap"].blocking
    # a repeated vendor line is counted once and warned about: never a blocking failure
    lines_checks = {s.name: s for s in stg_invoice_lines.check_specs}
    assert not lines_checks["lines_counted_once"].blocking
    d.resolve_job_def(DAILY_JOB_NAME)
    assert d.resolve_sensor_def("invoice_files_sensor")
