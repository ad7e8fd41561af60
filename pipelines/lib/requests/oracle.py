"""The Polars test oracle of the request-log ingest: `read_requests` reads a window into memory.

Production loads through `pipelines.lib.requests.sql.load_requests_sql` (validated in DuckDB
straight into the warehouse, bounded memory). This module does the same whole job in Polars,
from the same rule table (`rules.py`) and the same file readers (`read.py`), so the tests can
check the loader against it (`tests/test_requests/hostile/test_sql_parity.py`) and describe
ingest on small inputs; `oracle_load.load_window` writes its result into a warehouse.

Read `<input>/requests/**` (.jsonl, .jsonl.gz, .json, .json.gz, .parquet, .csv) into the
canonical request table of a window, with a quarantine of rejected records. Each file's format
is told by its content (`discover.content_format`, on the first 64 KiB): native records go to
the native readers; OpenTelemetry, LiteLLM, Langfuse and provider-usage logs go through their
adapter (`pipelines.lib.requests.adapters`, mapping from `<input>/catalog/mapping.toml`; a
malformed mapping raises `MappingError`) and then the same `normalise` validation, with
`source_format` = the detected format; adapter rejects become quarantine rows (request_date
NULL). A file of readable records in no format we read is one quarantine row, `unrecognised
content`.

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

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.requests import oracle_accounting, unknown_fields
from pipelines.lib.requests.adapters import load_mapping
from pipelines.lib.requests.adapters.mapping import Mapping
from pipelines.lib.requests.discover import discover
from pipelines.lib.requests.read import READ_ERRORS, file_stat, iter_file, read_error
from pipelines.lib.requests.result import (
    ERR_FIELD,
    ERR_REASON,
    MAX_ID,
    SKIP_REASON,
    FileStat,
    IngestResult,
    file_quarantine,
)
from pipelines.lib.requests.rules import SCRATCH_COLUMNS
from schemas.requests.canonical_request import CANONICAL_COLUMNS, QUARANTINE_COLUMNS
from schemas.requests.ingest_skipped_records import COLUMNS as SKIPPED_COLUMNS

__all__ = ["read_requests"]


class _Reading:
    """What has been read so far: per-file stats, record frames, file errors, unknown fields."""

    def __init__(self) -> None:
        self.stats: list[FileStat] = []
        self.frames: list[pl.DataFrame] = []
        self.file_errors: list[pl.DataFrame] = []
        self.unknown: list[unknown_fields.UnknownField] = []

    def read(
        self,
        path: Path,
        stat: FileStat,
        con: duckdb.DuckDBPyConnection,
        now: datetime,
        mapping: Mapping,
    ) -> None:
        """Read one file; a file that cannot be read is one quarantine row."""
        self.stats.append(stat)
        if stat.error is None:
            rel, fmt = stat.path, stat.format
            try:
                frame = pl.concat(list(iter_file(path, rel, fmt, con, now, mapping)))
                found, typos = unknown_fields.scan(path, rel, fmt, con)
                frame = unknown_fields.apply(frame, typos)
                self.unknown += found
            except READ_ERRORS as exc:
                stat.error = read_error(fmt, exc)
            else:
                stat.rows_read = len(frame)
                self.frames.append(frame)
                return
        stat.rows_read = stat.rows_quarantined = 1
        self.file_errors.append(file_quarantine(stat.path, stat.error))


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
    reading = _Reading()
    try:
        for path, rel, container in discover(input_dir):
            reading.read(path, file_stat(path, rel, container), con, now, mapping)
    finally:
        con.close()
    result = _assemble(reading.frames, reading.file_errors, reading.stats, start, end)
    result.unknown_fields = unknown_fields.frame_of(reading.unknown)
    return result


def _reject_duplicates(good: pl.DataFrame, bad: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Among valid records, the first of each request_id (by file, line) wins; the others are
    rejected, naming the first."""
    first = good.get_column("request_id").is_first_distinct()
    if first.all():
        return good, bad
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
    return good.filter(first), pl.concat([bad, dups])


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
        "source_file", "source_line", pl.col("request_id").str.slice(0, MAX_ID), SKIP_REASON
    )
    everything = everything.filter(~is_skip)
    is_ok = pl.col(ERR_FIELD).is_null()
    good, bad = _reject_duplicates(everything.filter(is_ok), everything.filter(~is_ok))
    del everything
    in_window = (pl.col("request_date") >= start) & (pl.col("request_date") < end)
    loaded = good.filter(in_window)
    requests = loaded.select(list(CANONICAL_COLUMNS))
    repairs = oracle_accounting.repairs_of(loaded)
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
        pl.col("request_id").str.slice(0, MAX_ID),
        "request_date",
        pl.col(ERR_FIELD).alias("field"),
        pl.col(ERR_REASON).alias("reason"),
    )
    quarantine = pl.concat([*file_errors, quarantine]).sort("source_file", "source_line")
    quarantine = quarantine.select([pl.col(c).cast(t) for c, t in QUARANTINE_COLUMNS.items()])
    skipped = skipped.rename({SKIP_REASON: "reason"}).sort("source_file", "source_line")
    oracle_accounting.count_per_file(stats, requests, quarantine, outside, skipped, repairs)
    result = IngestResult(
        requests=requests,
        quarantine=quarantine,
        rows_read=sum(s.rows_read for s in stats),
        rows_outside_window=len(outside),
        files=stats,
        repairs=repairs,
        skipped=skipped.cast(SKIPPED_COLUMNS),  # type: ignore[arg-type]
    )
    oracle_accounting.check_accounting(result)
    return result
