"""Read one request-log file into normalised Polars frames (the `normalise` engine), and tell
what a file is before it is read. Used by the loader (`sql.py`) for the files it does not read
in SQL, and by the test oracle (`oracle.py`) for every file."""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.requests.adapters import to_native
from pipelines.lib.requests.adapters.mapping import Mapping
from pipelines.lib.requests.discover import (
    UNRECOGNISED,
    UNSUPPORTED,
    content_format,
    read_head,
    sha256_of,
)
from pipelines.lib.requests.jsonl import bad_utf8_frame, decode_lines, iter_chunks, split_lines
from pipelines.lib.requests.normalise import normalise
from pipelines.lib.requests.result import ERR_FIELD, ERR_REASON, SKIP_REASON, FileStat
from pipelines.lib.requests.tabular import read_csv, read_parquet

# What a file that cannot be read raises: it becomes one quarantine row (field `file`).
READ_ERRORS = (OSError, EOFError, zlib.error, csv.Error, UnicodeError, pl.exceptions.PolarsError)
FILE_REASONS = {
    "native-jsonl": "unreadable JSONL file (corrupt or truncated gzip?)",
    "native-parquet": "unreadable Parquet file",
    "native-csv": "unreadable CSV file",
}


def file_stat(path: Path, rel: str, container: str) -> FileStat:
    """The file's stat with its format told by content (`content_format`); `error` is set when
    nothing in it can be read (unsupported type, unrecognised content)."""
    stat = FileStat(path=rel, format=container, sha256=sha256_of(path))
    if container != UNSUPPORTED:
        stat.format = content_format(path, container, read_head(path))
    if stat.format == UNSUPPORTED:
        stat.error = "unsupported file type"
    elif stat.format == UNRECOGNISED:
        stat.error = "unrecognised content"
    return stat


def read_error(fmt: str, exc: BaseException) -> str:
    """The file-level reason of a file of format `fmt` that raised `exc` (no raw text)."""
    reason = FILE_REASONS.get(fmt, f"unreadable {fmt} file")
    return f"{reason}: {type(exc).__name__}"


def iter_file(
    path: Path,
    rel: str,
    fmt: str,
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    mapping: Mapping,
) -> Iterator[pl.DataFrame]:
    """The records of one file, normalised, in line order (with error columns), one chunk
    (JSONL: `CHUNK_BYTES` of lines) at a time."""
    if fmt == "native-parquet":
        yield normalise(read_parquet(path), fmt, rel, now)
    elif fmt == "native-csv":
        yield normalise(read_csv(path), fmt, rel, now)
    elif fmt == "native-jsonl":
        yield from _iter_jsonl(path, rel, fmt, con, now)
    else:
        yield _read_adapted(path, rel, fmt, mapping, now)


def _iter_jsonl(
    path: Path, rel: str, fmt: str, con: duckdb.DuckDBPyConnection, now: datetime
) -> Iterator[pl.DataFrame]:
    empty = True
    for first_line, block in iter_chunks(path):
        lines, bad = split_lines(block, first_line)
        raw = decode_lines(con, lines)
        if bad:
            raw = pl.concat([raw, bad_utf8_frame(bad)]).sort("source_line")
        empty = False
        yield normalise(raw, fmt, rel, now)
    if empty:
        yield normalise(bad_utf8_frame([]), fmt, rel, now)


def _read_adapted(path: Path, rel: str, fmt: str, mapping: Mapping, now: datetime) -> pl.DataFrame:
    """A file of another log format: adapter -> native records -> the same `normalise`;
    adapter rejects become quarantine rows (request_date NULL: quarantined in every window),
    records that are not billable calls become skipped rows (`SKIP_REASON`, no date)."""
    native, rejects = to_native(path, fmt, mapping)
    good = normalise(
        native.with_columns(
            pl.lit(None, pl.String).alias(ERR_FIELD), pl.lit(None, pl.String).alias(ERR_REASON)
        ),
        fmt,
        rel,
        now,
    )
    skip = pl.col("skip").fill_null(False)
    reason = pl.col("reason").fill_null(f"{fmt}: unreadable record")
    bad = rejects.select(
        pl.col("source_line").cast(pl.Int64),
        pl.col("request_id").cast(pl.String),
        pl.lit(fmt).alias("source_format"),
        pl.lit(rel).alias("source_file"),
        pl.when(~skip).then(pl.col("field").fill_null("record")).alias(ERR_FIELD),
        pl.when(~skip).then(reason).alias(ERR_REASON),
        pl.when(skip).then(reason).alias(SKIP_REASON),
    )
    bad = bad.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in good.schema.items() if c not in bad.columns
    ).select(good.columns)
    bad = bad.cast(good.schema)  # type: ignore[arg-type]
    return pl.concat([good, bad]).sort("source_line", maintain_order=True)
