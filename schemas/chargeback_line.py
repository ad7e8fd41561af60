"""Table `chargeback_lines` (and the files under exports/chargeback/<YYYY-MM>/)."""

from __future__ import annotations

from typing import Annotated

import pandera.polars as pa
import polars as pl

TABLE = "chargeback_lines"
Cents = Annotated[pl.Decimal, 38, 2]
Rate = Annotated[pl.Decimal, 38, 12]


def _cents(what: str) -> object:
    return pa.Field(description=f"{what}, to the cent")


class ChargebackLine(pa.DataFrameModel):
    """The monthly chargeback: what each tenant's features cost per provider and model, from the
    allocated invoices (`final`) or, before the invoice arrives, from the logs at contracted
    prices (`provisional`). A final month is re-issued only when a correction arrives.

    Grain: billing_period × tenant_id × feature × environment × provider × model × currency.
    """

    billing_period: str = pa.Field(str_matches=r"^\d{4}-\d{2}$", description="Usage month")
    status: str = pa.Field(
        isin=("provisional", "final"),
        description="final once the provider's invoice for the month is allocated",
    )
    issue: pl.Int64 = pa.Field(
        ge=0, description="0 provisional, 1 first final issue, n+1 per re-issue"
    )
    tenant_id: str = pa.Field(description="Tenant, or `__unallocated__`")
    tenant_name: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    business_unit: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    cost_center: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    feature: str = pa.Field(description="Feature")
    environment: str = pa.Field(description="prod, staging, dev (or `__unallocated__`)")
    provider: str = pa.Field(description="costline provider")
    model: str = pa.Field(nullable=True, description="Model")
    requests: pl.Int64 = pa.Field(ge=0, description="Provider calls in the logs")
    input_tokens: pl.Int64 = pa.Field(ge=0, description="Uncached input tokens")
    cache_read_tokens: pl.Int64 = pa.Field(ge=0, description="Cache-read tokens")
    cache_write_tokens: pl.Int64 = pa.Field(ge=0, description="Cache-write tokens (5m + 1h)")
    cache_write_1h_tokens: pl.Int64 = pa.Field(ge=0, description="Of which 1-hour writes")
    output_tokens: pl.Int64 = pa.Field(ge=0, description="Output tokens")
    list_cost: Cents = _cents("Logged cost at list prices (log_currency)")
    contracted_cost: Cents = _cents("Logged cost at contracted prices (log_currency)")
    log_currency: str = pa.Field(nullable=True, description="Currency of list/contracted cost")
    usage_cost: Cents = _cents("Allocated usage part (currency)")
    residual_cost: Cents = _cents("Allocated residual (untracked usage, discounts)")
    correction_cost: Cents = _cents("Corrections billed on later invoices")
    tax_cost: Cents = _cents("Allocated tax")
    credit_cost: Cents = _cents("Allocated credits")
    allocated_cost: Cents = _cents("What the tenant is charged (currency)")
    currency: str = pa.Field(str_length=3, description="Invoice currency of the amounts")
    previous_allocated_cost: Cents = pa.Field(
        nullable=True, description="allocated_cost in the previous final issue (re-issues only)"
    )
    change: Cents = pa.Field(nullable=True, description="allocated_cost - previous_allocated_cost")
    statement_currency: str = pa.Field(nullable=True, description="Tenant's statement currency")
    fx_rate: Rate = pa.Field(
        nullable=True, description="currency -> statement_currency at the month's last day"
    )
    statement_allocated_cost: Cents = pa.Field(
        nullable=True,
        description="allocated_cost in the statement currency (largest remainder per tenant)",
    )
    invoice_ids: str = pa.Field(nullable=True, description="Invoices allocated to the row, `;`")


MODEL = ChargebackLine
