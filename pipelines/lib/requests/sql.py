"""Load a window of request logs straight into the warehouse, bounded in memory: the ingest
the pipeline runs (`stg_requests`).

`load_requests_sql(con, input_dir, start, end)` validates every record by the rule table
(`rules.py`) and replaces the window of `stg_requests` / `quarantine_requests` without holding
the window in Python:

- native Parquet files are validated by DuckDB SQL reading `read_parquet([...], filename=true,
  file_row_number=true)` (one statement per group of files with the same schema;
  `sql_sources`, `sql_select`);
- native JSONL(.gz) is cut into lines by Polars (128 MiB chunks: exact line numbers, BOM, CRLF,
  invalid UTF-8), then parsed (`json_extract`) and validated by the same SQL;
- every other file (CSV, other log formats through their adapter, Parquet files whose name
  holds glob characters) goes through the Polars engine (`read.py`, `normalise.py`) and is
  appended as Arrow;
- both land in the scratch table (`sql_scratch`), where duplicates, the window split and the
  per-file accounting are done in SQL, then the window of `stg_requests` /
  `quarantine_requests` is replaced in one transaction (`sql_window`).

The Polars test oracle (`oracle.read_requests` + `oracle_load.load_window`) does the same job
in memory; `tests/test_requests/hostile/test_sql_parity.py` checks both give the same tables.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq

from pipelines.lib.progress import Bar
from pipelines.lib.requests import side_tables, unknown_fields
from pipelines.lib.requests.adapters import load_mapping
from pipelines.lib.requests.adapters.mapping import Mapping
from pipelines.lib.requests.discover import discover
from pipelines.lib.requests.read import READ_ERRORS, file_stat, iter_file, read_error
from pipelines.lib.requests.result import NATIVE_FIELDS, FileStat, IngestStats
from pipelines.lib.requests.sql_scratch import (
    SCRATCH,
    ParquetGroups,
    append_frame,
    create_scratch,
    failed_parquet,
    file_error,
    insert_jsonl,
    insert_parquet,
)
from pipelines.lib.requests.sql_sources import kind_of
from pipelines.lib.requests.sql_window import finish_window
from pipelines.lib.requests.staging import ensure_tables

__all__ = ["load_requests_sql"]

# read_parquet() expands these; such (rare) file names are read by the Polars reader instead.
_GLOB = re.compile(r"[*?\[\]{}]")


class _Loader:
    """Puts each file's records into the scratch table (native Parquet: grouped for later)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        reader: duckdb.DuckDBPyConnection,
        now: datetime,
        mapping: Mapping,
    ) -> None:
        self.con, self.reader, self.now, self.mapping = con, reader, now, mapping
        self.stats: list[FileStat] = []
        self.parquet_groups: ParquetGroups = {}
        self.unknown: dict[str, tuple[list[unknown_fields.UnknownField], pl.DataFrame]] = {}

    def add(self, path: Path, rel: str, container: str) -> None:
        """Read one file; a file that cannot be read is one quarantine row."""
        stat = file_stat(path, rel, container)
        self.stats.append(stat)
        if stat.error is None:
            if stat.format == "native-parquet" and not _GLOB.search(str(path)):
                self._group_parquet(path, stat)
            else:
                self._insert(path, stat)
        if stat.error is not None:
            file_error(self.con, rel, stat.format, stat.error)

    def _group_parquet(self, path: Path, stat: FileStat) -> None:
        """Read the footer only: the records are read with the files of the same schema."""
        rel, fmt = stat.path, stat.format
        try:
            pl.read_parquet_schema(path)  # same error (and reason) as the Polars reader
            schema = pq.read_schema(path)
            self.unknown[rel] = unknown_fields.scan(path, rel, fmt, self.reader)
        except Exception as exc:  # any unreadable footer
            stat.error = read_error(fmt, exc)
            return
        kinds = tuple(
            (f, kind_of(schema.field(f).type)) for f in NATIVE_FIELDS if f in schema.names
        )
        self.parquet_groups.setdefault(kinds, []).append((str(path), rel))

    def _insert(self, path: Path, stat: FileStat) -> None:
        """Native JSONL through SQL, any other file through the Polars engine."""
        rel, fmt = stat.path, stat.format
        try:
            if fmt == "native-jsonl":
                insert_jsonl(self.con, path, rel, self.now)
            else:
                for frame in iter_file(path, rel, fmt, self.reader, self.now, self.mapping):
                    append_frame(self.con, frame)
            self.unknown[rel] = unknown_fields.scan(path, rel, fmt, self.reader)
        except duckdb.Error as exc:
            # A bug, not bad data (every cast is a try_cast): name the file, but do not
            # chain DuckDB's message, which may quote a raw value.
            raise RuntimeError(
                f"ingest failed on {rel} ({type(exc).__name__}); rerun "
                "pipelines.lib.requests.oracle.read_requests on it to compare"
            ) from None
        except READ_ERRORS as exc:
            stat.error = read_error(fmt, exc)

    def insert_parquet_groups(self) -> None:
        """Read the grouped Parquet files; mark those unreadable past their footer."""
        for kinds, files in self.parquet_groups.items():
            insert_parquet(self.con, dict(kinds), files, self.now)
        by_path = {s.path: s for s in self.stats}
        for rel in failed_parquet(self.con, self.parquet_groups):
            by_path[rel].error = "unreadable Parquet file"

    def apply_unknown(self) -> pl.DataFrame:
        """Quarantine the records with a typo of a token field; the unknown-field rows of the
        files read."""
        by_path = {s.path: s for s in self.stats}
        found = [u for rel, (f, _) in self.unknown.items() if not by_path[rel].error for u in f]
        for rel, (_, typos) in self.unknown.items():
            if not by_path[rel].error:
                unknown_fields.apply_sql(self.con, SCRATCH, rel, typos)
        return unknown_fields.frame_of(found)


def load_requests_sql(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    start: date,
    end: date,
    *,
    now: datetime | None = None,
) -> tuple[IngestStats, list[FileStat]]:
    """Replace [start, end) of stg_requests / quarantine_requests with the request logs under
    `<input_dir>/requests/`. Same reasons, accounting and idempotence as the test oracle
    (`oracle.read_requests` + `oracle_load.load_window`); returns the load stats and what
    happened to each file."""
    now = now or datetime.now(UTC)
    input_dir = Path(input_dir)
    mapping = load_mapping(input_dir / "catalog" / "mapping.toml")
    ensure_tables(con)
    side_tables.ensure(con)
    create_scratch(con)
    reader = duckdb.connect()
    loader = _Loader(con, reader, now, mapping)
    found_files = list(discover(input_dir))
    bar = Bar("reading request logs", sum(path.stat().st_size for path, _, _ in found_files))
    try:
        for path, rel, container in found_files:
            bar.advance(path.stat().st_size)
            loader.add(path, rel, container)
    finally:
        bar.close()
        reader.close()
    loader.insert_parquet_groups()
    unknown = loader.apply_unknown()
    return finish_window(con, loader.stats, start, end, unknown), loader.stats
