"""Schema of mart_runaway_sessions."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import SEVERITIES, f, opt
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_runaway_sessions"


class MartRunawaySessions(pa.DataFrameModel):
    """Sessions far above their feature's typical session: requests or tokens above 2x the p99
    of the feature's sessions in the same environment (low), 5x (medium), 10x (high); sessions of
    at least 3 requests (defaults, see int_settings_resolved).

    Grain: session_id x tenant_id x feature x environment, flagged sessions only.
    """

    session_id: str = f("Session")
    tenant_id: str = f("Tenant")
    feature: str = f("Feature")
    environment: str = f("prod, staging or dev", isin=ENVIRONMENTS)
    first_request_at: pl.Datetime = f("First request of the session (UTC)")
    last_request_at: pl.Datetime = f("Last request of the session (UTC)")
    first_day: pl.Date = f("Day of the first request")
    last_day: pl.Date = f("Day of the last request")
    requests: pl.Int64 = f("Requests in the session", ge=1)
    tokens: pl.Int64 = f("Input + output tokens of the session", ge=0)
    contracted_cost: Money = opt("Contracted cost of the session (priced requests)")
    feature_sessions: pl.Int64 = f("Sessions of the feature in the environment", ge=1)
    median_requests: pl.Float64 = f("Median requests per session of the feature")
    p99_requests: pl.Float64 = f("p99 requests per session of the feature")
    median_tokens: pl.Float64 = f("Median tokens per session of the feature")
    p99_tokens: pl.Float64 = f("p99 tokens per session of the feature")
    requests_vs_p99: pl.Float64 = opt("requests / p99_requests")
    tokens_vs_p99: pl.Float64 = opt("tokens / p99_tokens")
    severity: str = f("low, medium or high", isin=SEVERITIES)

    class Config:
        strict = True
        ordered = True


MODEL = MartRunawaySessions
