"""Table `chargeback_lines` (and the files under exports/chargeback/<YYYY-MM>/)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Cents, Ratio

TABLE = "chargeback_lines"


class ChargebackLine(pa.DataFrameModel):
    """The monthly chargeback (also chargeback.csv / .parquet / .xlsx and the tenant statements):
    what each tenant's features cost per provider and model, from the allocated invoices (`final`)
    or, before the invoice arrives, from the logs at contracted prices (`provisional`). One
    invoice per row; a final month is re-issued only when a correction arrives. A blank (NULL)
    amount is unknown, never 0.00. Grain: billing_period × tenant_id × feature × environment ×
    provider × model × currency × invoice_id.
    """

    billing_period: str = pa.Field(
        str_matches=r"^\d{4}-\d{2}$",
        description="Usage month (YYYY-MM): the month the usage happened, even when a later "
        "invoice billed it (corrections)",
    )
    status: str = pa.Field(
        isin=("provisional", "final"),
        description="`final` once the provider's invoice for the month is allocated; "
        "`provisional` before (amounts from the logs)",
    )
    issue: pl.Int64 = pa.Field(
        ge=0, description="0 provisional, 1 first final issue, n+1 per re-issue after a correction"
    )
    tenant_id: str = pa.Field(
        description="Tenant as in the logs, or `__unallocated__` for invoice amounts no logged "
        "usage can carry"
    )
    tenant_name: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    business_unit: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    cost_center: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    feature: str = pa.Field(description="Feature as in the logs")
    environment: str = pa.Field(description="prod, staging, dev (or `__unallocated__`)")
    provider: str = pa.Field(description="costline provider (openai, anthropic, aws_bedrock, ...)")
    model: str = pa.Field(
        nullable=True, description="Model as logged (or as invoiced when never logged)"
    )
    requests: pl.Int64 = pa.Field(
        ge=0,
        description="Provider calls in the logs; on the row of the month's own invoice (or the "
        "row without invoice), 0 on other invoices' rows of the same cell",
    )
    input_tokens: pl.Int64 = pa.Field(ge=0, description="Uncached input tokens (same row rule)")
    cache_read_tokens: pl.Int64 = pa.Field(ge=0, description="Cache-read tokens")
    cache_write_tokens: pl.Int64 = pa.Field(ge=0, description="Cache-write tokens (5m + 1h)")
    cache_write_1h_tokens: pl.Int64 = pa.Field(ge=0, description="Of which 1-hour writes")
    output_tokens: pl.Int64 = pa.Field(ge=0, description="Output tokens")
    list_cost: Cents = pa.Field(
        nullable=True,
        description="Logged cost at list prices in log_currency, to the cent (largest remainder "
        "per provider); blank when a list price is unknown or the row carries no logged usage",
    )
    contracted_cost: Cents = pa.Field(
        nullable=True,
        description="Logged cost at contracted prices in log_currency, to the cent; blank when "
        "unknown (unpriced model) or the row carries no logged usage",
    )
    log_currency: str = pa.Field(
        nullable=True, description="Currency of list_cost / contracted_cost (blank: none logged)"
    )
    usage_cost: Cents = pa.Field(
        nullable=True,
        description="Allocated usage part in `currency`: the invoice's usage matching the logged "
        "cost (final), or the logged contracted cost (provisional; blank when unpriced)",
    )
    residual_cost: Cents = pa.Field(
        description="Allocated residual in `currency`: untracked usage, discounts, rounding"
    )
    correction_cost: Cents = pa.Field(
        description="Correction billed on a later invoice (see invoice_billing_period)"
    )
    tax_cost: Cents = pa.Field(description="Allocated tax in `currency`")
    credit_cost: Cents = pa.Field(description="Allocated credits in `currency` (negative)")
    allocated_cost: Cents = pa.Field(
        nullable=True,
        description="What the tenant is charged in `currency`: usage + residual + correction + "
        "tax + credit; per invoice the rows add up to the invoice total to the cent; blank "
        "(unknown) only for provisional unpriced usage",
    )
    currency: str = pa.Field(
        nullable=True,
        str_length=3,
        description="Currency of the allocated amounts: the invoice's, or the logs' when "
        "provisional (blank only when nothing is priced)",
    )
    previous_allocated_cost: Cents = pa.Field(
        nullable=True, description="allocated_cost in the previous final issue (re-issues only)"
    )
    change: Cents = pa.Field(
        nullable=True, description="allocated_cost - previous_allocated_cost (re-issues only)"
    )
    statement_currency: str = pa.Field(
        nullable=True,
        description="Currency of the tenant's statement: catalog/tenants.csv `currency`, else "
        "COSTLINE_STATEMENT_CURRENCY, else the main currency of the business unit that month",
    )
    fx_rate: Ratio = pa.Field(
        nullable=True,
        description="currency -> statement_currency, latest catalog/fx.csv rate on or before "
        "the month's last day (12 decimals, the rate applied); 1 for the same currency",
    )
    statement_allocated_cost: Cents = pa.Field(
        nullable=True,
        description="allocated_cost x fx_rate, exact, rounded with the largest remainder per "
        "tenant and statement currency; blank when no rate exists for an asked-for currency",
    )
    invoice_id: str = pa.Field(
        nullable=True, description="The one invoice this row's amounts come from (blank: none)"
    )
    invoice_billing_period: str = pa.Field(
        nullable=True,
        description="Month the invoice billed (YYYY-MM); later than billing_period for a "
        "correction",
    )


MODEL = ChargebackLine
