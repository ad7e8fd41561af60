"""Unknown fields of native records: reported per file with a did-you-mean; a probable typo of a
token field quarantines its records (the count would be priced as another kind)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from pipelines.lib import warehouse
from pipelines.lib.requests.oracle import read_requests
from pipelines.lib.requests.sql import load_requests_sql
from pipelines.lib.requests.unknown_fields import one_edit, suggestion

START, END = date(2025, 6, 1), date(2025, 6, 2)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
BASE = {
    "timestamp": "2025-06-01T08:00:00Z",
    "tenant_id": "acme",
    "feature": "f",
    "environment": "prod",
    "provider": "openai",
    "model": "gpt-4.1-mini",
    "input_tokens": 1000,
    "output_tokens": 10,
}
RECORDS = [
    {**BASE, "request_id": "r1", "cache_reads_tokens": 800},  # token typo: quarantined
    {**BASE, "request_id": "r2", "lantency_ms": 3, "costcenter": "x", "odd.key": 1},
    {**BASE, "request_id": "r3", "cache_reads_tokens": None, "prompt": "SECRET"},  # null: loaded
    {**BASE, "request_id": "r4", "ouptut_tokens": 5},  # swap typo of a token field
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cache_reads_tokens", "cache_read_tokens"),
        ("cache_read_token", "cache_read_tokens"),
        ("ouptut_tokens", "output_tokens"),
        ("Input_tokens", "input_tokens"),
        ("lantency_ms", "latency_ms"),
        ("costcenter", None),
        ("cache_tokens", None),
    ],
)
def test_did_you_mean_is_one_edit_away(name, expected):
    assert suggestion(name) == expected


def test_one_edit():
    assert one_edit("abc", "abd") and one_edit("abc", "ab") and one_edit("abc", "bac")
    assert not one_edit("abc", "abc") and not one_edit("abc", "cba") and not one_edit("a", "abc")


def _write(tmp_path):
    folder = tmp_path / "requests"
    folder.mkdir()
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    rows = [{k: v for k, v in r.items() if k != "prompt"} for r in RECORDS]
    frame = pl.DataFrame(rows).with_columns(pl.col("request_id") + "-p")
    frame.write_parquet(folder / "b.parquet")
    frame.with_columns(pl.col("request_id").str.replace("-p", "-c")).write_csv(folder / "c.csv")
    return tmp_path


def test_typo_of_a_token_field_quarantines_and_others_are_reported(tmp_path):
    result = read_requests(_write(tmp_path), START, END, now=NOW)
    q = result.quarantine.filter(pl.col("source_file") == "requests/a.jsonl")
    assert q.select("source_line", "field", "reason").rows() == [
        (
            1,
            "cache_reads_tokens",
            "unknown field cache_reads_tokens (did you mean cache_read_tokens?): "
            "a token count costline cannot trust",
        ),
        (
            4,
            "ouptut_tokens",
            "unknown field ouptut_tokens (did you mean output_tokens?): "
            "a token count costline cannot trust",
        ),
    ]
    assert len(result.requests) == 6 and len(result.quarantine) == 6
    unknown = result.unknown_fields.filter(pl.col("source_file") == "requests/a.jsonl")
    assert unknown.select("field", "records", "first_line", "suggestion").rows() == [
        ("cache_reads_tokens", 1, 1, "cache_read_tokens"),
        ("costcenter", 1, 2, None),
        ("lantency_ms", 1, 2, "latency_ms"),
        ("odd.key", 1, 2, None),
        ("ouptut_tokens", 1, 4, "output_tokens"),
    ]
    # Every container reports the same fields (prompt keys are never read, so never listed).
    per_file = result.unknown_fields.group_by("source_file").agg(pl.col("field").sort())
    assert len(set(map(tuple, per_file["field"].to_list()))) == 1


def test_both_paths_report_and_quarantine_the_same(tmp_path):
    root = _write(tmp_path)
    result = read_requests(root, START, END, now=NOW)
    with warehouse.connect(root / "w.duckdb") as con:
        load_requests_sql(con, root, START, END, now=NOW)
        unknown = con.execute("select * from ingest_unknown_fields order by all").fetchall()
        quarantine = con.execute("select * from quarantine_requests order by all").fetchall()
    assert unknown == sorted(result.unknown_fields.rows())
    assert quarantine == sorted(result.quarantine.rows())
