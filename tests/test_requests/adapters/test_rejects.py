"""Hostile input: every record is either a native row or a reject naming the field."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl

from pipelines.lib.requests.adapters import detect_format, load_mapping, to_native

SECRET = "TopSecretPromptText"


def _run(path: Path, fmt: str | None = None):
    fmt = fmt or detect_format(path, path.read_bytes()[:65536])
    native, rejects = to_native(path, fmt, load_mapping(None))
    for frame in (native, rejects):
        for col in frame.columns:
            vals = frame[col].cast(pl.String).drop_nulls().to_list()
            assert not any(SECRET.lower() in v.lower() for v in vals), col
    return native, rejects


def _reasons(rejects: pl.DataFrame) -> dict[int, tuple[str, str]]:
    """Quarantine rejects by line (skipped records left out)."""
    return {
        r["source_line"]: (r["field"], r["reason"]) for r in rejects.to_dicts() if not r["skip"]
    }


def _skips(rejects: pl.DataFrame) -> dict[int, str]:
    """Skipped (not billable) records by line."""
    return {r["source_line"]: r["reason"] for r in rejects.to_dicts() if r["skip"]}


def _attr(k, v):
    if isinstance(v, int):
        return {"key": k, "value": {"intValue": str(v)}}
    return {"key": k, "value": {"stringValue": v}}


def _span(i, attrs, start="1772442000250000000"):
    return {
        "traceId": "ab" * 16,
        "spanId": f"{i:016x}",
        "name": "x",
        "startTimeUnixNano": start,
        "endTimeUnixNano": "1772442001250000000",
        "attributes": [_attr(k, v) for k, v in attrs.items()],
    }


def test_otel_rejects(tmp_path):
    ok = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4.1-mini",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.input.messages": SECRET,
    }
    spans = [
        _span(1, ok),
        _span(2, {**ok, "gen_ai.operation.name": "invoke_agent"}),  # aggregate: double count
        _span(3, {"http.method": "POST"}),  # not GenAI
        _span(4, {**ok, "gen_ai.usage.input_tokens": "lots"}),
        _span(5, ok, start="not-a-time"),
        _span(6, {k: v for k, v in ok.items() if k != "gen_ai.usage.input_tokens"}),
        _span(7, {**ok, "gen_ai.usage.output_tokens": -3}),
    ]
    doc = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(doc) + "\n" + "{broken json " + SECRET + "\n")
    native, rejects = _run(path)
    assert native["source_line"].to_list() == [1]
    reasons = _reasons(rejects)
    assert native.height + rejects.height == 8
    # Not billable calls are skipped with a reason, never quarantined.
    skips = _skips(rejects)
    assert set(skips) == {2, 3}
    assert "not a model call" in skips[2] and "not a GenAI span" in skips[3]
    assert reasons[4][0] == "gen_ai.usage.input_tokens" and "not an integer" in reasons[4][1]
    assert reasons[5][0] == "startTimeUnixNano"
    assert reasons[6] == (
        "gen_ai.usage.input_tokens",
        "otel-json: missing (no input token count on the span)",
    )
    assert reasons[7][0] == "gen_ai.usage.output_tokens" and "negative" in reasons[7][1]
    assert reasons[8][0] == "record" and "not valid JSON" in reasons[8][1]


def test_otel_parent_span_summing_its_children_is_skipped(tmp_path):
    """A framework span (e.g. a LangChain `chat` span) around the provider's own span carries the
    same usage: only the child, the real model call, is billed."""
    usage = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4.1-mini",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
    }
    parent = _span(1, usage)
    child = {**_span(2, usage), "parentSpanId": parent["spanId"]}
    http = {**_span(3, {"http.request.method": "POST"}), "parentSpanId": child["spanId"]}
    other_trace = {**_span(4, usage), "traceId": "cd" * 16}  # same span id space, other trace
    doc = {
        "resourceSpans": [
            {
                "resource": {},
                "scopeSpans": [{"scope": {}, "spans": [parent, child, http, other_trace]}],
            }
        ]
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    native, rejects = _run(path, "otel-json")
    assert native["source_line"].to_list() == [2, 4]
    assert _reasons(rejects) == {}
    skips = _skips(rejects)
    assert set(skips) == {1, 3}
    assert "child spans carry the GenAI usage" in skips[1]


def test_otel_anthropic_exclusive_input_is_repaired(tmp_path):
    """An instrumentation that copied Anthropic's cache-exclusive input_tokens (42 < 1200+500)."""
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.response.model": "claude-sonnet-4-5-20250929",
        "gen_ai.usage.input_tokens": 42,
        "gen_ai.usage.cache_read_input_tokens": 1200,
        "gen_ai.usage.cache_creation_input_tokens": 500,
        "gen_ai.usage.output_tokens": 310,
    }
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [_span(1, attrs)]}]}]}))
    native, rejects = _run(path)
    assert rejects.is_empty()
    row = native.to_dicts()[0]
    assert (row["input_tokens"], row["cache_read_tokens"], row["cache_write_tokens"]) == (
        1742,
        1200,
        500,
    )


