"""Schema of dim_budgets."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import Threshold, f, opt

# What a hard budget breach does; the catalog loader (pipelines.lib.marts.catalogs) checks it too.
BUDGET_ACTIONS = ("alert", "degrade", "block", "none")

TABLE = "dim_budgets"


class DimBudgets(pa.DataFrameModel):
    """Spend budgets from catalog/budgets.csv: monthly and daily limits per tenant and feature
    (NULL feature = all features of the tenant), the soft threshold and the guardrail action.

    Grain: one row per tenant_id x feature.
    """

    tenant_id: str = f("Tenant the budget applies to")
    feature: str = opt("Feature the budget applies to; NULL = all features")
    monthly_limit: Money = opt("Limit on prod contracted spend per calendar month (UTC)", ge=0)
    daily_limit: Money = opt("Limit on prod contracted spend per day (UTC)", ge=0)
    currency: str = f("ISO 4217 currency of the limits", str_length=3)
    soft_threshold: Threshold = f("Share of a limit from which the status is soft (default 0.8)")
    action: str = f("Guardrail action on a hard breach", isin=BUDGET_ACTIONS)
    source_line: pl.Int64 = f("Line in catalog/budgets.csv (header = line 1)")

    class Config:
        strict = True
        ordered = True


MODEL = DimBudgets
