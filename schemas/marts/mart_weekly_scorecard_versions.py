"""Schema of mart_weekly_scorecard_versions."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import f, opt
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_weekly_scorecard_versions"


class MartWeeklyScorecardVersions(pa.DataFrameModel):
    """Weekly cost and quality of each prompt version and model of a feature, compared with the
    same version and model the week before (or, in its first week, with the feature's previous
    week as a whole); freeze_or_rollback names the version to stop.

    Grain: week_start x feature x environment x prompt_version x provider x model.
    """

    week_start: pl.Date = f("Monday of the ISO week (UTC)")
    iso_year: pl.Int64 = f("ISO year")
    iso_week: pl.Int64 = f("ISO week number", ge=1, le=53)
    feature: str = f("Feature")
    environment: str = f("prod, staging or dev", isin=ENVIRONMENTS)
    prompt_version: str = f("Prompt version ('(none)' when not logged)")
    provider: str = f("Provider")
    model: str = f("Model")
    first_week_start: pl.Date = f("First week this version/model ran in this environment")
    requests: pl.Int64 = f("Requests", ge=1)
    executions: pl.Int64 = f("Distinct action_id (a request without one counts as one)", ge=1)
    share_of_feature_executions: pl.Float64 = opt("executions / the feature's executions that week")
    currency: str = opt("Contracted currency (MIXED if several: cost NULL)")
    contracted_cost: Money = opt("Contracted cost (priced requests)")
    unpriced_requests: pl.Int64 = f("Requests without a price", ge=0)
    cost_per_1000_executions: pl.Float64 = opt("contracted_cost x 1000 / executions (DOUBLE)")
    rated_requests: pl.Int64 = f("Requests with an acceptance signal", ge=0)
    acceptance_rate: pl.Float64 = opt("Accepted / rated requests", ge=0, le=1)
    mean_edit_distance: pl.Float64 = opt("Mean edit distance")
    escalation_rate: pl.Float64 = opt("Escalated / requests with the signal", ge=0, le=1)
    mean_csat: pl.Float64 = opt("Mean CSAT (1-5)")
    baseline: str = opt(
        "same_version_previous_week, feature_previous_week (first week of the version/model), "
        "or NULL (no previous week)"
    )
    baseline_cost_per_1000_executions: pl.Float64 = opt("Baseline cost per 1,000 executions")
    baseline_acceptance_rate: pl.Float64 = opt("Baseline acceptance rate")
    cost_per_execution_change_pct: pl.Float64 = opt("Cost per execution vs baseline, %")
    acceptance_change_pts: pl.Float64 = opt("Acceptance vs baseline, points")
    acceptance_change_z: pl.Float64 = opt("Two-proportion z of the acceptance change vs baseline")
    freeze_or_rollback: bool = f("Costlier and less accepted than the baseline past the thresholds")

    class Config:
        strict = True
        ordered = True


MODEL = MartWeeklyScorecardVersions
