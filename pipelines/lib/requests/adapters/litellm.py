"""LiteLLM proxy logs -> native request records.

Two shapes, one mapping section (`[litellm]`):

- `litellm-payload`: `StandardLoggingPayload` JSON lines (what LiteLLM callbacks write to
  S3/GCS/...): `id`, epoch-float-seconds `startTime`/`endTime`, `metadata`, `hidden_params`.
- `litellm-spendlogs`: rows of the `LiteLLM_SpendLogs` table (CSV, JSON lines or Parquet export):
  `request_id`, DateTime `startTime`/`endTime` (naive values are UTC, as Prisma stores them),
  JSON columns `metadata` / `request_tags` (JSON strings in CSV).

Tokens: `prompt_tokens` already includes cache reads and writes (LiteLLM re-adds Anthropic's
cache tokens), so it is the native `input_tokens`; the split comes from `metadata.usage_object`
(or `hidden_params.usage_object`; LiteLLM versions that log neither carry the same `Usage` in
`response.usage`): `prompt_tokens_details.cached_tokens` / `cache_read_input_tokens` and
`cache_creation_input_tokens`. Should a record carry a prompt count
smaller than its cache counts (an exclusive count), the cache tokens are added back.

`cache_hit` is LiteLLM's own response cache, not provider prompt caching: such a record is an
application-cache exact hit (`cache_status = exact`) with zero provider tokens.
"""

from __future__ import annotations

from typing import Any

from pipelines.lib.requests.adapters.common import (
    Reject,
    as_dict,
    as_int,
    as_str,
    is_empty,
    maybe_json,
    parse_time,
    rfc3339,
)
from pipelines.lib.requests.adapters.fingerprint import prompt_fingerprint
from pipelines.lib.requests.adapters.mapping import Mapping, get_path, prompt_value, resolve_fields

SECTION = "litellm"
_JSON_COLUMNS = (
    "metadata",
    "request_tags",
    "hidden_params",
    "cost_breakdown",
    "model_parameters",
    "error_information",
    "proxy_server_request",
    "messages",
    "response",
)


def _usage_object(rec: dict[str, Any]) -> dict[str, Any]:
    # Older LiteLLM versions log no usage_object: the same Usage is in the response itself.
    for p in (
        "metadata.usage_object",
        "hidden_params.usage_object",
        "usage_object",
        "response.usage",
    ):
        u = as_dict(get_path(rec, p))
        if u:
            return u
    return {}


def _first_int(u: dict[str, Any], paths: tuple[str, ...], field: str) -> int | None:
    for p in paths:
        v = get_path(u, p)
        if not is_empty(v):
            return as_int(v, f"{field} ({p})")
    return None


def _is_true(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("true", "1", "yes")


def convert(rec: dict[str, Any], mapping: Mapping) -> dict[str, Any]:
    """One LiteLLM log record as a native record (Reject: unusable)."""
    rec = {k: (maybe_json(v) if k in _JSON_COLUMNS else v) for k, v in rec.items()}
    native, _ = resolve_fields(rec, mapping, SECTION)
    start = parse_time(rec.get("startTime"), "startTime")
    native["timestamp"] = rfc3339(start)
    duration = rec.get("request_duration_ms")
    if not is_empty(duration):
        native["latency_ms"] = duration  # typed (fractions rounded) by coerce_native
    elif not is_empty(rec.get("endTime")):
        end = parse_time(rec.get("endTime"), "endTime")
        native["latency_ms"] = max(0, round((end - start).total_seconds() * 1000))

    native["provider"] = mapping.provider(as_str(native.get("provider"), "custom_llm_provider"))
    native["environment"] = mapping.environment(as_str(native.get("environment"), "environment"))
    tier = mapping.service_tier(as_str(native.get("service_tier"), "service_tier"))
    if tier is None and "batch" in str(rec.get("call_type") or "").lower():
        tier = "batch"
    native["service_tier"] = tier

    status = str(rec.get("status") or get_path(rec, "metadata.status") or "success").lower()
    native["status"] = "error" if status in ("failure", "failed", "error") else "success"

    if _is_true(rec.get("cache_hit")):
        # LiteLLM answered from its own response cache: no provider call, zero provider tokens.
        native.update(
            cache_status="exact",
            input_tokens=0,
            output_tokens=0,
            cache_read_tokens=0,
            cache_write_tokens=0,
            cache_write_1h_tokens=0,
            reasoning_tokens=0,
        )
    else:
        usage = _usage_object(rec)
        inp = as_int(rec.get("prompt_tokens"), "prompt_tokens")
        if inp is None:
            inp = _first_int(usage, ("prompt_tokens",), "metadata.usage_object")
        out = as_int(rec.get("completion_tokens"), "completion_tokens")
        if out is None:
            out = _first_int(usage, ("completion_tokens",), "metadata.usage_object")
        if inp is None and native["status"] == "success":
            raise Reject("prompt_tokens", "missing (no prompt token count)")
        cr = _first_int(
            usage,
            ("prompt_tokens_details.cached_tokens", "cache_read_input_tokens"),
            "metadata.usage_object.prompt_tokens_details.cached_tokens",
        )
        cw = _first_int(
            usage,
            ("cache_creation_input_tokens", "prompt_tokens_details.cache_creation_tokens"),
            "metadata.usage_object.cache_creation_input_tokens",
        )
        cw1h = _first_int(
            usage,
            (
                "prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens",
                "cache_creation.ephemeral_1h_input_tokens",
            ),
            "metadata.usage_object...ephemeral_1h_input_tokens",
        )
        reasoning = _first_int(
            usage,
            ("completion_tokens_details.reasoning_tokens",),
            "metadata.usage_object.completion_tokens_details.reasoning_tokens",
        )
        inp, cr, cw = inp or 0, cr or 0, cw or 0
        if inp < cr + cw:
            inp += cr + cw
        native.update(
            input_tokens=inp,
            output_tokens=out or 0,
            cache_read_tokens=cr,
            cache_write_tokens=cw,
            cache_write_1h_tokens=cw1h,
            reasoning_tokens=reasoning,
            cache_status="prefix" if cr > 0 else "miss",
        )
    native["prompt_fingerprint"] = prompt_fingerprint(prompt_value(rec, mapping, SECTION))
    return native
