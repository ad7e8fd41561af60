"""Langfuse observation exports (JSON lines, CSV or Parquet blob/UI export) -> native records.

Both the ClickHouse column names (`start_time`, `usage_details`, `provided_model_name`) and the
public-API camelCase names (`startTime`, `usageDetails`, `model`) are read. Only `GENERATION` and
`EMBEDDING` observations are model calls; other types (SPAN, EVENT, ...) are skipped with a reason.

Tokens: Langfuse subtracts cached tokens from `usage_details.input` at ingest, so the native
`input_tokens` = `input` + cache read (`input_cached_tokens` | `input_cache_read` |
`cache_read_input_tokens`) + cache write (`input_cache_creation`, or `input_cache_creation_5m` +
`input_cache_creation_1h`, or `cache_creation_input_tokens`). When `total` is present and larger
than the rebuilt input + output (other subtracted details such as audio), input is `total - output`.
`output` excludes reasoning when `output_reasoning_tokens` is present: it is added back.

Langfuse does not record the provider: it comes from metadata (mapping) or, failing that, from
the model name (`gpt-*`, `o1/o3/o4*`, `text-embedding-*` -> openai, `claude-*` -> anthropic).
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.lib.requests.adapters.common import (
    Reject,
    Skip,
    as_dict,
    as_int,
    as_str,
    is_empty,
    maybe_json,
    parse_time,
    rfc3339,
    safe,
)
from pipelines.lib.requests.adapters.fingerprint import prompt_fingerprint
from pipelines.lib.requests.adapters.mapping import Mapping, prompt_value, resolve_fields

SECTION = "langfuse"
MODEL_CALL_TYPES = frozenset({"GENERATION", "EMBEDDING"})
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_CACHE_READ_KEYS = ("input_cached_tokens", "input_cache_read", "cache_read_input_tokens")
_OPENAI_MODEL = re.compile(r"^(gpt-|o[1-9](-|$)|chatgpt-|text-embedding-|davinci|babbage)")


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower()


def provider_from_model(model: str | None) -> str | None:
    """The provider an OpenAI or Anthropic model name tells, else None."""
    if not model:
        return None
    m = model.lower()
    if _OPENAI_MODEL.match(m):
        return "openai"
    if m.startswith("claude-"):
        return "anthropic"
    return None


def _usage(details: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in details.items():
        if k in ("unit", "usage_unit"):
            continue
        n = as_int(v, f"usage_details.{k}")
        if n is not None:
            out[str(k)] = n
    return out


def _record(raw: dict[str, Any]) -> dict[str, Any]:
    """The observation with snake_case keys and JSON text decoded; Skip when it is not a model
    call."""
    rec = {_snake(k): v for k, v in raw.items()}
    for k in ("metadata", "model_parameters", "usage_details", "tags", "trace_tags"):
        if k in rec:
            rec[k] = maybe_json(rec[k])
    if "metadata" in rec:
        rec["metadata"] = {k: maybe_json(v) for k, v in as_dict(rec["metadata"]).items()}
    obs_type = rec.get("type")
    if not is_empty(obs_type) and str(obs_type).upper() not in MODEL_CALL_TYPES:
        # SPAN, EVENT, AGENT, TOOL, ...: not billable calls, skipped (never quarantined).
        raise Skip(f"observation type {safe(obs_type)} is not a model call")
    return rec


def _set_call(native: dict[str, Any], rec: dict[str, Any], mapping: Mapping) -> None:
    """Timestamp, latency, model, provider, environment, tier and status of the call."""
    start = parse_time(rec.get("start_time"), "start_time")
    native["timestamp"] = rfc3339(start)
    if not is_empty(rec.get("end_time")):
        end = parse_time(rec.get("end_time"), "end_time")
        native["latency_ms"] = max(0, round((end - start).total_seconds() * 1000))
    native["model"] = as_str(native.get("model"), "provided_model_name")
    provider = as_str(native.get("provider"), "metadata.provider")
    native["provider"] = mapping.provider(provider) or provider_from_model(native["model"])
    native["environment"] = mapping.environment(as_str(native.get("environment"), "environment"))
    native["service_tier"] = mapping.service_tier(as_str(native.get("service_tier"), "tier"))
    native["status"] = "error" if str(rec.get("level") or "").upper() == "ERROR" else "success"


def _details(rec: dict[str, Any], native: dict[str, Any]) -> dict[str, int]:
    """The usage counts of the observation; Reject when a successful call has none usable."""
    details_raw = rec.get("usage_details")
    if is_empty(details_raw) and not is_empty(rec.get("usage")):
        details_raw = rec.get("usage")  # legacy API v1 `usage` {input, output, total}
    details = _usage(as_dict(details_raw))
    app_hit = str(native.get("cache_status") or "") in ("exact", "semantic")
    if not details and native["status"] == "success" and not app_hit:
        raise Reject("usage_details", "missing (no usage on the generation)")
    if details and "input" not in details and "output" not in details:
        raise Reject("usage_details", "has neither an input nor an output count")
    return details


def _cache_writes(details: dict[str, int]) -> tuple[int, int | None]:
    """(cache writes, of which 1-hour writes) of the usage counts."""
    cw1h = details.get("input_cache_creation_1h")
    if "input_cache_creation" in details:
        return details["input_cache_creation"], cw1h
    if "input_cache_creation_5m" in details or cw1h is not None:
        return details.get("input_cache_creation_5m", 0) + (cw1h or 0), cw1h
    return details.get("cache_creation_input_tokens", 0), cw1h


def _tokens(details: dict[str, int]) -> dict[str, int | None]:
    """The native token fields of the usage counts (Langfuse input excludes cache reads and
    writes; a larger total moves the rest to input)."""
    cr = next((details[k] for k in _CACHE_READ_KEYS if k in details), 0)
    cw, cw1h = _cache_writes(details)
    reasoning = details.get("output_reasoning_tokens")
    out = details.get("output", 0) + (reasoning or 0)
    inp = details.get("input", 0) + cr + cw
    total = details.get("total")
    if total is not None and total > inp + out:
        inp = total - out
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_tokens": cr,
        "cache_write_tokens": cw,
        "cache_write_1h_tokens": cw1h,
        "reasoning_tokens": reasoning,
    }


def convert(raw: dict[str, Any], mapping: Mapping) -> dict[str, Any]:
    """One Langfuse observation as a native record (Skip: not a model call; Reject: unusable)."""
    rec = _record(raw)
    native, _ = resolve_fields(rec, mapping, SECTION)
    _set_call(native, rec, mapping)
    native.update(_tokens(_details(rec, native)))
    if is_empty(native.get("cache_status")):
        native["cache_status"] = "prefix" if native["cache_read_tokens"] > 0 else "miss"
    native["prompt_fingerprint"] = prompt_fingerprint(prompt_value(rec, mapping, SECTION))
    return native