def test_otel_exclusive_scope_from_mapping(tmp_path):
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5",
        "gen_ai.usage.input_tokens": 5000,
        "gen_ai.usage.cache_read.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 1,
    }
    doc = {
        "resourceSpans": [
            {"scopeSpans": [{"scope": {"name": "acme.anthropic"}, "spans": [_span(1, attrs)]}]}
        ]
    }
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    user = tmp_path / "mapping.toml"
    user.write_text('[otel]\nanthropic_exclusive_input_scopes = ["acme.anthropic"]\n')
    native, _ = to_native(path, "otel-json", load_mapping(None))
    assert native["input_tokens"].to_list() == [5000]  # ambiguous: taken as-is by default
    native, _ = to_native(path, "otel-json", load_mapping(user))
    assert native["input_tokens"].to_list() == [6200]


def test_litellm_payload_rejects(tmp_path):
    good = {
        "id": "r1",
        "call_type": "acompletion",
        "custom_llm_provider": "bedrock",
        "model": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "prompt_tokens": 100,
        "completion_tokens": 10,
        "startTime": 1772442000.5,
        "endTime": 1772442001.0,
        "hidden_params": {},
        "metadata": {"user_api_key_team_alias": "acme"},
        "request_tags": ["feature:chat"],
        "messages": [{"role": "user", "content": SECRET}],
        "status": "success",
    }
    lines = [
        json.dumps(good),
        json.dumps({**good, "id": "r2", "prompt_tokens": 12.5}),
        json.dumps({**good, "id": "r3", "startTime": "yesterday"}),
        json.dumps({**good, "id": "r4", "prompt_tokens": None, "completion_tokens": None}),
        "[1, 2, 3]",
        "",
        json.dumps({**good, "id": "r5", "status": "failure", "prompt_tokens": None}),
    ]
    path = tmp_path / "p.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    native, rejects = _run(path)
    assert native.height + rejects.height == 6  # the blank line is not a record
    reasons = _reasons(rejects)
    assert reasons[2][0] == "prompt_tokens"
    assert reasons[3][0] == "startTime"
    assert reasons[4][0] == "prompt_tokens" and "missing" in reasons[4][1]
    assert reasons[5][0] == "record"
    rows = {r["request_id"]: r for r in native.to_dicts()}
    assert rows["r1"]["provider"] == "aws_bedrock"
    assert rows["r1"]["latency_ms"] == 500
    assert rows["r5"]["status"] == "error" and rows["r5"]["input_tokens"] == 0
    assert set(rejects["request_id"].drop_nulls()) == {"r2", "r3", "r4"}


def test_litellm_spendlogs_rejects(tmp_path):
    header = (
        "request_id,call_type,spend,startTime,endTime,prompt_tokens,completion_tokens,"
        "model,custom_llm_provider,metadata,request_tags,cache_hit\n"
    )
    rows = [
        "a,acompletion,0.1,2026-03-02 09:00:00.000,2026-03-02 09:00:01.000,100,5,gpt-4o,azure,"
        '"{""user_api_key_team_alias"": ""acme""}","[""feature:x""]",False',
        "b,acompletion,0.1,02/03/2026,,100,5,gpt-4o,openai,{},[],False",
        "c,acompletion,0.1,2026-03-02T09:00:00Z,,abc,5,gpt-4o,openai,{},[],False",
        "d,acompletion,0,2026-03-02T09:00:00Z,,100,5,gpt-4o,openai,{},[],True",
    ]
    path = tmp_path / "s.csv"
    path.write_text(header + "\n".join(rows) + "\n")
    native, rejects = _run(path)
    assert native.height + rejects.height == 4
    reasons = _reasons(rejects)
    assert reasons[3][0] == "startTime"  # CSV header is line 1
    assert reasons[4][0] == "prompt_tokens"
    got = {r["request_id"]: r for r in native.to_dicts()}
    assert got["a"]["provider"] == "azure_openai" and got["a"]["tenant_id"] == "acme"
    assert got["a"]["timestamp"] == "2026-03-02T09:00:00.000000+00:00"
    assert got["d"]["cache_status"] == "exact" and got["d"]["input_tokens"] == 0


