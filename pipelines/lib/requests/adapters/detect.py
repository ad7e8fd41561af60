"""Recognise a request-log file's format from its content (extension only picks the container).

`detect_format(path, head)` looks at the first bytes of the file (gzip is inflated) and, for
Parquet, at the column names in the footer:

- `otel-json`: a `resourceSpans` / `resource_spans` key, or a flattened span (`attributes`
  holding `gen_ai.*` keys next to `traceId`/`spanId`, or next to `startTimeUnixNano`);
- `litellm-spendlogs`: `request_id` + `spend` + `startTime`;
- `litellm-payload`: `call_type` + `startTime` + one of `hidden_params`, `response_cost`,
  `model_parameters`, `cost_breakdown`, `model_group`;
- `langfuse`: `usage_details`/`usageDetails`/`provided_model_name`/`providedModelName`, or
  `trace_id`/`traceId` + `type` + `start_time`/`startTime`;
- `provider-usage`: native envelope (`request_id`, `timestamp`) with a `usage` object and no
  `input_tokens`;
- `native`: `request_id` + `timestamp` + (`input_tokens` or `tenant_id`).

None: nothing we read (the caller quarantines the whole file).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

_KEY = re.compile(rb'"([A-Za-z_][A-Za-z0-9_.]*)"\s*:')


def _attribute_keys(sample: dict[str, Any] | None) -> set[str]:
    """The keys of a record's `attributes` (an object, or an OTLP list of key/value)."""
    attrs = (sample or {}).get("attributes")
    if isinstance(attrs, dict):
        return set(attrs)
    if isinstance(attrs, list):
        return {a.get("key", "") for a in attrs if isinstance(a, dict)}
    return set()


def _is_otel(k: set[str], sample: dict[str, Any] | None) -> bool:
    """An OTLP export, or a span with gen_ai attributes or OTLP start times."""
    if k & {"resourceSpans", "resource_spans"}:
        return True
    span = k & {"traceId", "trace_id", "spanId", "span_id", "context"}
    if span and any(a.startswith("gen_ai.") for a in _attribute_keys(sample)):
        return True
    return "attributes" in k and bool(k & {"startTimeUnixNano", "start_time_unix_nano"})


def _litellm(k: set[str]) -> str | None:
    """`litellm-spendlogs`, `litellm-payload` or None."""
    if {"request_id", "spend", "startTime"} <= k:
        return "litellm-spendlogs"
    if {"call_type", "startTime"} <= k and k & {
        "hidden_params",
        "response_cost",
        "model_parameters",
        "cost_breakdown",
        "model_group",
    }:
        return "litellm-payload"
    return None


def _is_langfuse(k: set[str]) -> bool:
    """A Langfuse observation: usage details or provided model name, or a typed trace event."""
    if k & {"usage_details", "usageDetails", "provided_model_name", "providedModelName"}:
        return True
    return bool(k & {"trace_id", "traceId"} and "type" in k and k & {"start_time", "startTime"})


def _provider_or_native(k: set[str], sample: dict[str, Any] | None) -> str | None:
    """`provider-usage` (a usage object beside the id and time), `native` or None."""
    if not {"request_id", "timestamp"} <= k:
        return None
    if "usage" in k and "input_tokens" not in k:
        usage = (sample or {}).get("usage", {})
        if sample is None or usage is None or isinstance(usage, dict | str):
            return "provider-usage"
    if k & {"input_tokens", "tenant_id"}:
        return "native"
    return None


def classify_keys(keys: Iterable[str], sample: dict[str, Any] | None = None) -> str | None:
    """The log format a record's keys (and, when given, the record) tell, or None."""
    k = set(keys)
    if _is_otel(k, sample):
        return "otel-json"
    litellm = _litellm(k)
    if litellm is not None:
        return litellm
    if _is_langfuse(k):
        return "langfuse"
    return _provider_or_native(k, sample)


def inflate(head: bytes) -> bytes:
    """A gzip head inflated as far as it goes (empty when corrupt); other heads unchanged."""
    if head[:2] != b"\x1f\x8b":
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 1 << 20)
    except zlib.error:
        return b""


def _first_object(text: bytes) -> dict[str, Any] | None:
    """The first parseable JSON object: a whole document, else the first good line."""
    try:
        obj = json.loads(text)
        if isinstance(obj, list) and obj and isinstance(obj[0], dict):
            return obj[0]
        if isinstance(obj, dict):
            return obj
    except ValueError:
        pass
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        try:
            obj = json.loads(s)
        except ValueError:
            continue  # a bad first line is the adapter's to reject, not a reason to give up
        if isinstance(obj, dict):
            return obj
    return None


def detect_format(path: Path, head: bytes) -> str | None:
    """The format of `path` from its content; `head` is the file's first bytes (raw, maybe gzip)."""
    if head[:4] == b"PAR1":
        try:
            names = pq.read_schema(path).names
        except Exception:  # unreadable footer: not ours to guess
            return None
        return classify_keys(names)
    text = inflate(head).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return None
    if text[:1] in (b"{", b"["):
        obj = _first_object(text)
        if obj is not None:
            return classify_keys(obj.keys(), obj)
        # Truncated head of a large pretty-printed document: fall back to the key names seen.
        keys = {m.decode() for m in _KEY.findall(text[:65536])}
        if "resourceSpans" in keys or "resource_spans" in keys:
            return "otel-json"
        return None
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    if "," in first or first.strip():
        cols = [c.strip().strip('"').lstrip("\ufeff") for c in first.split(",")]
        return classify_keys(cols)
    return None
