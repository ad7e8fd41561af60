"""Re-issuing a final month first published before one-invoice-per-row (column `invoice_ids`,
one row per cell x currency): unchanged rows show no change, and only the correction that now
sits on its own row is restated (moved off the month's own invoice row), netting to zero."""

from decimal import Decimal as D

import polars as pl

from pipelines.lib.chargeback import export_month
from pipelines.lib.chargeback.build import GRAIN
from pipelines.lib.publish import publish_staged
from tests.test_chargeback.test_chargeback import OCT1, SEP1, SEP30, cell, line, run

MONTH = "exports/chargeback/2026-09"


def _publish_as_legacy(tmp_path, cb: pl.DataFrame) -> None:
    """Rewrite the published issue in the earlier layout: one row per cell x currency."""
    cell_key = [c for c in GRAIN if c != "invoice_id"]
    legacy = (
        cb.group_by(cell_key)
        .agg(
            pl.col("allocated_cost").sum(),
            pl.col("invoice_id").drop_nulls().unique().sort().str.join(";").alias("invoice_ids"),
        )
        .sort(cell_key)
    )
    legacy.write_parquet(tmp_path / MONTH / "chargeback.parquet")


def test_a_legacy_issue_is_compared_invoice_by_invoice(tmp_path):
    invoices = [
        line("5.00"),
        line("0.50", invoice="INV-10", period=OCT1, start=SEP30, line_no=2),
    ]
    usage = [cell("a", "3"), cell("a", "1", day=SEP30), cell("b", "1", day=SEP1)]
    first, cb = run(tmp_path, invoices, usage)
    assert first.status == "final"
    _publish_as_legacy(tmp_path, cb)

    result = export_month(tmp_path, "2026-09", cb, ["a-late-line"], {})
    publish_staged(tmp_path)

    assert result.action == "reissued" and result.issue == 2
    out = pl.read_parquet(tmp_path / MONTH / "chargeback.parquet")
    assert out["change"].sum() == 0
    assert out["previous_allocated_cost"].sum() == out["allocated_cost"].sum()
    b = out.filter(pl.col("tenant_id") == "b").row(0, named=True)
    assert b["change"] == 0 and b["previous_allocated_cost"] == b["allocated_cost"]
    restated = pl.read_csv(tmp_path / MONTH / "restatements.csv", infer_schema=False)
    changes = {
        (r["tenant_id"], r["invoice_id"]): D(r["change"]) for r in restated.iter_rows(named=True)
    }
    assert changes == {("a", "INV-09"): D("-0.50"), ("a", "INV-10"): D("0.50")}
