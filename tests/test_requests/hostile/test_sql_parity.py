"""The SQL loader (used by the asset) and the Polars reader + load_window agree on typed Parquet
columns of every kind a producer may write, and on the committed hostile corpus: the same
requests, quarantine, field repairs and skipped records."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.lib import warehouse
from pipelines.lib.requests import oracle_load
from pipelines.lib.requests.oracle import read_requests
from pipelines.lib.requests.sql import load_requests_sql

START, END = date(2025, 6, 1), date(2025, 6, 2)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
N = 8


def _base(n: int = N) -> dict[str, pl.Series]:
    return {
        "request_id": pl.Series([f"r{i}" for i in range(n)]),
        "tenant_id": pl.Series(
            ["acme", " acme ", "", None, "t'; drop table x; --", "../x", "a", "b"]
        ),
        "feature": pl.Series(["f"] * n),
        "environment": pl.Series(["prod", "dev", "staging", "prod", "qa", "prod", "prod", "prod"]),
        "provider": pl.Series(["openai", "my-llm.co", "Open AI", "openai", "x", "y", "z", "w"]),
        "model": pl.Series(["m"] * n),
        "timestamp": pl.Series(
            [
                "2025-06-01T08:00:00Z",
                "2025-06-01 08:00:00.123456789+02:00",
                "2025-06-01T08:00:00",
                "2025-06-01T23:30:00-01:00",
                "2025-02-30T08:00:00Z",
                "2999-01-01T00:00:00Z",
                " 2025-06-01t08:00:00+0000 ",
                "2025-06-01T08:00:00.5z",
            ]
        ),
    }


VARIANTS = {
    "typed_ints": {
        "input_tokens": pl.Series([100, 5, -1, 10_000_001, 0, 50, 7, 9], dtype=pl.Int32),
        "output_tokens": pl.Series([1, 2, 3, 4, 5, 6, 7, None], dtype=pl.UInt64),
        "cache_read_tokens": pl.Series([0, 6, 0, 0, 0, 0, 0, 0], dtype=pl.Int16),
        "accepted": pl.Series([True, False, None, True, False, True, None, True]),
        "csat": pl.Series([1, 5, 6, 0, None, 3, 2, 4], dtype=pl.Int8),
        "latency_ms": pl.Series([1.0, 2.5, -3.0, None, float("nan"), 4.0, 5.0, 6.0]),
    },
    "floats_and_odd_types": {
        "input_tokens": pl.Series([100.0, 1.5, float("inf"), float("nan"), 2e15, 3.0, 4.0, 5.0]),
        "output_tokens": pl.Series([1.0, 2.0, None, 4.0, 5.0, 6.0, 7.0, 8.0]),
        "reasoning_tokens": pl.Series([{"a": 1}, None, {"a": 2}, None, None, None, None, None]),
        "session_id": pl.Series([[1], None, [2, 3], None, None, None, None, None]),
        "user_id": pl.Series([1, 2, 3, 4, 5, 6, 7, 8]),
        "escalated": pl.Series(["true", "FALSE", "1", "0", "yes", None, " true ", ""]),
        "edit_distance": pl.Series(["0.5", "-1", "x", None, "inf", "1e3", " 2 ", ""]),
    },
    "timestamps_typed": {
        "timestamp": pl.Series(
            [datetime(2025, 6, 1, 8, i, tzinfo=UTC) for i in range(N)]
        ).dt.convert_time_zone("Europe/Paris"),
        "input_tokens": pl.Series(["10", " 20 ", "3.0", "3.5", "", "x", "-4", "1e3"]),
        "output_tokens": pl.Series([True, False, True, False, True, False, True, False]),
    },
    "naive_timestamps": {
        "timestamp": pl.Series([datetime(2025, 6, 1, 8, i) for i in range(N)]),
        "input_tokens": pl.Series([1] * N),
        "output_tokens": pl.Series([1] * N),
    },
    "categorical_strings": {
        "environment": pl.Series(["prod"] * N, dtype=pl.Categorical),
        "input_tokens": pl.Series([1] * N),
        "output_tokens": pl.Series([1] * N),
    },
}


def _tables(con) -> tuple[list, list]:
    return (
        con.execute("select * from stg_requests order by all").fetchall(),
        con.execute("select * from quarantine_requests order by all").fetchall(),
    )


def _side_tables(con) -> tuple[list, list, list]:
    return (
        con.execute("select * from ingest_field_repairs order by all").fetchall(),
        con.execute("select * from ingest_skipped_records order by all").fetchall(),
        con.execute("select * from ingest_unknown_fields order by all").fetchall(),
    )


def _rows(frame: pl.DataFrame) -> list[tuple]:
    return sorted(frame.rows(), key=repr)


def _both(root: Path) -> tuple[tuple[list, list], tuple[list, list]]:
    result = read_requests(root, START, END, now=NOW)
    with warehouse.connect(root / "a.duckdb") as con:
        files = [dataclasses.asdict(f) for f in result.files]
        oracle_load.load_window(
            con,
            result.requests,
            result.quarantine,
            # load_window accounts for what it stores; skipped records go to their own table.
            result.rows_read - len(result.skipped),
            result.rows_outside_window,
            files,
            START,
            END,
        )
        expected = _tables(con)
    with warehouse.connect(root / "b.duckdb") as con:
        stats, _ = load_requests_sql(con, root, START, END, now=NOW)
        assert stats.rows_read == result.rows_read
        got = _tables(con)
        repairs, skipped, unknown = _side_tables(con)
    assert sorted(unknown, key=repr) == _rows(result.unknown_fields)
    assert sorted(repairs, key=repr) == _rows(result.repairs)
    assert sorted(skipped, key=repr) == _rows(result.skipped)
    assert (stats.fields_repaired, stats.rows_skipped) == (len(repairs), len(skipped))
    return expected, got


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_typed_parquet_same_tables(tmp_path, variant):
    folder = tmp_path / "requests"
    folder.mkdir()
    pl.DataFrame({**_base(), **VARIANTS[variant]}).write_parquet(folder / f"{variant}.parquet")
    expected, got = _both(tmp_path)
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    assert expected[0] or expected[1]


def test_glob_characters_in_file_names_read_once(tmp_path):
    folder = tmp_path / "requests"
    folder.mkdir()
    frame = pl.DataFrame({**_base(), **VARIANTS["naive_timestamps"]})
    frame = frame.with_columns(pl.col("timestamp").dt.replace_time_zone("UTC"))
    frame.write_parquet(folder / "a[1]*.parquet")
    frame.with_columns(pl.col("request_id") + "-b").write_parquet(folder / "a1x.parquet")
    expected, got = _both(tmp_path)
    assert got == expected
    assert len(expected[0]) + len(expected[1]) == 2 * N


def test_hostile_corpus_same_tables(tmp_path):
    shutil.copytree(Path(__file__).parent / "corpus", tmp_path, dirs_exist_ok=True)
    expected, got = _both(tmp_path)
    assert got[0] == expected[0]
    # Whole-file reasons end with the exception class, which differs by reader (Polars/Arrow).
    assert [_cut(q) for q in got[1]] == [_cut(q) for q in expected[1]]


def _cut(row: tuple) -> tuple:
    return (*row[:5], row[5].split(":")[0]) if row[4] == "file" else row


OPTIONAL_VALUES = {
    "latency_ms": [1023.4, "1023.5", -0.4, "x", True, {"a": 1}, 7, None, "1e3", 2.5],
    "csat": [6, "4", 0, "nan", 5.0, None, [1], "x", 1, 3.5],
    "edit_distance": [-1, "0.5", "inf", 2, None, "x", 0, 1.5, False, "3"],
    "accepted": ["true", "1", 0, "FALSE", "maybe", 2, None, True, {"x": 1}, " true "],
    "status": ["ok", "error", "success", None, 3, "blocked", "ERROR", "", "x", False],
    "cache_status": ["hit", "miss", None, "prefix", "x", 1, "", "exact", "miss", "semantic"],
    "user_id": [1, "u", {"a": 1}, [1], True, 1.5, None, "", " v ", "w"],
}


def _records(n: int = 10) -> list[dict]:
    base = {k: v[0] for k, v in _base(1).items()} | {"input_tokens": 10, "output_tokens": 5}
    base |= {"tenant_id": "acme", "environment": "prod", "provider": "openai"}
    rows = []
    for i in range(n):
        row = {**base, "request_id": f"o{i}"} | {k: v[i] for k, v in OPTIONAL_VALUES.items()}
        if row["cache_status"] in ("exact", "semantic"):
            row["input_tokens"] = row["output_tokens"] = 0
        rows.append(row)
    return rows


def test_optional_field_repairs_same_in_both_paths(tmp_path):
    """Bad optional values never quarantine: both paths load every record and record the same
    repairs (JSONL with JSON types, Parquet with typed columns, CSV as text)."""
    import json

    folder = tmp_path / "requests"
    folder.mkdir()
    records = _records()
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    as_text = [
        {
            k: (None if v is None else json.dumps(v) if not isinstance(v, str) else v)
            for k, v in r.items()
        }
        for r in records
    ]
    text = pl.DataFrame(as_text, schema=dict.fromkeys(as_text[0], pl.String))
    text.with_columns(pl.col("request_id") + "-c").write_csv(folder / "b.csv")
    typed = text.with_columns(
        pl.col("request_id") + "-p",
        pl.Series("latency_ms", [1023.4, 1023.6, -0.4, None, 3.0, None, 7.0, None, 9e15, 2.5]),
        pl.Series("accepted", [1, 1, 0, 0, 2, None, None, 1, 0, 1], dtype=pl.Int8),
        pl.Series("user_id", [[1], None, [2], None, None, None, None, None, None, None]),
        pl.col("input_tokens").cast(pl.Int32),
        pl.col("output_tokens").cast(pl.Int32),
    )
    typed.write_parquet(folder / "c.parquet")
    expected, got = _both(tmp_path)
    assert got == expected
    assert expected[1] == []
    assert len(expected[0]) == 30
    result = read_requests(tmp_path, START, END, now=NOW)
    actions = set(result.repairs["action"].to_list())
    assert {
        "rounded fractional number",
        "set to NULL: not a number",
        "set to NULL: not a boolean",
        "set to NULL: wrong type",
        "set to NULL: unknown value",
        "set to NULL: negative",
        "set to NULL: outside 1..5",
    } <= actions
    jsonl = result.requests.filter(pl.col("source_file") == "requests/a.jsonl").sort("source_line")
    assert jsonl["latency_ms"].to_list() == [1023, 1024, None, None, None, None, 7, None, 1000, 3]
    assert jsonl["accepted"].to_list() == [
        True,
        True,
        False,
        False,
        None,
        None,
        None,
        True,
        None,
        True,
    ]
