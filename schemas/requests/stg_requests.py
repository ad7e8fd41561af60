"""Schema of stg_requests: the canonical request model
(`schemas.requests.canonical_request`, its fields
and checks) with the description of every column."""

from __future__ import annotations

import pandera.polars as pa

from schemas.requests.canonical_request import SQL_CHECKS, CanonicalRequest

TABLE = "stg_requests"

DESCRIPTIONS = {
    "request_id": "Unique id of the provider call or app-cache hit (later copies are quarantined)",
    "timestamp_utc": "When the request was made, normalised to UTC",
    "request_date": "UTC day of timestamp_utc (the daily partition)",
    "tenant_id": "Customer tenant the call served",
    "user_id": "End user, if logged",
    "app": "Application that made the call, if logged",
    "feature": "Product feature the call served",
    "environment": "`prod`, `staging` or `dev`",
    "provider": "Provider: openai, anthropic, azure_openai, aws_bedrock, gcp_vertex, ...",
    "model": "Model exactly as the provider reported it",
    "service_tier": "`standard`, `batch`, `flex` or `priority`",
    "prompt_version": "Prompt version, if logged",
    "session_id": "Session (conversation or agent run), if logged",
    "action_id": "User action the call belongs to, if logged",
    "input_tokens": "All input tokens, cache reads and writes included (OpenTelemetry counting)",
    "cache_read_tokens": "Input tokens read from the provider's prompt cache",
    "cache_write_tokens": "Input tokens written to the prompt cache (5-minute and 1-hour)",
    "cache_write_1h_tokens": "Part of cache_write_tokens written with a one-hour lifetime",
    "output_tokens": "All output tokens, reasoning included",
    "reasoning_tokens": "Part of output_tokens spent on reasoning (informational)",
    "input_uncached_tokens": "input_tokens - cache_read_tokens - cache_write_tokens",
    "cache_write_5m_tokens": "cache_write_tokens - cache_write_1h_tokens",
    "cache_status": "`miss`, `prefix` (provider cache) or `exact` / `semantic` (app-cache hit)",
    "cache_source_request_id": "Request whose answer an exact or semantic hit reused",
    "latency_ms": "Latency in milliseconds, if logged",
    "status": "`success`, `error` or `blocked`",
    "error_type": "Error class of a failed call, if logged",
    "result_type": "Kind of result, if logged",
    "prompt_fingerprint": "Hash of the prompt for repeat detection (never the prompt itself)",
    "pii_detected": "Whether the caller flagged personal data in the prompt",
    "policy_blocked": "Whether a policy blocked the call",
    "accepted": "Whether the user accepted the output (quality signal)",
    "edit_distance": "How much the user edited the output (quality signal)",
    "escalated": "Whether the case was escalated to a human (quality signal)",
    "csat": "Customer satisfaction score 1-5 (quality signal)",
    "source_format": "Format the record was read from (native-jsonl, otel, litellm, ...)",
    "source_file": "Request file, relative to the input folder",
    "source_line": "1-based line (row for Parquet) in source_file",
}


class StgRequests(CanonicalRequest):
    """Every loaded request record, normalised: one provider call or one app-cache hit, with the
    five disjoint token kinds, lineage to its file and line, and no prompt or completion text.
    Replaced window by window.

    Grain: one row per request_id.
    """

    @classmethod
    def to_schema(cls) -> pa.DataFrameSchema:
        """The canonical schema with the descriptions above."""
        schema = super().to_schema()
        return schema.update_columns(
            {name: {"description": DESCRIPTIONS[name]} for name in schema.columns}
        )


MODEL = StgRequests
__all__ = ["MODEL", "SQL_CHECKS", "TABLE", "StgRequests"]
