"""Table `stg_invoice_lines`: every vendor invoice line, normalised (docs/invoices.md)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money

TABLE = "stg_invoice_lines"
CHARGE_CATEGORIES = ("Usage", "Tax", "Credit", "Adjustment")
CORRECTION = "Correction"  # the ChargeClass of a charge for a period before the billing period
TOKEN_KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")
FORMATS = ("openai_costs", "anthropic_cost_report", "azure_focus", "aws_focus", "generic_csv")


class InvoiceLine(pa.DataFrameModel):
    """Every line of every vendor invoice (OpenAI Costs pages, Anthropic cost_report, Azure and
    AWS FOCUS exports, costline's generic CSV), one shape close to FOCUS 1.2 plus the keys that
    join it to the logs. Periods are UTC days, End exclusive.

    Grain: one row per vendor line (line_id = source file # line or result ordinal).
    """

    line_id: str = pa.Field(unique=True, description="Lineage key: `<source_file>#<source_line>`")
    InvoiceId: str = pa.Field(
        description="FOCUS InvoiceId: the vendor's invoice number, or "
        "`<provider>-<BillingAccountId>-<YYYY-MM>` when the source has none"
    )
    InvoiceIssuerName: str = pa.Field(description="FOCUS InvoiceIssuerName: who bills")
    ProviderName: str = pa.Field(description="FOCUS ProviderName: who makes the service available")
    PublisherName: str = pa.Field(description="FOCUS PublisherName: who produced the service")
    BillingAccountId: str = pa.Field(description="FOCUS BillingAccountId")
    SubAccountId: str = pa.Field(
        nullable=True, description="Project / workspace / linked account the vendor reports, if any"
    )
    BillingPeriodStart: pl.Date = pa.Field(description="First day of the invoice's month")
    BillingPeriodEnd: pl.Date = pa.Field(description="First day after the invoice's month")
    ChargePeriodStart: pl.Date = pa.Field(description="First day the charge covers")
    ChargePeriodEnd: pl.Date = pa.Field(description="Day after the last day the charge covers")
    ChargeCategory: str = pa.Field(isin=CHARGE_CATEGORIES, description="FOCUS ChargeCategory")
    ChargeClass: str = pa.Field(
        nullable=True,
        isin=[CORRECTION],
        description="`Correction` when the charge is for a period before the billing period",
    )
    ChargeDescription: str = pa.Field(nullable=True, description="The vendor's line text")
    provider: str = pa.Field(
        description="costline provider as in the logs (openai, anthropic, "
        "aws_bedrock, azure_openai, ...)"
    )
    model: str = pa.Field(
        nullable=True,
        description="Model as written in our logs when it "
        "could be resolved, else the vendor's model name; NULL for non-model "
        "lines",
    )
    x_vendor_model: str = pa.Field(
        nullable=True, description="Model exactly as the vendor wrote it"
    )
    token_kind: str = pa.Field(
        nullable=True,
        isin=TOKEN_KINDS,
        description="Billed token kind, NULL for tax, credits, tools and other non-token lines",
    )
    service_tier: str = pa.Field(
        nullable=True, description="Tier the vendor names (batch, priority, flex), if any"
    )
    quantity: pl.Int64 = pa.Field(
        nullable=True, description="Tokens billed, when the vendor gives them"
    )
    billed_cost: Money = pa.Field(
        description="Amount billed, exact, in billing_currency (negative for credits)"
    )
    billing_currency: str = pa.Field(str_length=3, description="ISO 4217 of the invoice")
    x_raw_line_item: str = pa.Field(
        description="The vendor's raw line descriptor (line_item, "
        "meter / usage type, token_type) kept verbatim"
    )
    source_format: str = pa.Field(isin=FORMATS, description="Which parser read the line")
    source_file: str = pa.Field(description="Path relative to the input folder")
    source_line: pl.Int64 = pa.Field(
        ge=1, description="CSV line (header = 1) or 1-based result ordinal in a JSON page file"
    )


MODEL = InvoiceLine
