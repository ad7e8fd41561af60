"""Table `invoice_allocations`: the allocation engine's rows (read by fct_allocated_costs)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Cents, Money
from schemas.invoices.allocated_cost import LEVELS, TOKEN_KINDS

TABLE = "invoice_allocations"


def _cents(what: str) -> object:
    return pa.Field(description=f"{what}, in billing_currency, to the cent")


class InvoiceAllocation(pa.DataFrameModel):
    """Rows written by pipelines.lib.invoices.allocation.allocate for the invoices of each billing
    month;
    fct_allocated_costs adds tenant names and the invoice's FOCUS identity.

    Grain: InvoiceId × tenant_id × feature × environment × provider × model × token_kind ×
    charge_date × allocation_level.
    """

    billing_period: str = pa.Field(str_matches=r"^\d{4}-\d{2}$", description="Invoice month")
    usage_period: str = pa.Field(
        str_matches=r"^\d{4}-\d{2}$", description="Month the charge belongs to"
    )
    InvoiceId: str = pa.Field(description="FOCUS InvoiceId")
    InvoiceIssuerName: str = pa.Field(description="FOCUS InvoiceIssuerName")
    BillingAccountId: str = pa.Field(description="FOCUS BillingAccountId")
    provider: str = pa.Field(description="costline provider")
    tenant_id: str = pa.Field(description="Tenant, or `__unallocated__`")
    feature: str = pa.Field(description="Feature, or `__unallocated__`")
    environment: str = pa.Field(description="Environment, or `__unallocated__`")
    model: str = pa.Field(nullable=True, description="Model")
    token_kind: str = pa.Field(nullable=True, isin=TOKEN_KINDS, description="Token kind")
    charge_date: pl.Date = pa.Field(description="Day")
    allocation_level: str = pa.Field(isin=LEVELS, description="Widening level used")
    billing_currency: str = pa.Field(str_length=3, description="ISO 4217")
    usage_cost: Cents = _cents("Logged contracted cost (fx-converted)")
    residual_cost: Cents = _cents("Billed beyond the logged cost")
    correction_cost: Cents = _cents("Corrections of an earlier period")
    tax_cost: Cents = _cents("Tax share")
    credit_cost: Cents = _cents("Credit share")
    allocated_cost: Cents = _cents("Sum of the parts")
    exact_cost: Money = pa.Field(description="Exact allocated amount before rounding")


MODEL = InvoiceAllocation
