"""Table `fct_restatements`: closed days whose figures changed when they were rebuilt."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money

TABLE = "fct_restatements"


class Restatement(pa.DataFrameModel):
    """One row per day × provider × contracted currency whose totals changed between the
    previous build of that day and a later one (late or corrected logs re-run with
    `costline run --from D --to D`). Appended by the asset `cost_line_restatements`; a day
    built for the first time, or re-run with unchanged data, adds nothing.

    Grain: run_id × day × provider × currency.
    """

    day: pl.Date = pa.Field(description="Request day (UTC) that was restated")
    provider: str = pa.Field(description="Provider of the cost lines")
    currency: str = pa.Field(nullable=True, description="Contracted currency (NULL: unpriced)")
    previous_requests: pl.Int64 = pa.Field(ge=0, description="Requests in the previous build")
    new_requests: pl.Int64 = pa.Field(ge=0, description="Requests in this build")
    requests_change: pl.Int64 = pa.Field(description="new_requests - previous_requests")
    previous_tokens: pl.Int64 = pa.Field(ge=0, description="input + output tokens before")
    new_tokens: pl.Int64 = pa.Field(ge=0, description="input + output tokens now")
    tokens_change: pl.Int64 = pa.Field(description="new_tokens - previous_tokens")
    previous_contracted_cost: Money = pa.Field(description="Exact contracted cost before")
    new_contracted_cost: Money = pa.Field(description="Exact contracted cost now")
    contracted_cost_change: Money = pa.Field(
        description="new_contracted_cost - previous_contracted_cost"
    )
    previous_built_at: pl.Datetime = pa.Field(
        description="When the previous build of the day ran (UTC)"
    )
    detected_at: pl.Datetime = pa.Field(description="When this build detected the change (UTC)")
    run_id: str = pa.Field(description="Dagster run id of the build that detected it")


MODEL = Restatement
