"""OpenTelemetry GenAI spans (OTLP/JSON) -> native request records.

Input: OTLP/JSON `ExportTraceServiceRequest` documents (`resourceSpans` -> `scopeSpans` ->
`spans`, attributes as `{key, value: {stringValue|intValue|doubleValue|boolValue|...}}`, times as
unix-nano strings), one document per file or one per line (collector file exporter). Flattened
spans (one span object per line with plain `attributes` / `resource` dicts) are accepted too.
`source_line` is the 1-based span index in the file (a JSON line that cannot be parsed uses one
index for itself).

Tokens: `gen_ai.usage.input_tokens` includes cache reads and writes (semconv rule) and is taken
as-is. Anthropic instrumentations that report Anthropic's own cache-exclusive `input_tokens`
exist: when the reported input is smaller than cache read + cache write (impossible under the
rule) or the span's instrumentation scope is listed in the mapping's
`anthropic_exclusive_input_scopes`, the cache tokens are added back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipelines.lib.requests.adapters.common import (
    Reject,
    Skip,
    as_int,
    as_str,
    epoch_nanos,
    is_empty,
    open_text,
    read_text,
    rfc3339,
    safe,
)
from pipelines.lib.requests.adapters.fingerprint import prompt_fingerprint
from pipelines.lib.requests.adapters.mapping import Mapping, prompt_value, resolve_fields

SECTION = "otel"
INFERENCE_OPERATIONS = frozenset(
    {"chat", "text_completion", "completion", "generate_content", "embeddings", "embedding"}
)


def _any_value(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    for k in ("stringValue", "boolValue", "doubleValue", "bytesValue"):
        if k in v:
            return v[k]
    if "intValue" in v:
        iv = v["intValue"]
        try:
            return int(iv)
        except (TypeError, ValueError):
            return iv
    if "arrayValue" in v:
        return [_any_value(x) for x in (v["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in v:
        return _attrs((v["kvlistValue"] or {}).get("values", []))
    return None


def _attrs(value: Any) -> dict[str, Any]:
    """OTLP attribute list -> dict; a plain dict is taken as it is."""
    if isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    if isinstance(value, list):
        for kv in value:
            if isinstance(kv, dict) and "key" in kv:
                out[str(kv["key"])] = _any_value(kv.get("value"))
    return out


def _first(d: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return None


def _span_record(span: dict[str, Any], resource: dict[str, Any], scope: dict[str, Any]):
    return {
        "resource": resource,
        "scope": scope,
        "span": _attrs(span.get("attributes")),
        "events": span.get("events") or [],
        "trace_id": _first(span, "traceId", "trace_id")
        or (span.get("context") or {}).get("trace_id"),
        "span_id": _first(span, "spanId", "span_id") or (span.get("context") or {}).get("span_id"),
        "parent_id": _first(span, "parentSpanId", "parent_span_id", "parent_id"),
        "name": span.get("name"),
        "start": _first(
            span, "startTimeUnixNano", "start_time_unix_nano", "startTime", "start_time"
        ),
        "end": _first(span, "endTimeUnixNano", "end_time_unix_nano", "endTime", "end_time"),
        "status": span.get("status") or {},
    }


def _spans_of(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, list):
        for d in doc:
            yield from _spans_of(d)
        return
    if not isinstance(doc, dict):
        return
    rss = _first(doc, "resourceSpans", "resource_spans")
    if rss is None:  # a flattened span
        res = doc.get("resource") or {}
        res_attrs = _attrs(res.get("attributes") if "attributes" in res else res)
        res_attrs.update(_attrs(doc.get("resource_attributes") or {}))
        scope = doc.get("scope") or doc.get("instrumentation_scope") or {}
        yield _span_record(doc, res_attrs, scope if isinstance(scope, dict) else {})
        return
    for rs in rss or []:
        res_attrs = _attrs((rs.get("resource") or {}).get("attributes"))
        for ss in _first(rs, "scopeSpans", "scope_spans", "instrumentationLibrarySpans") or []:
            scope = ss.get("scope") or ss.get("instrumentationLibrary") or {}
            for span in ss.get("spans") or []:
                yield _span_record(span, res_attrs, scope)


def _has_usage(rec: dict[str, Any]) -> bool:
    return any(k.startswith("gen_ai.usage.") for k in rec["span"])


def iter_spans(path: Path) -> Iterator[tuple[int, dict[str, Any] | Reject]]:
    """(span index, span record) over an OTLP/JSON file; each record knows whether a child span
    in the same file carries GenAI usage (`children_have_usage`: the span sums them)."""
    spans = list(_iter_spans(path))
    parents = {
        (rec["trace_id"], rec["parent_id"])
        for _, rec in spans
        if isinstance(rec, dict) and rec.get("parent_id") and _has_usage(rec)
    }
    for idx, rec in spans:
        if isinstance(rec, dict):
            rec["children_have_usage"] = (rec["trace_id"], rec["span_id"]) in parents
        yield idx, rec


def _iter_spans(path: Path) -> Iterator[tuple[int, dict[str, Any] | Reject]]:
    """(span index, span record) over a whole-document or line-per-document OTLP/JSON file."""
    idx = 0
    text = read_text(path)
    try:
        docs: list[Any] = [json.loads(text)]
    except ValueError:
        docs = []
    if docs:
        for rec in _spans_of(docs[0]):
            idx += 1
            yield idx, rec
        return
    for line_no, line in enumerate(open_text(path), start=1):
        s = line.strip()
        if not s:
            continue
        try:
            doc = json.loads(s)
        except ValueError:
            idx += 1
            yield idx, Reject("record", f"line {line_no} is not valid JSON; its spans are lost")
            continue
        for rec in _spans_of(doc):
            idx += 1
            yield idx, rec


def _indexed_prompt(span: dict[str, Any]) -> list[dict[str, Any]] | None:
    """OpenLLMetry-style `gen_ai.prompt.<i>.role` / `.content` attributes -> messages."""
    msgs: dict[int, dict[str, Any]] = {}
    for k, v in span.items():
        parts = k.split(".")
        if len(parts) == 4 and parts[:2] == ["gen_ai", "prompt"] and parts[2].isdigit():
            msgs.setdefault(int(parts[2]), {})[parts[3]] = v
    return [msgs[i] for i in sorted(msgs)] or None


def _event_prompt(events: list[Any]) -> list[dict[str, Any]] | None:
    """Prompt events (`gen_ai.{system,user,assistant,tool}.message`, `gen_ai.content.prompt`)."""
    msgs = []
    for ev in events:
        if not isinstance(ev, dict):
            continue
        name = str(ev.get("name") or "")
        attrs = _attrs(ev.get("attributes"))
        if name == "gen_ai.content.prompt":
            msgs.append({"content": attrs.get("gen_ai.prompt")})
        elif name.startswith("gen_ai.") and name.endswith(".message") and name != "gen_ai.choice":
            body = ev.get("body")
            msgs.append({"role": name.split(".")[1], "content": attrs.get("content", body)})
    return msgs or None


def convert(rec: dict[str, Any], mapping: Mapping) -> dict[str, Any]:
    """One GenAI span as a native record (Skip: not an inference call; Reject: unusable)."""
    span = rec["span"]
    op = span.get("gen_ai.operation.name")
    has_gen_ai = any(k.startswith("gen_ai.") for k in span)
    # Not billable calls: skipped with the reason, never quarantined.
    if not has_gen_ai:
        raise Skip("not a GenAI span (no gen_ai.* attributes: HTTP, database, ...)")
    if op is not None and str(op) not in INFERENCE_OPERATIONS:
        raise Skip(
            f"operation {safe(op)} is not a model call; its usage is counted on its "
            "child inference spans"
        )
    if rec.get("children_have_usage"):
        raise Skip("span whose child spans carry the GenAI usage (counted on the children)")
    native, _ = resolve_fields(rec, mapping, SECTION)
    start = epoch_nanos(rec.get("start"), "startTimeUnixNano")
    native["timestamp"] = rfc3339(start)
    if not is_empty(rec.get("end")):
        end = epoch_nanos(rec["end"], "endTimeUnixNano")
        native["latency_ms"] = max(0, round((end - start).total_seconds() * 1000))
    native["provider"] = mapping.provider(as_str(native.get("provider"), "gen_ai.provider.name"))
    native["service_tier"] = mapping.service_tier(as_str(native.get("service_tier"), "tier"))
    native["environment"] = mapping.environment(as_str(native.get("environment"), "environment"))

    status = rec.get("status") or {}
    code = status.get("code")
    is_error = code in (2, "2", "STATUS_CODE_ERROR", "ERROR") or not is_empty(
        span.get("error.type")
    )
    native["status"] = "error" if is_error else "success"

    inp = as_int(native.get("input_tokens"), "gen_ai.usage.input_tokens")
    out = as_int(native.get("output_tokens"), "gen_ai.usage.output_tokens")
    app_hit = str(native.get("cache_status") or "") in ("exact", "semantic")
    if inp is None and not is_error and not app_hit:
        raise Reject("gen_ai.usage.input_tokens", "missing (no input token count on the span)")
    cr = as_int(native.get("cache_read_tokens"), "gen_ai.usage.cache_read.input_tokens") or 0
    cw = as_int(native.get("cache_write_tokens"), "gen_ai.usage.cache_creation.input_tokens") or 0
    inp = inp or 0
    scope_name = str((rec.get("scope") or {}).get("name") or "")
    if inp < cr + cw or (
        native["provider"] == "anthropic"
        and scope_name in mapping.section_list(SECTION, "anthropic_exclusive_input_scopes")
    ):
        inp += cr + cw
    native["input_tokens"] = inp
    native["output_tokens"] = out or 0
    native["cache_read_tokens"] = cr
    native["cache_write_tokens"] = cw
    native["cache_write_1h_tokens"] = as_int(
        native.get("cache_write_1h_tokens"), "cache_write_1h_tokens"
    )
    native["reasoning_tokens"] = as_int(
        native.get("reasoning_tokens"), "gen_ai.usage.reasoning.output_tokens"
    )
    if is_empty(native.get("cache_status")):
        native["cache_status"] = "prefix" if cr > 0 else "miss"

    prompt = prompt_value(rec, mapping, SECTION) or _indexed_prompt(span)
    prompt = prompt or _event_prompt(rec.get("events") or [])
    native["prompt_fingerprint"] = native.get("prompt_fingerprint") or prompt_fingerprint(prompt)
    return native
