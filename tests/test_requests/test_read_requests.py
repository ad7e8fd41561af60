"""read_requests: formats, quarantine reasons, accounting, window, duplicates, privacy."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.lib.requests.oracle import read_requests
from schemas.requests.canonical_request import (
    CANONICAL_COLUMNS,
    QUARANTINE_COLUMNS,
    CanonicalRequest,
)
from schemas.requests.ingest_field_repairs import IngestFieldRepair
from schemas.requests.ingest_unknown_fields import IngestUnknownField

START, END = date(2025, 6, 1), date(2025, 6, 2)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
GOOD = {
    "request_id": "r1",
    "timestamp": "2025-06-01T12:00:00+02:00",
    "tenant_id": "acme",
    "feature": "summarise",
    "environment": "prod",
    "provider": "openai",
    "model": "gpt-4.1-mini",
    "input_tokens": 1000,
    "cache_read_tokens": 200,
    "cache_write_tokens": 100,
    "cache_write_1h_tokens": 40,
    "output_tokens": 300,
    "reasoning_tokens": 50,
}


def write_jsonl(tmp: Path, records: list, name: str = "day.jsonl") -> Path:
    folder = tmp / "requests"
    folder.mkdir(exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    (folder / name).write_text("\n".join(lines) + "\n")
    return tmp


def run(tmp: Path, start: date = START, end: date = END):
    result = read_requests(tmp, start, end, now=NOW)
    assert result.rows_read == len(result.requests) + len(result.quarantine) + (
        result.rows_outside_window
    )
    assert dict(result.requests.schema) == CANONICAL_COLUMNS
    assert dict(result.quarantine.schema) == QUARANTINE_COLUMNS
    CanonicalRequest.validate(result.requests)
    IngestFieldRepair.validate(result.repairs)
    IngestUnknownField.validate(result.unknown_fields)
    return result


def test_good_record_normalised(tmp_path):
    result = run(write_jsonl(tmp_path, [GOOD]))
    row = result.requests.row(0, named=True)
    assert row["timestamp_utc"] == datetime(2025, 6, 1, 10)
    assert row["request_date"] == date(2025, 6, 1)
    assert row["input_uncached_tokens"] == 700
    assert row["cache_write_5m_tokens"] == 60
    assert row["service_tier"] == "standard"
    assert row["status"] == "success"
    assert row["cache_status"] == "prefix"
    assert (row["source_format"], row["source_file"], row["source_line"]) == (
        "native-jsonl",
        "requests/day.jsonl",
        1,
    )


BAD = [
    ("{not json", "record"),
    ('{"request_id": "x", "timestamp": ', "record"),
    ("[1, 2]", "record"),
    ({**GOOD, "request_id": None}, "request_id"),
    ({k: v for k, v in GOOD.items() if k != "model"}, "model"),
    ({**GOOD, "input_tokens": "abc"}, "input_tokens"),
    ({**GOOD, "input_tokens": 1.5}, "input_tokens"),
    ({**GOOD, "output_tokens": {"n": 1}}, "output_tokens"),
    ({**GOOD, "output_tokens": -1}, "output_tokens"),
    ({**GOOD, "input_tokens": 10_000_001}, "input_tokens"),
    ({**GOOD, "cache_read_tokens": 950}, "input_tokens"),
    ({**GOOD, "cache_write_1h_tokens": 101}, "cache_write_1h_tokens"),
    ({**GOOD, "reasoning_tokens": 301}, "reasoning_tokens"),
    ({**GOOD, "timestamp": "2025-06-01T12:00:00"}, "timestamp"),
    ({**GOOD, "timestamp": "yesterday"}, "timestamp"),
    ({**GOOD, "timestamp": "2025-06-03T12:00:00Z"}, "timestamp"),
    ({**GOOD, "timestamp": "  "}, "timestamp"),
    ({**GOOD, "timestamp": "9999-12-31T00:00:00Z"}, "timestamp"),
    ({**GOOD, "timestamp": "+12345-01-01T00:00:00Z"}, "timestamp"),
    ({**GOOD, "timestamp": "0000-01-01T00:00:00Z"}, "timestamp"),
    ({**GOOD, "timestamp": "1969-12-31T23:59:59Z"}, "timestamp"),
    ({**GOOD, "timestamp": "1970-01-01T00:30:00+01:00"}, "timestamp"),
    ({**GOOD, "environment": "production"}, "environment"),
    ({**GOOD, "service_tier": "gold"}, "service_tier"),
    ({**GOOD, "cache_status": "exact"}, "cache_status"),
    ({**GOOD, "tenant_id": ""}, "tenant_id"),
    ({**GOOD, "provider": "Open AI"}, "provider"),
]


@pytest.mark.parametrize(("record", "field"), BAD)
def test_quarantine_reason_and_field(tmp_path, record, field):
    result = run(write_jsonl(tmp_path, [record]))
    assert len(result.requests) == 0
    assert result.quarantine["field"].to_list() == [field]
    assert result.quarantine["source_line"].to_list() == [1]
    assert result.quarantine["reason"][0]


REPAIRED = [
    ({**GOOD, "latency_ms": 1023.4}, "latency_ms", 1023, "rounded fractional number"),
    ({**GOOD, "latency_ms": "12.5"}, "latency_ms", 13, "rounded fractional number"),
    ({**GOOD, "latency_ms": -3}, "latency_ms", None, "set to NULL: negative"),
    ({**GOOD, "latency_ms": "fast"}, "latency_ms", None, "set to NULL: not a number"),
    ({**GOOD, "latency_ms": {"ms": 1}}, "latency_ms", None, "set to NULL: wrong type"),
    ({**GOOD, "accepted": "maybe"}, "accepted", None, "set to NULL: not a boolean"),
    ({**GOOD, "status": "ok"}, "status", "success", "set to NULL: unknown value"),
    ({**GOOD, "cache_status": "hit"}, "cache_status", "prefix", "set to NULL: unknown value"),
    ({**GOOD, "csat": 9}, "csat", None, "set to NULL: outside 1..5"),
    ({**GOOD, "edit_distance": "inf"}, "edit_distance", None, "set to NULL: not a number"),
    ({**GOOD, "user_id": ["a"]}, "user_id", None, "set to NULL: wrong type"),
]


@pytest.mark.parametrize(("record", "field", "value", "action"), REPAIRED)
def test_optional_field_is_repaired_not_quarantined(tmp_path, record, field, value, action):
    result = run(write_jsonl(tmp_path, [record]))
    assert len(result.quarantine) == 0
    assert result.requests[field].to_list() == [value]
    assert result.repairs.select("source_line", "request_id", "field", "action").rows() == [
        (1, "r1", field, action)
    ]
    assert result.files[0].fields_repaired == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("1", True), (" FALSE ", False), ("0", False)],
)
def test_boolean_text_is_parsed_without_repair(tmp_path, text, value):
    result = run(write_jsonl(tmp_path, [{**GOOD, "accepted": text, "latency_ms": "250"}]))
    assert result.requests["accepted"].to_list() == [value]
    assert result.requests["latency_ms"].to_list() == [250]
    assert len(result.repairs) == 0


def test_fractional_latency_log_loads_every_row(tmp_path):
    """Issue 14: a log whose latency_ms holds fractional milliseconds (1,358 of 1,566 rows)
    loads every row; each rounding is one repair row, counted per file."""
    records = [
        {**GOOD, "request_id": f"r{i}", "latency_ms": 1023.4 + i if i < 1358 else 900 + i}
        for i in range(1566)
    ]
    result = run(write_jsonl(tmp_path, records))
    assert (len(result.requests), len(result.quarantine)) == (1566, 0)
    assert len(result.repairs) == 1358
    assert set(result.repairs["action"]) == {"rounded fractional number"}
    assert result.files[0].fields_repaired == 1358
    assert result.requests["latency_ms"][0] == 1023


def test_future_timestamp_is_quarantined_without_date(tmp_path):
    result = run(write_jsonl(tmp_path, [{**GOOD, "timestamp": "2025-06-03T12:00:00Z"}]))
    assert result.quarantine["reason"][0] == "timestamp is more than 1 day in the future"
    assert result.quarantine["request_date"][0] is None


def test_unknown_provider_accepted_and_app_cache_hit_with_zero_tokens(tmp_path):
    hit = {**GOOD, "request_id": "r2", "cache_status": "semantic"}
    for k in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"):
        hit[k] = 0
    hit["cache_write_1h_tokens"] = hit["reasoning_tokens"] = 0
    result = run(write_jsonl(tmp_path, [{**GOOD, "provider": "my-llm.co"}, hit]))
    assert len(result.requests) == 2


def test_duplicates_keep_first_by_file_and_line(tmp_path):
    write_jsonl(tmp_path, [GOOD, {**GOOD, "input_tokens": 2000}], "a.jsonl")
    write_jsonl(tmp_path, [GOOD], "b.jsonl")
    result = run(tmp_path)
    assert result.requests["source_line"].to_list() == [1]
    assert result.requests["input_tokens"].to_list() == [1000]
    reasons = result.quarantine["reason"].to_list()
    assert reasons == ["duplicate request_id (first seen in requests/a.jsonl:1)"] * 2
    assert set(result.quarantine["field"]) == {"request_id"}


def test_window_filtering(tmp_path):
    other = {**GOOD, "request_id": "r2", "timestamp": "2025-05-31T23:59:59Z"}
    bad_other = {**other, "request_id": "r3", "environment": "nope"}
    late = {**GOOD, "request_id": "r4", "timestamp": "2025-06-01T23:30:00-01:00"}
    result = run(write_jsonl(tmp_path, [GOOD, other, bad_other, late]))
    assert result.requests["request_id"].to_list() == ["r1"]
    assert result.rows_outside_window == 3
    assert len(result.quarantine) == 0
    earlier = run(tmp_path, date(2025, 5, 31), date(2025, 6, 1))
    assert earlier.requests["request_id"].to_list() == ["r2"]
    assert earlier.quarantine["field"].to_list() == ["environment"]


def test_bom_crlf_blank_lines_and_invalid_utf8(tmp_path):
    folder = tmp_path / "requests"
    folder.mkdir()
    body = b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\r\n\r\n  \r\n"
    body += b'{"request_id": "\xff\xfe"}\r\n' + json.dumps({**GOOD, "request_id": "r2"}).encode()
    (folder / "x.jsonl").write_bytes(body)
    result = run(tmp_path)
    assert result.rows_read == 3
    assert result.requests["source_line"].to_list() == [1, 5]
    assert result.quarantine.select("source_line", "field", "reason").rows() == [
        (4, "record", "invalid UTF-8")
    ]


def test_empty_files_and_unsupported(tmp_path):
    folder = tmp_path / "requests"
    (folder / "sub").mkdir(parents=True)
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "sub" / "notes.txt").write_text("hello")
    result = run(tmp_path)
    assert result.rows_read == 1
    assert result.quarantine.rows() == [
        ("requests/sub/notes.txt", 0, None, None, "file", "unsupported file type")
    ]
    stats = {f.path: f for f in result.files}
    assert stats["requests/empty.jsonl"].rows_read == 0
    assert stats["requests/sub/notes.txt"].error == "unsupported file type"


def test_gzip_and_corrupt_gzip(tmp_path):
    folder = tmp_path / "requests"
    folder.mkdir()
    (folder / "ok.jsonl.gz").write_bytes(gzip.compress(json.dumps(GOOD).encode() + b"\n"))
    (folder / "bad.jsonl.gz").write_bytes(gzip.compress(bytes(range(256)) * 64)[:200])
    result = run(tmp_path)
    assert len(result.requests) == 1
    assert result.quarantine.select("source_file", "source_line", "field").rows() == [
        ("requests/bad.jsonl.gz", 0, "file")
    ]
    bad = next(f for f in result.files if f.path == "requests/bad.jsonl.gz")
    assert bad.error and bad.rows_read == 1 and bad.rows_quarantined == 1


def test_parquet_and_unreadable_parquet(tmp_path):
    folder = tmp_path / "requests"
    folder.mkdir()
    frame = pl.DataFrame([GOOD, {**GOOD, "request_id": "r2", "input_tokens": -5}])
    frame.with_columns(prompt=pl.lit("TOP SECRET")).write_parquet(folder / "a.parquet")
    (folder / "b.parquet").write_bytes(b"PAR1 garbage")
    result = run(tmp_path)
    assert result.requests.select("source_format", "source_line").rows() == [("native-parquet", 1)]
    assert result.quarantine.select("source_file", "source_line", "field").rows() == [
        ("requests/a.parquet", 2, "input_tokens"),
        ("requests/b.parquet", 0, "file"),
    ]


def test_csv_lines_and_casts(tmp_path):
    folder = tmp_path / "requests"
    folder.mkdir()
    header = ",".join(GOOD)
    good = ",".join(str(v) for v in GOOD.values())
    bad = good.replace("1000,", "lots,", 1).replace("r1,", "r2,", 1)
    (folder / "a.csv").write_bytes(
        ("\ufeff" + header + "\r\n" + good + "\r\n\r\n" + bad + "\r\n").encode()
    )
    result = run(tmp_path)
    assert result.requests["source_line"].to_list() == [2]
    assert result.quarantine.select("source_line", "field").rows() == [(4, "input_tokens")]


def test_privacy_prompt_never_copied(tmp_path):
    secret = "MY SECRET PROMPT 42"
    records = [
        {**GOOD, "prompt": secret, "messages": [{"content": secret}], "completion": secret},
        {**GOOD, "request_id": "r2", "input_tokens": secret, "prompt": secret},
        '{"prompt": "' + secret + '", broken',
    ]
    result = run(write_jsonl(tmp_path, records))
    for frame in (result.requests, result.quarantine):
        assert secret not in str(frame.rows())
    assert secret not in str(result.files)


def _blank(line: str) -> bool:
    """The reader's blank line: only Unicode White_Space (Python's strip also drops the
    separators U+001C..U+001F, which the reader counts as a broken record)."""
    return not line.translate({c: "x" for c in range(0x1C, 0x20)}).strip()


record_strategy = st.one_of(
    st.builds(
        lambda i, tok, day: {
            **GOOD,
            "request_id": f"r{i}",
            "input_tokens": tok,
            "timestamp": f"2025-06-{day:02d}T08:00:00Z",
        },
        st.integers(0, 30),
        st.one_of(st.integers(-5, 2000), st.text(max_size=3), st.floats(allow_nan=True)),
        st.integers(1, 3),
    ),
    st.text(max_size=20).filter(lambda s: "\n" not in s and "\r" not in s),
    st.just("{}"),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(record_strategy, max_size=25))
def test_property_every_row_accounted(tmp_path_factory, records):
    tmp = tmp_path_factory.mktemp("prop")
    result = run(write_jsonl(tmp, records))
    lines = sum(1 for r in records if not isinstance(r, str) or not _blank(r))
    if any(f.error == "unrecognised content" for f in result.files):
        # no record in the file looks like any format we read: the file is one quarantine row
        assert not any(isinstance(r, dict) for r in records)
        lines = 1
    assert result.rows_read == lines
    for stat in result.files:
        assert stat.rows_read == stat.rows_loaded + stat.rows_quarantined + stat.rows_outside_window
