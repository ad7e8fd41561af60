"""Table `stg_invoice_totals`: one row per vendor invoice."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money

TABLE = "stg_invoice_totals"


class InvoiceTotals(pa.DataFrameModel):
    """Each vendor invoice with its exact line sums by charge category (the payable total to
    the cent is the exact billed_total rounded half-even, as fct_allocated_costs adds up to).

    Grain: invoice_id.
    """

    invoice_id: str = pa.Field(unique=True, description="FOCUS InvoiceId")
    invoice_issuer: str = pa.Field(description="Who bills")
    providers: str = pa.Field(description="costline providers on the invoice, comma separated")
    billing_account_id: str = pa.Field(description="FOCUS BillingAccountId")
    billing_period: str = pa.Field(str_matches=r"^\d{4}-\d{2}$", description="YYYY-MM")
    billing_currency: str = pa.Field(str_length=3, description="ISO 4217")
    lines: pl.Int64 = pa.Field(ge=1, description="Invoice lines")
    source_formats: str = pa.Field(description="Formats the lines came from")
    usage_billed: Money = pa.Field(description="Usage lines of the billing period")
    adjustment_billed: Money = pa.Field(description="Adjustments of the billing period")
    correction_billed: Money = pa.Field(
        description="Lines correcting an earlier period (not tax or credit)"
    )
    tax_billed: Money = pa.Field(description="Tax lines")
    credit_billed: Money = pa.Field(description="Credit lines (negative)")
    billed_total: Money = pa.Field(description="Exact sum of all lines")


MODEL = InvoiceTotals
