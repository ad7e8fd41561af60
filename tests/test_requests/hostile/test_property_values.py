"""Property: any timestamp and any token count, in every native container and every adapter
format, ends as a loaded, quarantined, skipped or other-day record: never a traceback, counts
adding up, and the DuckDB loader agreeing with the Polars reference."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.lib import warehouse
from pipelines.lib.requests.adapters import load_mapping, to_native
from pipelines.lib.requests.oracle import read_requests
from pipelines.lib.requests.sql import load_requests_sql

START, END = date(2025, 6, 1), date(2025, 6, 2)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
BASE = {
    "tenant_id": "acme",
    "feature": "f",
    "environment": "prod",
    "provider": "openai",
    "model": "gpt-4.1-mini",
}
RFC3339 = st.builds(
    lambda y, mo, d, h, frac, off: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:30:00{frac}{off}",
    st.one_of(st.integers(0, 9999), st.sampled_from([1969, 1970, 2025, 2026, 9999])),
    st.integers(1, 12),
    st.integers(1, 31),
    st.integers(0, 23),
    st.sampled_from(["", ".5", ".123456789"]),
    st.sampled_from(["Z", "+14:00", "-12:00", "+0530", ""]),
)
TIMESTAMPS = st.one_of(
    RFC3339,
    st.sampled_from(["2025-06-01T08:00:00Z", "+12345-01-01T00:00:00Z", "nope", "", "0"]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.none(),
)
TOKENS = st.one_of(
    st.integers(0, 2000),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["12", " 7 ", "1e3", "3.0", "x", "", "-1"]),
    st.none(),
)
RECORD = st.fixed_dictionaries(
    {
        "timestamp": TIMESTAMPS,
        "input_tokens": TOKENS,
        "cache_read_tokens": TOKENS,
        "output_tokens": TOKENS,
        "latency_ms": TOKENS,
    }
)
FAST = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _text(v: object) -> str | None:
    return None if v is None else v if isinstance(v, str) else json.dumps(v)


def _write_native(folder, records: list[dict]) -> int:
    rows = [{**BASE, "request_id": f"r{i}", **r} for i, r in enumerate(records)]
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    text = [{k: _text(v) for k, v in r.items()} for r in rows]
    schema = dict.fromkeys(text[0], pl.String)
    frame = pl.DataFrame(text, schema=schema)
    frame.with_columns(pl.col("request_id") + "c").write_csv(folder / "b.csv")
    frame.with_columns(pl.col("request_id") + "p").write_parquet(folder / "c.parquet")
    return 3 * len(rows)


@FAST
@given(st.lists(RECORD, min_size=1, max_size=6))
def test_native_containers_any_timestamp_and_tokens(tmp_path_factory, records):
    root = tmp_path_factory.mktemp("native")
    (root / "requests").mkdir()
    n = _write_native(root / "requests", records)
    result = read_requests(root, START, END, now=NOW)
    parts = len(result.requests) + len(result.quarantine) + len(result.skipped)
    assert result.rows_read == n == parts + result.rows_outside_window
    with warehouse.connect(root / "w.duckdb") as con:
        stats, _ = load_requests_sql(con, root, START, END, now=NOW)
        stg = con.execute("select * from stg_requests order by all").fetchall()
        quarantine = con.execute("select * from quarantine_requests order by all").fetchall()
    assert stats.rows_read == n
    assert stg == sorted(result.requests.rows(), key=_key)
    assert quarantine == sorted(result.quarantine.rows(), key=_key)


def _key(row: tuple) -> tuple:
    return tuple((v is None, v) for v in row)


def _otel(records: list[dict]) -> dict:
    spans = []
    for i, r in enumerate(records):
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4.1-mini",
            "gen_ai.usage.input_tokens": r["input_tokens"],
            "gen_ai.usage.output_tokens": r["output_tokens"],
            "costline.tenant_id": "acme",
            "costline.feature": "f",
            "costline.environment": "prod",
        }
        value = {
            k: {"intValue": str(v)}
            if isinstance(v, int)
            else {"doubleValue": v}
            if isinstance(v, float)
            else {"stringValue": v}
            for k, v in attrs.items()
            if v is not None
        }
        ts = r["timestamp"]
        spans.append(
            {
                "traceId": "ab" * 16,
                "spanId": f"{i:016x}",
                "startTimeUnixNano": str(ts) if isinstance(ts, int) else ts,
                "endTimeUnixNano": str(ts + 5) if isinstance(ts, int) else ts,
                "attributes": [{"key": k, "value": v} for k, v in value.items()],
            }
        )
    return {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}


def _litellm(records: list[dict]) -> list[dict]:
    return [
        {
            "id": f"l{i}",
            "call_type": "acompletion",
            "custom_llm_provider": "openai",
            "model": "gpt-4.1-mini",
            "startTime": r["timestamp"],
            "endTime": r["timestamp"],
            "request_duration_ms": r["latency_ms"],
            "prompt_tokens": r["input_tokens"],
            "completion_tokens": r["output_tokens"],
            "response_cost": 0.0,
            "metadata": {"spend_logs_metadata": {"tenant_id": "acme", "feature": "f"}},
            "response": {
                "usage": {"prompt_tokens_details": {"cached_tokens": r["cache_read_tokens"]}}
            },
        }
        for i, r in enumerate(records)
    ]


def _langfuse(records: list[dict]) -> list[dict]:
    return [
        {
            "id": f"g{i}",
            "type": "GENERATION",
            "start_time": r["timestamp"],
            "provided_model_name": "gpt-4.1-mini",
            "usage_details": {"input": r["input_tokens"], "output": r["output_tokens"]},
            "metadata": {"tenant_id": "acme", "feature": "f"},
        }
        for i, r in enumerate(records)
    ]


@FAST
@given(st.lists(RECORD, min_size=1, max_size=8))
def test_adapters_any_timestamp_and_tokens(tmp_path_factory, records):
    root = tmp_path_factory.mktemp("adapted")
    folder = root / "requests"
    folder.mkdir()
    (folder / "otel.json").write_text(json.dumps(_otel(records)))
    lite = _litellm(records)
    (folder / "litellm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lite))
    fuse = _langfuse(records)
    (folder / "langfuse.jsonl").write_text("".join(json.dumps(r) + "\n" for r in fuse))
    for name, fmt in (
        ("otel.json", "otel-json"),
        ("litellm.jsonl", "litellm-payload"),
        ("langfuse.jsonl", "langfuse"),
    ):
        native, rejects = to_native(folder / name, fmt, load_mapping(None))
        assert native.height + rejects.height == len(records), name
        assert "file" not in rejects["field"].to_list(), name  # a value never ends a file
    result = read_requests(root, START, END, now=NOW)
    parts = len(result.requests) + len(result.quarantine) + len(result.skipped)
    assert result.rows_read == 3 * len(records) == parts + result.rows_outside_window
    with warehouse.connect(root / "w.duckdb") as con:
        stats, _ = load_requests_sql(con, root, START, END, now=NOW)
    assert stats.rows_read == result.rows_read
    assert math.isclose(stats.rows_loaded, len(result.requests))
