"""Schema of mart_weekly_scorecard."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import f, opt
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_weekly_scorecard"


class MartWeeklyScorecard(pa.DataFrameModel):
    """Weekly cost and quality of each feature with week-over-week changes and a
    freeze_or_rollback flag (cost per execution up >= 20% and acceptance down >= 5 pts with
    z <= -3, defaults).
    Late feedback overrides the inline quality fields of the request's own week.

    Grain: week_start (ISO week, Monday) x feature x environment.
    """

    week_start: pl.Date = f("Monday of the ISO week (UTC)")
    iso_year: pl.Int64 = f("ISO year")
    iso_week: pl.Int64 = f("ISO week number", ge=1, le=53)
    feature: str = f("Feature")
    environment: str = f("prod, staging or dev", isin=ENVIRONMENTS)
    requests: pl.Int64 = f("Requests", ge=1)
    executions: pl.Int64 = f(
        "Executions: distinct action_id (a request without one counts as one)", ge=1
    )
    currency: str = opt("Contracted currency (MIXED if several: cost NULL)")
    contracted_cost: Money = opt("Contracted cost (priced requests)")
    unpriced_requests: pl.Int64 = f("Requests without a price", ge=0)
    cost_per_1000_executions: pl.Float64 = opt("contracted_cost x 1000 / executions (DOUBLE)")
    rated_requests: pl.Int64 = f("Requests with an acceptance signal", ge=0)
    acceptance_rate: pl.Float64 = opt("Accepted / rated requests", ge=0, le=1)
    mean_edit_distance: pl.Float64 = opt("Mean edit distance")
    escalation_rate: pl.Float64 = opt("Escalated / requests with the signal", ge=0, le=1)
    mean_csat: pl.Float64 = opt("Mean CSAT (1-5)")
    late_feedback_requests: pl.Int64 = f(
        "Requests whose quality came (partly) from late feedback", ge=0
    )
    prev_cost_per_1000_executions: pl.Float64 = opt("Previous week's cost per 1,000 executions")
    prev_acceptance_rate: pl.Float64 = opt("Previous week's acceptance rate")
    cost_per_execution_change_pct: pl.Float64 = opt(
        "Week-over-week change of cost per execution, %"
    )
    acceptance_change_pts: pl.Float64 = opt("Week-over-week change of acceptance, points")
    acceptance_change_z: pl.Float64 = opt(
        "Two-proportion z of the acceptance change (pooled); the flag needs <= -3 by default"
    )
    edit_distance_change: pl.Float64 = opt("Week-over-week change of mean edit distance")
    escalation_change_pts: pl.Float64 = opt("Week-over-week change of escalation rate, points")
    csat_change: pl.Float64 = opt("Week-over-week change of mean CSAT")
    freeze_or_rollback: bool = f("Cost per execution rose and acceptance fell past the thresholds")

    class Config:
        strict = True
        ordered = True


MODEL = MartWeeklyScorecard
