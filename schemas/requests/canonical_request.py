"""The canonical request record every input format is normalised to (table `stg_requests`).

Token counts are disjoint here: `input_tokens` is the OpenTelemetry total (cache reads and writes
included) and the derived `input_uncached_tokens` / `cache_write_5m_tokens` make the five billed
kinds sum back to it.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

ENVIRONMENTS = ("prod", "staging", "dev")
SERVICE_TIERS = ("standard", "batch", "flex", "priority")
CACHE_STATUSES = ("miss", "prefix", "exact", "semantic")
APP_CACHE_HITS = ("exact", "semantic")
STATUSES = ("success", "error", "blocked")

# The five disjoint token kinds a provider bills, in the order every table lists them.
TOKEN_KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")
# Column of stg_requests holding each kind's count.
TOKEN_KIND_COLUMNS = {
    "input": "input_uncached_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_5m_tokens",
    "cache_write_1h": "cache_write_1h_tokens",
    "output": "output_tokens",
}

# Column name -> polars dtype, in table order.
CANONICAL_COLUMNS: dict[str, pl.DataType] = {
    "request_id": pl.String(),
    "timestamp_utc": pl.Datetime("us"),
    "request_date": pl.Date(),
    "tenant_id": pl.String(),
    "user_id": pl.String(),
    "app": pl.String(),
    "feature": pl.String(),
    "environment": pl.String(),
    "provider": pl.String(),
    "model": pl.String(),
    "service_tier": pl.String(),
    "prompt_version": pl.String(),
    "session_id": pl.String(),
    "action_id": pl.String(),
    "input_tokens": pl.Int64(),
    "cache_read_tokens": pl.Int64(),
    "cache_write_tokens": pl.Int64(),
    "cache_write_1h_tokens": pl.Int64(),
    "output_tokens": pl.Int64(),
    "reasoning_tokens": pl.Int64(),
    "input_uncached_tokens": pl.Int64(),
    "cache_write_5m_tokens": pl.Int64(),
    "cache_status": pl.String(),
    "cache_source_request_id": pl.String(),
    "latency_ms": pl.Int64(),
    "status": pl.String(),
    "error_type": pl.String(),
    "result_type": pl.String(),
    "prompt_fingerprint": pl.String(),
    "pii_detected": pl.Boolean(),
    "policy_blocked": pl.Boolean(),
    "accepted": pl.Boolean(),
    "edit_distance": pl.Float64(),
    "escalated": pl.Boolean(),
    "csat": pl.Float64(),
    "source_format": pl.String(),
    "source_file": pl.String(),
    "source_line": pl.Int64(),
}

QUARANTINE_COLUMNS: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_line": pl.Int64(),
    "request_id": pl.String(),
    "request_date": pl.Date(),
    "field": pl.String(),
    "reason": pl.String(),
}


class CanonicalRequest(pa.DataFrameModel):
    """One provider call or one app-cache hit, normalised."""

    request_id: str = pa.Field(nullable=False, unique=True, str_length={"min_value": 1})
    timestamp_utc: pl.Datetime = pa.Field(nullable=False)
    request_date: pl.Date = pa.Field(nullable=False)
    tenant_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    user_id: str = pa.Field(nullable=True)
    app: str = pa.Field(nullable=True)
    feature: str = pa.Field(nullable=False, str_length={"min_value": 1})
    environment: str = pa.Field(nullable=False, isin=ENVIRONMENTS)
    provider: str = pa.Field(nullable=False)
    model: str = pa.Field(nullable=False)
    service_tier: str = pa.Field(nullable=False, isin=SERVICE_TIERS)
    prompt_version: str = pa.Field(nullable=True)
    session_id: str = pa.Field(nullable=True)
    action_id: str = pa.Field(nullable=True)
    input_tokens: pl.Int64 = pa.Field(ge=0)
    cache_read_tokens: pl.Int64 = pa.Field(ge=0)
    cache_write_tokens: pl.Int64 = pa.Field(ge=0)
    cache_write_1h_tokens: pl.Int64 = pa.Field(ge=0)
    output_tokens: pl.Int64 = pa.Field(ge=0)
    reasoning_tokens: pl.Int64 = pa.Field(ge=0)
    input_uncached_tokens: pl.Int64 = pa.Field(ge=0)
    cache_write_5m_tokens: pl.Int64 = pa.Field(ge=0)
    cache_status: str = pa.Field(nullable=False, isin=CACHE_STATUSES)
    cache_source_request_id: str = pa.Field(nullable=True)
    latency_ms: pl.Int64 = pa.Field(nullable=True, ge=0)
    status: str = pa.Field(nullable=False, isin=STATUSES)
    error_type: str = pa.Field(nullable=True)
    result_type: str = pa.Field(nullable=True)
    prompt_fingerprint: str = pa.Field(nullable=True)
    pii_detected: bool = pa.Field(nullable=True)
    policy_blocked: bool = pa.Field(nullable=True)
    accepted: bool = pa.Field(nullable=True)
    edit_distance: pl.Float64 = pa.Field(nullable=True, ge=0)
    escalated: bool = pa.Field(nullable=True)
    csat: pl.Float64 = pa.Field(nullable=True, ge=1, le=5)
    source_format: str = pa.Field(nullable=False)
    source_file: str = pa.Field(nullable=False)
    source_line: pl.Int64 = pa.Field(nullable=False, ge=1)

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check
    def tokens_are_disjoint_parts_of_input(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Uncached + cache read + cache writes equal the OpenTelemetry input total."""
        return data.lazyframe.select(
            (
                pl.col("input_uncached_tokens")
                + pl.col("cache_read_tokens")
                + pl.col("cache_write_tokens")
                == pl.col("input_tokens")
            )
            & (pl.col("cache_write_1h_tokens") <= pl.col("cache_write_tokens"))
            & (pl.col("reasoning_tokens") <= pl.col("output_tokens"))
        )


# The dataframe check as SQL, for windows validated in DuckDB (schemas.sql_validation).
SQL_CHECKS = {
    "tokens_are_disjoint_parts_of_input": (
        "input_uncached_tokens + cache_read_tokens + cache_write_tokens = input_tokens "
        "and cache_write_1h_tokens <= cache_write_tokens and reasoning_tokens <= output_tokens"
    ),
}
