"""Raw provider usage objects wrapped in the native envelope -> native request records.

A record is a native request record (same field names, see README) whose token fields are
replaced by the provider's own `usage` object, exactly as the API returned it, optionally with
the response header fields in `response` (`id`, `model`, `service_tier`) and an `api` hint
(`openai.chat`, `openai.responses`, `anthropic.messages`). Example:

    {"request_id": "r1", "timestamp": "2026-03-02T09:00:00+00:00", "tenant_id": "acme",
     "feature": "summary", "environment": "prod", "provider": "anthropic",
     "model": "claude-sonnet-4-5", "api": "anthropic.messages",
     "usage": {"input_tokens": 42, "cache_read_input_tokens": 1200, ...}}

Shapes (the `api` hint wins; otherwise by keys, then by provider):

- OpenAI Chat Completions: `prompt_tokens` includes `prompt_tokens_details.cached_tokens`
  (and, we assume, `cache_write_tokens`; added back if the total is smaller than the parts);
  `completion_tokens` includes `completion_tokens_details.reasoning_tokens`.
- OpenAI Responses: `input_tokens` includes `input_tokens_details.cached_tokens` (same rule for
  `cache_write_tokens`); `output_tokens` includes `output_tokens_details.reasoning_tokens`.
- Anthropic Messages: `input_tokens` EXCLUDES cache reads and writes, so native input =
  `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`;
  `cache_creation.ephemeral_1h_input_tokens` is the 1-hour part of the writes;
  `output_tokens_details.thinking_tokens` -> reasoning.

`service_tier`: the envelope's own field first (e.g. `batch` for Batch API calls, whose responses
say `default`), then `response.service_tier`, then Anthropic's `usage.service_tier`. Application
cache hits (`cache_status` exact/semantic) carry no usage and get zero tokens.
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
    safe,
)
from pipelines.lib.requests.adapters.fingerprint import prompt_fingerprint
from pipelines.lib.requests.adapters.mapping import Mapping, get_path, prompt_value, resolve_fields
from schemas.requests.native_request import TOKEN_FIELDS

SECTION = "provider-usage"
APIS = ("openai.chat", "openai.responses", "anthropic.messages")
_ANTHROPIC_PROVIDERS = ("anthropic",)


def _shape(api: str | None, usage: dict[str, Any], provider: str | None, model: str | None):
    if api is not None:
        if api not in APIS:
            raise Reject("api", f"unknown api {safe(api)} (expected one of {', '.join(APIS)})")
        return api
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        return "openai.chat"
    if any(k in usage for k in ("cache_read_input_tokens", "cache_creation_input_tokens")):
        return "anthropic.messages"
    if "cache_creation" in usage:
        return "anthropic.messages"
    if "input_tokens_details" in usage or "output_tokens_details" in usage:
        if "thinking_tokens" in as_dict(usage.get("output_tokens_details")):
            return "anthropic.messages"
        return "openai.responses"
    if provider in _ANTHROPIC_PROVIDERS or (model or "").lower().startswith("claude"):
        return "anthropic.messages"
    return "openai.responses"


def _int(u: dict[str, Any], path: str) -> int | None:
    return as_int(get_path(u, path), f"usage.{path}")


def tokens_from_usage(usage: dict[str, Any], shape: str) -> dict[str, int | None]:
    """The native token fields of a provider's raw usage object of the given shape."""
    if shape == "anthropic.messages":
        base = _int(usage, "input_tokens")
        if base is None:
            raise Reject("usage.input_tokens", "missing")
        cr = _int(usage, "cache_read_input_tokens") or 0
        cw = _int(usage, "cache_creation_input_tokens")
        cw5 = _int(usage, "cache_creation.ephemeral_5m_input_tokens")
        cw1h = _int(usage, "cache_creation.ephemeral_1h_input_tokens")
        if cw is None:
            cw = (cw5 or 0) + (cw1h or 0)
        out = _int(usage, "output_tokens")
        return {
            "input_tokens": base + cr + cw,
            "cache_read_tokens": cr,
            "cache_write_tokens": cw,
            "cache_write_1h_tokens": cw1h,
            "output_tokens": out or 0,
            "reasoning_tokens": _int(usage, "output_tokens_details.thinking_tokens"),
        }
    if shape == "openai.chat":
        inp_key, out_key, det_in, det_out = (
            "prompt_tokens",
            "completion_tokens",
            "prompt_tokens_details",
            "completion_tokens_details",
        )
    else:
        inp_key, out_key, det_in, det_out = (
            "input_tokens",
            "output_tokens",
            "input_tokens_details",
            "output_tokens_details",
        )
    inp = _int(usage, inp_key)
    if inp is None:
        raise Reject(f"usage.{inp_key}", "missing")
    cr = _int(usage, f"{det_in}.cached_tokens") or 0
    cw = _int(usage, f"{det_in}.cache_write_tokens") or 0
    if inp < cr + cw:
        inp += cw  # cache writes reported outside the total
    if inp < cr + cw:
        raise Reject(f"usage.{det_in}.cached_tokens", f"larger than usage.{inp_key}")
    return {
        "input_tokens": inp,
        "cache_read_tokens": cr,
        "cache_write_tokens": cw,
        "cache_write_1h_tokens": None,
        "output_tokens": _int(usage, out_key) or 0,
        "reasoning_tokens": _int(usage, f"{det_out}.reasoning_tokens"),
    }


def convert(raw: dict[str, Any], mapping: Mapping) -> dict[str, Any]:
    """One record with a raw provider usage object as a native record (Reject: unusable)."""
    rec = {k: maybe_json(v) for k, v in raw.items()}
    native, _ = resolve_fields(rec, mapping, SECTION, identity=True)
    present = [f for f in TOKEN_FIELDS if not is_empty(rec.get(f))]
    if present and not is_empty(rec.get("usage")):
        raise Reject(present[0], "record has both a raw usage object and native token fields")
    native["provider"] = mapping.provider(as_str(native.get("provider"), "provider"))
    native["environment"] = mapping.environment(as_str(native.get("environment"), "environment"))
    native["service_tier"] = mapping.service_tier(as_str(native.get("service_tier"), "tier"))
    cache_status = as_str(native.get("cache_status"), "cache_status")
    if cache_status in ("exact", "semantic"):
        native.update(dict.fromkeys(TOKEN_FIELDS, 0))
    else:
        usage = as_dict(rec.get("usage"))
        if not usage:
            raise Reject("usage", "missing or not an object")
        shape = _shape(
            as_str(rec.get("api"), "api"),
            usage,
            native["provider"],
            as_str(native.get("model"), "model"),
        )
        native.update(tokens_from_usage(usage, shape))
        if cache_status is None:
            native["cache_status"] = "prefix" if native["cache_read_tokens"] else "miss"
    if is_empty(native.get("prompt_fingerprint")):
        native["prompt_fingerprint"] = prompt_fingerprint(prompt_value(rec, mapping, SECTION))
    return native
