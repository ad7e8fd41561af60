"""Safe publishing: readers only ever see a complete warehouse and complete export files.

The pipeline builds `<output>/.work/warehouse.duckdb`. Publishing checkpoints it, copies it next to
the published file and renames the copy over `<output>/warehouse.duckdb` in one atomic step. A
reader that has the old file open keeps reading the old file; a run killed before the rename
leaves the last good warehouse in place.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb


def atomic_copy(source: Path, target: Path) -> None:
    """Copy `source` to `target` so that `target` is never seen half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        shutil.copyfile(source, tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def publish_warehouse(work_db: Path, published_db: Path) -> int:
    """Checkpoint the work database and swap a copy into place; returns its size in bytes."""
    con = duckdb.connect(str(work_db))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    atomic_copy(work_db, published_db)
    return published_db.stat().st_size


def export_partitioned(
    con: duckdb.DuckDBPyConnection,
    query: str,
    target_dir: Path,
    partition_column: str,
    start: date,
    end: date,
) -> int:
    """Write `query` (already limited to [start, end)) as Hive-partitioned Parquet, replacing the
    window's day folders. Returns rows written."""
    staging_dir = target_dir.with_name(f".{target_dir.name}.staging-{os.getpid()}")
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir(parents=True)
    con.execute(
        f"copy ({query}) to '{staging_dir}' (format parquet, compression zstd, "
        f"partition_by ({partition_column}), filename_pattern 'part-{{i}}', "
        "row_group_size 1000000)",
        {"s": start, "e": end},
    )
    row = con.execute(f"select count(*) from ({query})", {"s": start, "e": end}).fetchone()
    target_dir.mkdir(parents=True, exist_ok=True)
    day = start
    # Replace each day's folder: old files for the window go, new ones arrive by rename.
    while day < end:
        name = f"{partition_column}={day.isoformat()}"
        old = target_dir / name
        new = staging_dir / name
        if old.exists():
            shutil.rmtree(old)
        if new.exists():
            os.replace(new, old)
        day += timedelta(days=1)
    shutil.rmtree(staging_dir, ignore_errors=True)
    return int(row[0]) if row else 0


def export_tables(con: duckdb.DuckDBPyConnection, names: list[str], target_dir: Path) -> dict:
    """Each table to `<target_dir>/<name>.parquet`, each file swapped in atomically."""
    target_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in names:
        tmp = target_dir / f".{name}.parquet.tmp-{os.getpid()}"
        con.execute(f"copy (select * from {name}) to '{tmp}' (format parquet, compression zstd)")
        os.replace(tmp, target_dir / f"{name}.parquet")
        row = con.execute(f"select count(*) from {name}").fetchone()
        written[name] = int(row[0]) if row else 0
    return written
