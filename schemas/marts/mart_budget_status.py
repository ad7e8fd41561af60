"""Schema of mart_budget_status."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import EXACT, Threshold, f, opt
from schemas.marts.dim_budgets import BUDGET_ACTIONS

TABLE = "mart_budget_status"
STATUSES = ("ok", "soft", "hard", "unsupported_currency")


class MartBudgetStatus(pa.DataFrameModel):
    """Each budget's prod spend day by day: day spend, month-to-date, end-of-month forecast, status
    and the guardrail action. hard = actual >= limit (month or day); soft = actual >=
    soft_threshold x limit or forecast >= monthly limit; unsupported_currency = spend in another
    currency (no FX conversion).

    Grain: as_of_date x tenant_id x feature (NULL = all features) x currency (one per budget).
    """

    as_of_date: pl.Date = f("Day the status is computed for (UTC)")
    month_start: pl.Date = f("First day of the as-of month")
    tenant_id: str = f("Tenant")
    feature: str = opt("Feature, NULL = all features")
    currency: str = f("Budget currency")
    monthly_limit: Money = opt("Monthly limit")
    daily_limit: Money = opt("Daily limit")
    soft_threshold: Threshold = f("Soft threshold (share of a limit)")
    action: str = f("Configured action on a hard breach", isin=BUDGET_ACTIONS)
    day_spend: Money = f(f"Prod contracted spend on the as-of day, {EXACT}")
    month_to_date: Money = f(f"Prod contracted spend from the 1st to the as-of day, {EXACT}")
    trailing_7d_median: Money = f("Median daily spend of the 7 days ending on the as-of day")
    days_remaining: pl.Int64 = f("Days of the month after the as-of day", ge=0)
    forecast_month_total: Money = f("month_to_date + trailing_7d_median x days_remaining")
    monthly_used_pct: pl.Float64 = opt("month_to_date / monthly_limit x 100 (DOUBLE)")
    forecast_used_pct: pl.Float64 = opt("forecast_month_total / monthly_limit x 100 (DOUBLE)")
    daily_used_pct: pl.Float64 = opt("day_spend / daily_limit x 100 (DOUBLE)")
    other_currencies: str = opt("Currencies of prod spend that differ from the budget's")
    status: str = f("ok, soft, hard or unsupported_currency", isin=STATUSES)
    status_reason: str = f("Which rule set the status")
    guardrail_action: str = f(
        "none (ok, or action none), alert (soft or unsupported currency), the configured action "
        "(hard)",
        isin=BUDGET_ACTIONS,
    )

    class Config:
        strict = True
        ordered = True


MODEL = MartBudgetStatus
