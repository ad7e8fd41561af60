"""The native request record: the input contract of `<input>/requests/`.

See the README, "The native request record". Every adapter emits it, the reader validates it and
the sample generator writes it.
"""

import polars as pl

# The native request record (README "The native request record"), in order, with the dtype an
# adapter emits. `timestamp` stays an RFC 3339 string with offset so the native reader parses it.
NATIVE_SCHEMA: dict[str, pl.DataType] = {
    "request_id": pl.String(),
    "timestamp": pl.String(),
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
}
NATIVE_FIELDS = tuple(NATIVE_SCHEMA)
TOKEN_FIELDS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)
REQUIRED_FIELDS = (
    "request_id",
    "timestamp",
    "tenant_id",
    "feature",
    "environment",
    "provider",
    "model",
    "input_tokens",
    "output_tokens",
)
# The fields that price or attribute a request: only a bad value here quarantines a record.
# Every other field is repaired (pipelines/lib/requests/rules.py): rounded, or set to NULL.
CRITICAL_FIELDS = frozenset({*REQUIRED_FIELDS, *TOKEN_FIELDS, "service_tier"})
# Repair actions (table ingest_field_repairs.action); readers carry them in `_rp_<field>`.
REPAIR_PREFIX = "_rp_"
ROUNDED = "rounded fractional number"
NOT_A_NUMBER = "set to NULL: not a number"
NOT_A_BOOLEAN = "set to NULL: not a boolean"
WRONG_TYPE = "set to NULL: wrong type"
UNKNOWN_VALUE = "set to NULL: unknown value"
NEGATIVE = "set to NULL: negative"
