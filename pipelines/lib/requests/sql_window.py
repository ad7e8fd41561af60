"""The last step of the DuckDB loader: from the filled scratch table to the window of
`stg_requests` / `quarantine_requests` and the side tables, in one transaction, with the
duplicates, the window split and the per-file accounting done in SQL."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

import duckdb
import polars as pl

from pipelines.lib.requests import side_tables
from pipelines.lib.requests.result import ERR_FIELD, ERR_REASON, MAX_ID, FileStat, IngestStats
from pipelines.lib.requests.rule_expr import quote
from pipelines.lib.requests.sql_scratch import SCRATCH
from schemas.requests.canonical_request import CANONICAL_COLUMNS, QUARANTINE_COLUMNS

_IN_WINDOW = "(request_date >= $s and request_date < $e)"


def _reject_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    """Duplicates among valid records of all files read: the first by (file, line) wins."""
    con.execute(
        f"""update {SCRATCH} t set {ERR_FIELD} = 'request_id',
                {ERR_REASON} = 'duplicate request_id (first seen in ' || d.first_file
                               || ':' || d.first_line || ')'
            from (
                select source_file, source_line,
                       first_value(source_file) over w as first_file,
                       first_value(source_line) over w as first_line,
                       row_number() over w as n
                from {SCRATCH}
                where {ERR_FIELD} is null and request_id in (
                    select request_id from {SCRATCH} where {ERR_FIELD} is null
                    group by request_id having count(*) > 1)
                window w as (partition by request_id order by source_file, source_line)
            ) d
            where d.n > 1 and t.source_file = d.source_file
              and t.source_line = d.source_line"""
    )


def _clear_window(
    con: duckdb.DuckDBPyConnection, window: dict[str, date], scanned: list[str]
) -> None:
    """Delete the window's rows, and the undated quarantine rows of the files read."""
    con.execute("delete from stg_requests where request_date >= $s and request_date < $e", window)
    con.execute(
        """delete from quarantine_requests
           where (request_date >= $s and request_date < $e)
              or (request_date is null and list_contains($files, source_file))""",
        {**window, "files": scanned},
    )


def _insert_window(con: duckdb.DuckDBPyConnection, window: dict[str, date]) -> None:
    """Load the window's valid records (an id loaded for another day is a duplicate) and
    quarantine the rest of the window and the undated records."""
    # Already loaded for another day: the earlier copy wins, this one is a duplicate.
    con.execute(
        f"""update {SCRATCH} t set {ERR_FIELD} = 'request_id',
                {ERR_REASON} = 'duplicate request_id (already loaded from ' || s.source_file
                               || ':' || s.source_line || ')'
            from stg_requests s
            where t.request_id = s.request_id and t.{ERR_FIELD} is null
              and t.request_date >= $s and t.request_date < $e""",
        window,
    )
    cols = ", ".join(quote(c) for c in CANONICAL_COLUMNS)
    con.execute(
        f"insert into stg_requests ({cols}) select {cols} from {SCRATCH} "
        f"where {ERR_FIELD} is null and {_IN_WINDOW}",
        window,
    )


def _insert_quarantine(con: duckdb.DuckDBPyConnection, window: dict[str, date]) -> None:
    """Quarantine the window's rejects and the undated ones."""
    con.execute(
        f"""insert into quarantine_requests ({", ".join(QUARANTINE_COLUMNS)})
            select source_file, source_line, left(request_id, {MAX_ID}), request_date,
                   {ERR_FIELD}, {ERR_REASON}
            from {SCRATCH}
            where {ERR_FIELD} is not null and (request_date is null or {_IN_WINDOW})""",
        window,
    )


def _count_files(
    con: duckdb.DuckDBPyConnection,
    window: dict[str, date],
    stats: list[FileStat],
    skipped: dict[str, int],
    repaired: dict[str, int],
) -> None:
    """Set each file's read, loaded, quarantined, outside, skipped and repaired counts."""
    counts = con.execute(
        f"""select source_file, count(*),
                   count(*) filter (where {ERR_FIELD} is null and {_IN_WINDOW}),
                   count(*) filter (where {ERR_FIELD} is not null
                                    and (request_date is null or {_IN_WINDOW})),
                   count(*) filter (where request_date is not null and not {_IN_WINDOW})
            from {SCRATCH} group by source_file""",
        window,
    ).fetchall()
    per_file = {r[0]: r[1:] for r in counts}
    for s in stats:
        s.rows_read, s.rows_loaded, s.rows_quarantined, s.rows_outside_window = per_file.get(
            s.path, (0, 0, 0, 0)
        )
        s.rows_skipped = skipped.get(s.path, 0)
        s.rows_read += s.rows_skipped
        s.fields_repaired = repaired.get(s.path, 0)


def _checked_totals(
    con: duckdb.DuckDBPyConnection, window: dict[str, date], stats: list[FileStat], skipped: int
) -> tuple[int, int, int, int]:
    """(read, loaded, quarantined, outside) of all files; raise if a record is unaccounted."""
    read = sum(s.rows_read for s in stats)
    loaded = sum(s.rows_loaded for s in stats)
    quarantined = sum(s.rows_quarantined for s in stats)
    outside = sum(s.rows_outside_window for s in stats)
    in_table = con.execute(
        "select count(*) from stg_requests where request_date >= $s and request_date < $e",
        window,
    ).fetchall()[0][0]
    if read != loaded + quarantined + skipped + outside or in_table != loaded:
        raise RuntimeError(
            f"row accounting broken for {window['s']}..{window['e']}: read {read} != loaded "
            f"{loaded} + quarantined {quarantined} + skipped {skipped} + outside window {outside}"
        )
    return read, loaded, quarantined, outside


def _audit(
    con: duckdb.DuckDBPyConnection,
    window: dict[str, date],
    totals: tuple[int, int, int, int],
    stats: list[FileStat],
) -> None:
    """One `ingest_audit` row for this load."""
    files = [dataclasses.asdict(s) for s in stats]
    con.execute(
        "insert into ingest_audit values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            window["s"],
            window["e"],
            *totals,
            json.dumps(files, default=str),
        ],
    )


def finish_window(
    con: duckdb.DuckDBPyConnection,
    stats: list[FileStat],
    start: date,
    end: date,
    unknown: pl.DataFrame,
) -> IngestStats:
    """Replace the window [start, end) with the scratch table's records, set the per-file
    counts in `stats`, and drop the scratch table; all or nothing."""
    window = {"s": start, "e": end}
    scanned = sorted(s.path for s in stats)
    con.execute("begin transaction")
    try:
        skipped = side_tables.move_skipped(con, SCRATCH, scanned)
        side_tables.replace_unknown(con, scanned, unknown)
        _reject_duplicates(con)
        _clear_window(con, window, scanned)
        _insert_window(con, window)
        repaired = side_tables.insert_repairs(con, SCRATCH, start, end)
        _insert_quarantine(con, window)
        _count_files(con, window, stats, skipped, repaired)
        n_skipped = sum(skipped.values())
        totals = _checked_totals(con, window, stats, n_skipped)
        _audit(con, window, totals, stats)
        con.execute(f"drop table {SCRATCH}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        con.execute(f"drop table if exists {SCRATCH}")
        raise
    return IngestStats(*totals, len(stats), n_skipped, sum(repaired.values()))
