"""Read request logs (`<input>/requests/**`: .jsonl, .jsonl.gz, .json, .json.gz, .parquet,
.csv) into the canonical request table of a window, with a quarantine of rejected records.

Each file's format is told by its content (`discover.content_format`, on the first 64 KiB):
native records go to the native readers; OpenTelemetry, LiteLLM, Langfuse and provider-usage
logs go through their adapter (`pipelines.lib.requests.adapters`, mapping from
`<input>/catalog/mapping.toml`; a malformed mapping raises `MappingError`) and then the same
`normalise` validation, with `source_format` = the detected format; adapter rejects become
quarantine rows (request_date NULL). A file of readable records in no format we read is one
quarantine row, `unrecognised content`.

The asset loads through `pipelines.lib.requests.sql.load_requests_sql` (same rules, validated in
DuckDB, bounded memory); this module is the reference implementation it is tested against.

Accounting (checked on every call, in total and per file):
`rows_read == len(requests) + len(quarantine) + len(skipped) + rows_outside_window`; skipped
records (not billable calls, from the adapters) are reported apart. Only fields that price or
attribute a request quarantine it; the others are repaired (`rules.py`, `result.repairs`), and
fields outside the native record are reported per file (`unknown_fields.py`).

- A record is one non-blank physical line (JSONL), one data record (CSV) or one row (Parquet).
  Blank lines are skipped and not counted.
- A file that cannot be read at all (unsupported extension, corrupt gzip, unreadable Parquet or
  CSV) counts as ONE row read and yields one quarantine row: source_line 0, field `file`,
  request_date NULL; `FileStat.error` says why. Such rows are re-emitted by every window.
- Records whose timestamp is trustworthy but falls outside [start, end) are counted in
  `rows_outside_window`, whether valid or not: their own window loads or quarantines them.
  Records without a trustworthy date (missing or blank / unparsable / no offset / > 1 day in the
  future / before 1970-01-01) are quarantined in every window with request_date NULL.
- Duplicated request_id: among otherwise valid records of all files and all days read, the
  first by (source_file, source_line) wins; the others are rejected (field `request_id`).
- Reasons are fixed texts plus, for duplicates, a file:line: no raw value is ever copied.
  Non-native keys (prompt, messages, completion, ...) are never read.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.requests import accounting, unknown_fields
from pipelines.lib.requests.adapters import load_mapping, to_native
from pipelines.lib.requests.adapters.mapping import Mapping
from pipelines.lib.requests.discover import (
    UNRECOGNISED,
    UNSUPPORTED,
    content_format,
    discover,
    read_head,
    sha256_of,
)
from pipelines.lib.requests.jsonl import bad_utf8_frame, decode_lines, iter_chunks, split_lines
from pipelines.lib.requests.normalise import SCRATCH_COLUMNS, normalise
from pipelines.lib.requests.result import (
    ERR_FIELD,
    ERR_REASON,
    SKIP_REASON,
    FileStat,
    IngestResult,
    file_quarantine,
)
from pipelines.lib.requests.tabular import read_csv, read_parquet
from schemas.requests.canonical_request import CANONICAL_COLUMNS, QUARANTINE_COLUMNS
from schemas.requests.ingest_skipped_records import COLUMNS as SKIPPED_COLUMNS

__all__ = ["FileStat", "IngestResult", "read_requests"]

_READ_ERRORS = (OSError, EOFError, zlib.error, csv.Error, UnicodeError, pl.exceptions.PolarsError)
_FILE_REASONS = {
    "native-jsonl": "unreadable JSONL file (corrupt or truncated gzip?)",
    "native-parquet": "unreadable Parquet file",
    "native-csv": "unreadable CSV file",
}
_MAX_ID = 200


def _iter_file(
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
    else:
        yield _read_adapted(path, rel, fmt, mapping, now)


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


def read_requests(
    input_dir: Path, start: date, end: date, *, now: datetime | None = None
) -> IngestResult:
    """Canonical requests whose UTC date is in [start, end), and the quarantine of the window.
    `now` (default: the current time) bounds timestamps to at most one day ahead.

    Files are recognised by content (`content_format`): native files go to the native readers,
    other log formats through their adapter (`pipelines.lib.requests.adapters`) and then the same
    validation; a file of no format we read is quarantined whole (`unrecognised content`).
    A malformed `<input>/catalog/mapping.toml` raises `MappingError` (nothing is read)."""
    now = now or datetime.now(UTC)
    input_dir = Path(input_dir)
    mapping = load_mapping(input_dir / "catalog" / "mapping.toml")
    con = duckdb.connect()
    stats: list[FileStat] = []
    frames: list[pl.DataFrame] = []
    file_errors: list[pl.DataFrame] = []
    unknown: list[unknown_fields.UnknownField] = []
    try:
        for path, rel, container in discover(input_dir):
            stat = FileStat(path=rel, format=container, sha256=sha256_of(path))
            stats.append(stat)
            fmt = container
            if container != UNSUPPORTED:
                fmt = content_format(path, container, read_head(path))
                stat.format = fmt
            if fmt == UNSUPPORTED:
                stat.error = "unsupported file type"
            elif fmt == UNRECOGNISED:
                stat.error = "unrecognised content"
            else:
                try:
                    frame = pl.concat(list(_iter_file(path, rel, fmt, con, now, mapping)))
                    found, typos = unknown_fields.scan(path, rel, fmt, con)
                    frame = unknown_fields.apply(frame, typos)
                    unknown += found
                except _READ_ERRORS as exc:
                    reason = _FILE_REASONS.get(fmt, f"unreadable {fmt} file")
                    stat.error = f"{reason}: {type(exc).__name__}"
                else:
                    stat.rows_read = len(frame)
                    frames.append(frame)
                    continue
            stat.rows_read = stat.rows_quarantined = 1
            file_errors.append(file_quarantine(rel, stat.error))
    finally:
        con.close()
    result = _assemble(frames, file_errors, stats, start, end)
    result.unknown_fields = unknown_fields.frame_of(unknown)
    return result


def _assemble(
    frames: list[pl.DataFrame],
    file_errors: list[pl.DataFrame],
    stats: list[FileStat],
    start: date,
    end: date,
) -> IngestResult:
    if not frames:
        frames = [pl.DataFrame(schema=SCRATCH_COLUMNS)]
    everything = pl.concat(frames, how="vertical")
    del frames
    is_skip = pl.col(SKIP_REASON).is_not_null()
    skipped = everything.filter(is_skip).select(
        "source_file", "source_line", pl.col("request_id").str.slice(0, _MAX_ID), SKIP_REASON
    )
    everything = everything.filter(~is_skip)
    is_ok = pl.col(ERR_FIELD).is_null()
    good = everything.filter(is_ok)
    bad = everything.filter(~is_ok)
    del everything
    first = good.get_column("request_id").is_first_distinct()
    if not first.all():
        firsts = good.filter(first).select(
            "request_id",
            (
                pl.lit("duplicate request_id (first seen in ")
                + pl.col("source_file")
                + pl.lit(":")
                + pl.col("source_line").cast(pl.String)
                + pl.lit(")")
            ).alias("_dup_reason"),
        )
        dups = (
            good.filter(~first)
            .join(firsts, on="request_id", how="left")
            .with_columns(
                pl.lit("request_id").alias(ERR_FIELD), pl.col("_dup_reason").alias(ERR_REASON)
            )
            .drop("_dup_reason")
        )
        bad = pl.concat([bad, dups])
        good = good.filter(first)
    in_window = (pl.col("request_date") >= start) & (pl.col("request_date") < end)
    loaded = good.filter(in_window)
    requests = loaded.select(list(CANONICAL_COLUMNS))
    repairs = accounting.repairs_of(loaded)
    del loaded
    outside = pl.concat(
        [
            good.filter(~in_window).select("source_file"),
            bad.filter(pl.col("request_date").is_not_null() & ~in_window).select("source_file"),
        ]
    )
    del good
    quarantine = bad.filter(pl.col("request_date").is_null() | in_window).select(
        "source_file",
        "source_line",
        pl.col("request_id").str.slice(0, _MAX_ID),
        "request_date",
        pl.col(ERR_FIELD).alias("field"),
        pl.col(ERR_REASON).alias("reason"),
    )
    quarantine = pl.concat([*file_errors, quarantine]).sort("source_file", "source_line")
    quarantine = quarantine.select([pl.col(c).cast(t) for c, t in QUARANTINE_COLUMNS.items()])
    skipped = skipped.rename({SKIP_REASON: "reason"}).sort("source_file", "source_line")
    accounting.count_per_file(stats, requests, quarantine, outside, skipped, repairs)
    result = IngestResult(
        requests=requests,
        quarantine=quarantine,
        rows_read=sum(s.rows_read for s in stats),
        rows_outside_window=len(outside),
        files=stats,
        repairs=repairs,
        skipped=skipped.cast(SKIPPED_COLUMNS),  # type: ignore[arg-type]
    )
    accounting.check_accounting(result)
    return result
