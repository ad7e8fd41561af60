"""The scratch table of the DuckDB loader (`_ingest_scratch`: the scratch columns of
`rules.SCRATCH_COLUMNS`), and the writers that fill it: native JSONL and Parquet through
`sql_select`, any other file as a normalised Polars frame, and file-level errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.requests.jsonl import iter_chunks, split_lines
from pipelines.lib.requests.result import ERR_FIELD, ERR_REASON, NATIVE_FIELDS
from pipelines.lib.requests.rule_expr import literal, quote
from pipelines.lib.requests.rules import SCRATCH_COLUMNS
from pipelines.lib.requests.sql_select import select_sql, sql_type
from pipelines.lib.requests.sql_sources import jsonl_source, parquet_source

SCRATCH = "_ingest_scratch"
# Same-schema Parquet files read by one statement: kinds (field, source kind) -> (path, rel).
ParquetGroups = dict[tuple[tuple[str, str], ...], list[tuple[str, str]]]


def create_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the empty scratch table."""
    cols = ", ".join(f"{quote(c)} {sql_type(c)}" for c in SCRATCH_COLUMNS)
    con.execute(f"drop table if exists {SCRATCH}")
    con.execute(f"create temp table {SCRATCH} ({cols})")


def append_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """Append a normalised Polars frame (scratch columns)."""
    con.register("_ingest_frame", frame.to_arrow())
    try:
        con.execute(f"insert into {SCRATCH} by name select * from _ingest_frame")
    finally:
        con.unregister("_ingest_frame")


def file_error(con: duckdb.DuckDBPyConnection, rel: str, fmt: str, reason: str) -> None:
    """Replace whatever was read of a file by its one file-level quarantine row."""
    con.execute(f"delete from {SCRATCH} where source_file = ?", [rel])
    con.execute(
        f"insert into {SCRATCH} (source_file, source_line, source_format, {ERR_FIELD}, "
        f"{ERR_REASON}) values (?, 0, ?, 'file', ?)",
        [rel, fmt, reason],
    )


def insert_jsonl(con: duckdb.DuckDBPyConnection, path: Path, rel: str, now: datetime) -> None:
    """A native JSONL(.gz) file, chunk by chunk: lines are cut by Polars (exact numbers, CR and
    BOM dropped, invalid UTF-8 found), everything else is SQL."""
    select = select_sql(dict.fromkeys(NATIVE_FIELDS, "s"), now, jsonl_source(rel))
    for first_line, block in iter_chunks(path):
        lines, bad = split_lines(block, first_line)
        if bad:
            lines = pl.concat(
                [lines, pl.DataFrame({"source_line": bad, "line": None}, schema=lines.schema)]
            )
        con.register("_ingest_lines", lines.to_arrow())
        try:
            con.execute(f"insert into {SCRATCH} by name {select}")
        finally:
            con.unregister("_ingest_lines")


def insert_parquet(
    con: duckdb.DuckDBPyConnection,
    kinds: dict[str, str],
    files: list[tuple[str, str]],
    now: datetime,
) -> None:
    """A group of native Parquet files of the same schema, in one statement; when one of them
    is unreadable past its footer, one by one."""
    con.execute("create or replace temp table _ingest_paths (path varchar, rel varchar)")
    con.executemany("insert into _ingest_paths values (?, ?)", [list(f) for f in files])
    listing = "[" + ", ".join(literal(p) for p, _ in files) + "]"
    source = parquet_source(kinds, listing)
    try:
        con.execute(f"insert into {SCRATCH} by name {select_sql(kinds, now, source)}")
    except duckdb.Error:
        if len(files) == 1:
            file_error(con, files[0][1], "native-parquet", "unreadable Parquet file")
            return
        for one in files:
            insert_parquet(con, kinds, [one], now)


def failed_parquet(con: duckdb.DuckDBPyConnection, groups: ParquetGroups) -> list[str]:
    """The Parquet files of `groups` that `insert_parquet` found unreadable."""
    rels = [rel for files in groups.values() for _, rel in files]
    if not rels:
        return []
    rows = con.execute(
        f"select distinct source_file from {SCRATCH} where source_line = 0 "
        "and list_contains(?, source_file)",
        [rels],
    ).fetchall()
    return [r[0] for r in rows]
