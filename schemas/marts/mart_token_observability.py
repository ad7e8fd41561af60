"""Schema of mart_token_observability."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_token_observability"


class MartTokenObservability(pa.DataFrameModel):
    """Token sizes, latency, error and block rates per feature and model, per day. Token and
    latency statistics cover provider calls only (app-cache hits excluded).

    Grain: environment x request_date x feature x provider x model.
    """

    environment: str = pa.Field(isin=ENVIRONMENTS, description="prod, staging or dev")
    request_date: pl.Date = pa.Field(description="UTC day of the requests")
    feature: str = pa.Field(description="Product feature")
    provider: str = pa.Field(description="Model provider as logged")
    model: str = pa.Field(description="Model as reported")
    requests: pl.Int64 = pa.Field(ge=1, description="All requests")
    provider_calls: pl.Int64 = pa.Field(ge=0, description="Requests that reached the provider")
    app_cache_hits: pl.Int64 = pa.Field(ge=0, description="Requests answered by the app cache")
    input_tokens: pl.Int64 = pa.Field(ge=0, description="Sum of input_tokens of provider calls")
    output_tokens: pl.Int64 = pa.Field(ge=0, description="Sum of output_tokens of provider calls")
    median_input_tokens: pl.Float64 = pa.Field(
        nullable=True, description="Median input_tokens (cache included) of provider calls"
    )
    median_output_tokens: pl.Float64 = pa.Field(
        nullable=True, description="Median output_tokens of provider calls"
    )
    p95_output_tokens: pl.Float64 = pa.Field(
        nullable=True, description="95th percentile (linear) of output_tokens of provider calls"
    )
    output_input_ratio: pl.Float64 = pa.Field(
        nullable=True, description="output_tokens / input_tokens (ratio of the sums)"
    )
    p50_latency_ms: pl.Float64 = pa.Field(
        nullable=True, description="Median latency of provider calls, ms"
    )
    p95_latency_ms: pl.Float64 = pa.Field(
        nullable=True, description="95th percentile latency of provider calls, ms"
    )
    errors: pl.Int64 = pa.Field(ge=0, description="Requests with status 'error'")
    blocked: pl.Int64 = pa.Field(ge=0, description="Requests with status 'blocked'")
    error_rate: pl.Float64 = pa.Field(ge=0, le=1, description="errors / requests")
    block_rate: pl.Float64 = pa.Field(ge=0, le=1, description="blocked / requests")

    class Config:
        strict = True
        ordered = True
        unique = ("environment", "request_date", "feature", "provider", "model")


MODEL = MartTokenObservability
