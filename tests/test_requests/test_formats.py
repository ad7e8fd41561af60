"""read_requests recognises every log format by content and sends it through its adapter and
the same native validation: the same five calls give the same canonical tokens in every format."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines.lib.requests.adapters import MappingError
from pipelines.lib.requests.oracle import read_requests
from schemas.requests.canonical_request import CanonicalRequest

FIXTURES = Path(__file__).parent / "adapters" / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected_calls.json").read_text())
START, END = date(2026, 3, 2), date(2026, 3, 3)
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
FILES = {
    "otel/traces.json": "otel-json",
    "otel/traces.jsonl": "otel-json",
    "litellm/standard_logging_payload.jsonl": "litellm-payload",
    "litellm/standard_logging_payload.jsonl.gz": "litellm-payload",
    "litellm/standard_logging_payload_response_usage.jsonl": "litellm-payload",
    "litellm/spendlogs.csv": "litellm-spendlogs",
    "litellm/spendlogs.parquet": "litellm-spendlogs",
    "langfuse/observations.jsonl": "langfuse",
    "langfuse/observations.parquet": "langfuse",
    "provider_usage/usage.jsonl": "provider-usage",
    "native/calls.jsonl": "native-jsonl",
}
TOKENS = {
    "input_tokens": "input",
    "cache_read_tokens": "cr",
    "cache_write_tokens": "cw",
    "cache_write_1h_tokens": "cw1h",
    "output_tokens": "output",
    "reasoning_tokens": "reasoning",
}


def _native_calls() -> str:
    lines = []
    for key, c in EXPECTED.items():
        record = {
            "request_id": f"native-{key}",
            "timestamp": c["start"],
            "tenant_id": "acme",
            "feature": "ticket-summary",
            "environment": "prod",
            "provider": c["provider"],
            "model": c["model"],
            "service_tier": c["tier"],
            **{col: c[k] for col, k in TOKENS.items()},
        }
        if key == "c4":
            record["cache_status"] = "exact"
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


def _place(root: Path, rel: str) -> None:
    target = root / "requests" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if rel.startswith("native/"):
        target.write_text(_native_calls())
    else:
        shutil.copy(FIXTURES / rel, target)


def _call_of(ts: datetime) -> str:
    return next(
        k
        for k, v in EXPECTED.items()
        if datetime.fromisoformat(v["start"]).replace(tzinfo=None) == ts
    )


@pytest.mark.parametrize("rel", list(FILES))
def test_each_format_reads_to_the_same_canonical_tokens(tmp_path, rel):
    _place(tmp_path, rel)
    result = read_requests(tmp_path, START, END, now=NOW)
    assert result.quarantine.is_empty(), result.quarantine.to_dicts()
    assert [f.format for f in result.files] == [FILES[rel]]
    assert len(result.requests) == len(EXPECTED)
    CanonicalRequest.validate(result.requests)
    for row in result.requests.to_dicts():
        exp = EXPECTED[_call_of(row["timestamp_utc"])]
        assert {c: row[c] for c in TOKENS} == {c: exp[k] for c, k in TOKENS.items()}, rel
        assert (row["provider"], row["model"], row["service_tier"]) == (
            exp["provider"],
            exp["model"],
            exp["tier"],
        )
        assert row["source_format"] == FILES[rel]
        assert row["source_file"] == f"requests/{rel}"


def test_mixed_folder_every_row_accounted_and_duplicates_across_formats(tmp_path):
    for rel in FILES:
        _place(tmp_path, rel)
    (tmp_path / "requests" / "notes.json").write_text('{"hello": "world"}\n')
    result = read_requests(tmp_path, START, END, now=NOW)
    by_file = {f.path: f for f in result.files}
    for rel, fmt in FILES.items():
        stat = by_file[f"requests/{rel}"]
        assert (stat.format, stat.rows_read, stat.error) == (fmt, len(EXPECTED), None)
    notes = by_file["requests/notes.json"]
    assert (notes.format, notes.rows_read, notes.error) == (
        "unrecognised",
        1,
        "unrecognised content",
    )
    assert result.rows_read == len(FILES) * len(EXPECTED) + 1
    assert result.rows_read == len(result.requests) + len(result.quarantine)
    # Formats that carry the provider's response id log the same call under the same id: the
    # first file (by path) wins, every other copy is quarantined as a duplicate, never counted.
    for row in result.requests.to_dicts():
        exp = EXPECTED[_call_of(row["timestamp_utc"])]
        assert {c: row[c] for c in TOKENS} == {c: exp[k] for c, k in TOKENS.items()}
    assert result.requests["request_id"].is_unique().all()
    quarantine = result.quarantine.to_dicts()
    assert {(q["field"], q["reason"].split(" (")[0]) for q in quarantine} == {
        ("request_id", "duplicate request_id"),
        ("file", "unrecognised content"),
    }


def test_bad_mapping_fails_the_run_naming_the_file(tmp_path):
    _place(tmp_path, "otel/traces.jsonl")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "mapping.toml").write_text("[otel.fields]\nnot_a_field = ['x']\n")
    with pytest.raises(MappingError, match=r"mapping\.toml"):
        read_requests(tmp_path, START, END, now=NOW)
