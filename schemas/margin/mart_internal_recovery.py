"""Schema of mart_internal_recovery."""

from __future__ import annotations

from typing import Annotated

import pandera.polars as pa
import polars as pl

from pipelines.money import Money, Ratio
from schemas.fields import f, opt
from schemas.margin.dim_internal_rates import UNITS

TABLE = "mart_internal_recovery"
Units = Annotated[pl.Decimal, 38, 6]


class MartInternalRecovery(pa.DataFrameModel):
    """Internal prices against cost: what each feature's internal rate charges a tenant for its
    production use, against the LLM cost of that use. recovery < 0 means the internal price does
    not recover its cost.

    Grain: billing_period x tenant_id x feature (x currency when the feature has no rate).
    """

    billing_period: str = f("Month, YYYY-MM", str_matches=r"^\d{4}-\d{2}$")
    tenant_id: str = f("Tenant")
    tenant_name: str = opt("Tenant name from tenants.csv")
    feature: str = f("Product feature")
    unit: str = opt("Unit of the internal rate; NULL = the feature has no rate", isin=UNITS)
    currency: str = opt("ISO 4217: the rate's currency (the cost's when unrated)", str_length=3)
    units: Units = opt("Production units in the month, per the rate's unit")
    internal_charge: Money = opt("Sum over days of units x the rate valid that day, exact")
    llm_cost: Money = opt(
        "Production LLM cost (invoiced when final, else estimated) converted to currency"
    )
    recovery: Money = opt("internal_charge - llm_cost")
    recovery_ratio: Ratio = opt(
        "internal_charge / llm_cost, exact quotient rounded half-even to 12 decimals"
    )
    recovery_status: str = f(
        "under_recovered (recovery < 0), recovered, or unknown",
        isin=("under_recovered", "recovered", "unknown"),
    )
    reason: str = opt("Why a figure is NULL (no internal rate, missing fx rate, ...)")

    class Config:
        strict = True
        ordered = True
        unique = ("billing_period", "tenant_id", "feature", "currency")


MODEL = MartInternalRecovery