def test_langfuse_rejects(tmp_path):
    good = {
        "id": "g1",
        "trace_id": "t1",
        "type": "GENERATION",
        "start_time": "2026-03-02T09:00:00.000Z",
        "provided_model_name": "gpt-4o",
        "usage_details": {"input": 10, "output": 2},
        "metadata": {"tenant_id": "acme"},
        "input": SECRET,
        "output": SECRET,
    }
    lines = [
        good,
        {**good, "id": "g2", "type": "SPAN"},
        {**good, "id": "g3", "usage_details": {"input": "many", "output": 1}},
        {**good, "id": "g4", "usage_details": {}},
        {**good, "id": "g5", "start_time": None},
        {**good, "id": "g6", "level": "ERROR", "usage_details": {}},
        {**good, "id": "g7", "type": "EVENT"},
    ]
    path = tmp_path / "o.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    native, rejects = _run(path)
    assert native.height + rejects.height == 7
    reasons = _reasons(rejects)
    assert _skips(rejects) == {
        2: "langfuse: observation type 'SPAN' is not a model call",
        7: "langfuse: observation type 'EVENT' is not a model call",
    }
    assert reasons[3][0] == "usage_details.input"
    assert reasons[4][0] == "usage_details"
    assert reasons[5][0] == "start_time"
    assert native.filter(pl.col("request_id") == "g6")["status"].to_list() == ["error"]
    assert native.filter(pl.col("request_id") == "g1")["provider"].to_list() == ["openai"]


def test_provider_usage_rejects(tmp_path):
    base = {
        "request_id": "u1",
        "timestamp": "2026-03-02T09:00:00+00:00",
        "tenant_id": "acme",
        "feature": "f",
        "environment": "prod",
        "provider": "openai",
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": SECRET}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2},
    }
    lines = [
        base,
        {**base, "request_id": "u2", "usage": None},
        {**base, "request_id": "u3", "input_tokens": 10},
        {**base, "request_id": "u4", "api": "gemini.generate"},
        {
            **base,
            "request_id": "u5",
            "usage": {"prompt_tokens": 10, "prompt_tokens_details": {"cached_tokens": 50}},
        },
        {**base, "request_id": "u6", "latency_ms": "fast"},
    ]
    path = tmp_path / "u.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    native, rejects = _run(path)
    assert native.height + rejects.height == 6
    reasons = _reasons(rejects)
    assert reasons[2][0] == "usage"
    assert reasons[3][0] == "input_tokens"
    assert reasons[4][0] == "api"
    assert reasons[5][0] == "usage.prompt_tokens_details.cached_tokens"
    # An optional field never rejects: NULL, with the repair carried to the reader.
    assert 6 not in reasons
    u6 = native.filter(pl.col("request_id") == "u6")
    assert u6.select("latency_ms", "_rp_latency_ms").rows() == [(None, "set to NULL: not a number")]


def test_unreadable_parquet_is_one_file_reject(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 64)
    native, rejects = to_native(path, "langfuse", load_mapping(None))
    assert native.is_empty()
    assert rejects["field"].to_list() == ["file"]


def test_detect_unknown_content(tmp_path):
    for name, content in [
        ("a.jsonl", b'{"hello": "world"}\n'),
        ("b.csv", b"foo,bar\n1,2\n"),
        ("c.jsonl", b"\x00\x01garbage"),
        ("d.jsonl", b""),
    ]:
        p = tmp_path / name
        p.write_bytes(content)
        assert detect_format(p, content) is None, name
    p = tmp_path / "n.jsonl"
    content = b'{"request_id": "x", "timestamp": "2026-01-01T00:00:00Z", "tenant_id": "t"}\n'
    p.write_bytes(content)
    assert detect_format(p, content) == "native"
