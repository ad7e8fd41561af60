"""Table `mart_invoice_reconciliation`: billed vs logged."""

from __future__ import annotations

from typing import Annotated

import pandera.polars as pa
import polars as pl

from pipelines.money import Money

TABLE = "mart_invoice_reconciliation"
Pct = Annotated[pl.Decimal, 38, 2]


class InvoiceReconciliation(pa.DataFrameModel):
    """What each vendor billed next to what our logs priced at contracted prices, per provider,
    billing period, charge day(s), model and token kind, with the gap in money and percent and a
    readable explanation (untracked usage, discount, tax, credit, correction, rounding,
    unpriced). Vendors bill all environments together: no environment column.

    Grain: provider × billing_period × charge_period_start × charge_period_end × model ×
    token_kind × charge_category × charge_class × billing_currency, plus logged-only cells.
    """

    provider: str = pa.Field(description="costline provider")
    billing_period: str = pa.Field(
        str_matches=r"^\d{4}-\d{2}$", description="Invoice month (usage month for logged-only rows)"
    )
    charge_period_start: pl.Date = pa.Field(description="First day of the charge")
    charge_period_end: pl.Date = pa.Field(description="Day after the last day of the charge")
    charge_date: pl.Date = pa.Field(description="= charge_period_start (daily lines: the day)")
    model: str = pa.Field(nullable=True, description="Model (log name when resolvable)")
    token_kind: str = pa.Field(nullable=True, description="Token kind, NULL for non-token lines")
    charge_category: str = pa.Field(description="Usage, Tax, Credit or Adjustment")
    charge_class: str = pa.Field(nullable=True, description="Correction or NULL")
    billing_currency: str = pa.Field(
        str_length=3,
        nullable=True,
        description="Invoice currency (logged-only rows: the logged currency; NULL when that "
        "usage has no price, so no currency is known)",
    )
    invoice_ids: str = pa.Field(nullable=True, description="Invoices with lines in this row")
    invoice_lines: pl.Int64 = pa.Field(ge=0, description="Invoice lines (0 = logged only)")
    billed_quantity: pl.Int64 = pa.Field(nullable=True, description="Tokens billed, if given")
    logged_tokens: pl.Int64 = pa.Field(ge=0, description="Tokens in the logs")
    logged_list_cost: Money = pa.Field(description="Logged cost at list prices (log currency)")
    logged_cost: Money = pa.Field(description="Logged cost at contracted prices (log currency)")
    log_currency: str = pa.Field(nullable=True, description="Currency of the logged costs")
    billed_cost: Money = pa.Field(description="Billed amount (billing currency)")
    gap: Money = pa.Field(
        nullable=True,
        description="billed_cost - logged_cost for usage rows in one currency; NULL otherwise",
    )
    untracked_tokens: pl.Int64 = pa.Field(ge=0, description="Tokens billed beyond the logs")
    gap_pct: Pct = pa.Field(
        nullable=True,
        description="gap / logged_cost in percent (integer basis points of the cent amounts)",
    )
    explanation: str = pa.Field(description="Readable cause of the gap where known")


MODEL = InvoiceReconciliation
