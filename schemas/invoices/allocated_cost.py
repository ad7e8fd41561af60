"""Tables `invoice_allocations` (written by the allocation engine) and `fct_allocated_costs`."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Cents, Money

TABLE = "fct_allocated_costs"
LEVELS = ("exact", "model_day", "model_period", "provider_period", "unallocated")
TOKEN_KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")


def _cents(what: str) -> object:
    return pa.Field(description=f"{what}, in billing_currency, to the cent")


class AllocatedCost(pa.DataFrameModel):
    """Every vendor invoice allocated to tenant × feature × environment × model × token kind ×
    day cells in proportion to their contracted usage, widening when no cell fits, with an
    explicit `__unallocated__` tenant for what nothing can carry. Per invoice_id,
    Σ allocated_cost = the invoice total to the cent (largest remainder).

    Grain: invoice_id × tenant_id × feature × environment × provider × model × token_kind ×
    charge_date × allocation_level.
    """

    billing_period: str = pa.Field(str_matches=r"^\d{4}-\d{2}$", description="Invoice month")
    usage_period: str = pa.Field(
        str_matches=r"^\d{4}-\d{2}$",
        description="Month the charge belongs to (earlier than billing_period for corrections)",
    )
    invoice_id: str = pa.Field(description="FOCUS InvoiceId")
    invoice_issuer: str = pa.Field(description="FOCUS InvoiceIssuerName")
    provider_name: str = pa.Field(nullable=True, description="FOCUS ProviderName of the invoice")
    publisher_name: str = pa.Field(nullable=True, description="FOCUS PublisherName")
    billing_account_id: str = pa.Field(description="FOCUS BillingAccountId")
    billing_period_start: pl.Date = pa.Field(
        nullable=True, description="FOCUS BillingPeriodStart (day)"
    )
    billing_period_end: pl.Date = pa.Field(
        nullable=True, description="FOCUS BillingPeriodEnd (day, exclusive)"
    )
    provider: str = pa.Field(description="costline provider")
    tenant_id: str = pa.Field(description="Tenant, or `__unallocated__`")
    tenant_name: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    business_unit: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    cost_center: str = pa.Field(nullable=True, description="From catalog/tenants.csv")
    feature: str = pa.Field(description="Feature, or `__unallocated__`")
    environment: str = pa.Field(description="prod/staging/dev, or `__unallocated__`")
    model: str = pa.Field(nullable=True, description="The invoice line's model, else the cell's")
    token_kind: str = pa.Field(
        nullable=True,
        isin=TOKEN_KINDS,
        description="The invoice line's token kind, else the cell's",
    )
    charge_date: pl.Date = pa.Field(
        description="The cell's day (the line's first day when unallocated)"
    )
    allocation_level: str = pa.Field(
        isin=LEVELS,
        description="How wide the allocation had to "
        "go: exact (same provider, model, kind, day), model_day, "
        "model_period, provider_period, unallocated",
    )
    billing_currency: str = pa.Field(str_length=3, description="ISO 4217 of the invoice")
    usage_cost: Cents = _cents("Logged contracted cost of the cell (fx-converted)")
    residual_cost: Cents = _cents(
        "Billed beyond (or below) the logged cost: untracked usage, "
        "discounts, widened lines, adjustments"
    )
    correction_cost: Cents = _cents("Lines correcting an earlier billing period")
    tax_cost: Cents = _cents("Share of the invoice's tax")
    credit_cost: Cents = _cents("Share of the invoice's credits (negative)")
    allocated_cost: Cents = _cents("usage + residual + correction + tax + credit")
    exact_cost: Money = pa.Field(description="The row's exact (unrounded) allocated amount")


MODEL = AllocatedCost
