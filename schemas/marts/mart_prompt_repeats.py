"""Schema of mart_prompt_repeats."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import EXACT_CONTRACTED
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_prompt_repeats"


class MartPromptRepeats(pa.DataFrameModel):
    """How often the same prompt (prompt_fingerprint, same tenant and feature) comes back within
    the repeat window, how many repeats a cache served, and what the uncached ones cost.

    Grain: environment x request_date x feature.
    """

    environment: str = pa.Field(isin=ENVIRONMENTS, description="prod, staging or dev")
    request_date: pl.Date = pa.Field(description="UTC day of the requests")
    feature: str = pa.Field(description="Product feature")
    repeat_window_hours: pl.Int32 = pa.Field(
        ge=1, description="Look-back window of a repeat (DuckDB variable, default 24)"
    )
    requests: pl.Int64 = pa.Field(ge=1, description="All requests")
    fingerprinted_requests: pl.Int64 = pa.Field(ge=0, description="Requests with a fingerprint")
    repeated_requests: pl.Int64 = pa.Field(
        ge=0, description="Requests whose prompt was seen within the window before"
    )
    repeat_rate: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="repeated_requests / fingerprinted_requests"
    )
    app_cache_hits: pl.Int64 = pa.Field(ge=0, description="Exact or semantic app-cache hits")
    app_cache_hit_rate: pl.Float64 = pa.Field(ge=0, le=1, description="app_cache_hits / requests")
    cache_served_repeats: pl.Int64 = pa.Field(ge=0, description="Repeats the app cache answered")
    uncached_repeats: pl.Int64 = pa.Field(
        ge=0, description="Repeats with cache_status 'miss' (paid again)"
    )
    unpriced_uncached_repeats: pl.Int64 = pa.Field(
        ge=0, description="Uncached repeats with no price (not in avoidable_cost)"
    )
    avoidable_cost: Money = pa.Field(
        description=f"Contracted cost of uncached repeats, {EXACT_CONTRACTED}"
    )
    contracted_cost: Money = pa.Field(
        description=f"Spend of all requests with a known cost, {EXACT_CONTRACTED}"
    )
    currency: str = pa.Field(nullable=True, description="ISO 4217 currency of contracted costs")

    class Config:
        strict = True
        ordered = True
        unique = ("environment", "request_date", "feature")


MODEL = MartPromptRepeats
