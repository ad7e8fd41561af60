"""The sample's revenue side: `costline generate` reproduces it, and it reads cleanly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.lib.margin import read_revenue
from pipelines.lib.margin.internal_rates import load_internal_rates
from pipelines.lib.sample import stories as st
from pipelines.lib.sample.catalogs import tenants_csv
from pipelines.lib.sample.revenue_catalog import write_revenue_inputs
from pipelines.settings import SAMPLE_INPUT


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    written = write_revenue_inputs(tmp_path, st.DEFAULT_START, st.DEFAULT_END)
    for path in written:
        relative = path.relative_to(tmp_path)
        assert path.read_bytes() == (SAMPLE_INPUT / relative).read_bytes(), relative
    assert (SAMPLE_INPUT / "catalog" / "tenants.csv").read_text(encoding="utf-8") == tenants_csv()


def test_sample_revenue_reads_without_quarantine() -> None:
    batch = read_revenue(SAMPLE_INPUT)
    assert len(batch.quarantined) == 0
    assert batch.skipped_invoices == 1  # the voided duplicate Stripe invoice
    totals = (
        batch.lines.group_by("billing_period", "currency")
        .agg(pl.col("amount").sum())
        .sort("billing_period", "currency")
        .rows()
    )
    # per month: USD 420 + 20 + 60 + 45 + 30 + 150 (Stripe, tax excluded) = 725; EUR 180
    assert totals == [
        ("2026-09", "EUR", Decimal("180")),
        ("2026-09", "USD", Decimal("725")),
        ("2026-10", "EUR", Decimal("180")),
        ("2026-10", "USD", Decimal("725")),
    ]
    hooli = batch.lines.filter(pl.col("tenant_id") == "hooli")
    assert set(hooli["source"]) == {"stripe_csv"}
    rates = load_internal_rates(SAMPLE_INPUT / "catalog" / "internal_rates.csv")
    assert set(rates["feature"]) == {
        "account_summary",
        "email_copilot",
        "faq_assistant",
        "ticket_classification",
    }
