"""Safe publishing: readers only ever see a complete warehouse and complete export files.

The pipeline builds `<output>/.work/warehouse.duckdb`. Publishing checkpoints it, copies it next to
the published file and renames the copy over `<output>/warehouse.duckdb` in one atomic step. A
reader that has the old file open keeps reading the old file; a run killed before the rename
leaves the last good warehouse in place.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
from datetime import UTC, date, datetime, timedelta
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
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def replace_folder_files(old: Path, new: Path) -> None:
    """Make folder `old` hold exactly the files of folder `new` (or vanish if `new` does not
    exist), one atomic rename per file: a reader listing `old` at any moment finds only complete
    files, and never an empty or missing day while new files are on their way."""
    if new.is_dir():
        old.mkdir(parents=True, exist_ok=True)
        incoming = {p.name for p in new.iterdir()}
        for name in sorted(incoming):
            (new / name).replace(old / name)
        for stale in old.iterdir():
            if stale.name not in incoming:
                if stale.is_dir():
                    shutil.rmtree(stale)
                else:
                    stale.unlink(missing_ok=True)
        shutil.rmtree(new, ignore_errors=True)
    elif old.exists():
        shutil.rmtree(old)


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
    # One plain COPY per day (no PARTITION_BY: it buffers every partition, which is the memory
    # peak of a big day); COPY reports the rows it wrote, so nothing is counted twice.
    written = 0
    day = start
    # Row order inside a day file carries no meaning (readers sort); letting DuckDB write row
    # groups in parallel instead of in table order makes the export ~1.5x faster on 2 cores.
    con.execute("set preserve_insertion_order = false")
    try:
        while day < end:
            folder = staging_dir / f"{partition_column}={day.isoformat()}"
            folder.mkdir(parents=True)
            rows = con.execute(
                f"copy (select * exclude ({partition_column}) from ({query}) "
                f"where {partition_column} = $d) to '{folder / 'part-0.parquet'}' "
                "(format parquet, compression zstd)",
                {"s": start, "e": end, "d": day},
            ).fetchall()[0][0]
            if not rows:  # a day with no rows has no folder, as before
                shutil.rmtree(folder)
            written += rows
            day += timedelta(days=1)
    finally:
        con.execute("reset preserve_insertion_order")
    target_dir.mkdir(parents=True, exist_ok=True)
    day = start
    # Replace each day's folder: old files for the window go, new ones arrive by rename.
    while day < end:
        name = f"{partition_column}={day.isoformat()}"
        replace_folder_files(target_dir / name, staging_dir / name)
        day += timedelta(days=1)
    shutil.rmtree(staging_dir, ignore_errors=True)
    return int(written)


def export_tables(con: duckdb.DuckDBPyConnection, names: list[str], target_dir: Path) -> dict:
    """Each table to `<target_dir>/<name>.parquet`, each file swapped in atomically."""
    target_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in names:
        tmp = target_dir / f".{name}.parquet.tmp-{os.getpid()}"
        con.execute(f"copy (select * from {name}) to '{tmp}' (format parquet, compression zstd)")
        tmp.replace(target_dir / f"{name}.parquet")
        row = con.execute(f"select count(*) from {name}").fetchone()
        written[name] = int(row[0]) if row else 0
    return written


# ---------------------------------------------------------------------------------------------
# Runs that did not finish (killed, machine lost): detect them and put things back.

RUN_MARKER = "run-in-progress.json"


class RunInProgressError(RuntimeError):
    """Another costline run is writing to the same output folder."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_marker(output_dir: Path) -> dict | None:
    """The marker of the run writing to `output_dir` (or of one that died), if any."""
    path = output_dir / ".work" / RUN_MARKER
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def running_elsewhere(marker: dict | None) -> bool:
    """Whether the marker belongs to a live process other than this one."""
    if not marker:
        return False
    pid = int(marker.get("pid", 0))
    if pid == os.getpid():
        return False
    if marker.get("host") != socket.gethostname():
        return True  # cannot tell: assume alive
    return pid > 0 and _pid_alive(pid)


def _owner_gone(path: Path) -> bool:
    """Whether the process whose pid ends the name (`.x.staging-<pid>`) is no longer running."""
    suffix = path.name.rsplit("-", 1)[-1]
    return not suffix.isdigit() or not _pid_alive(int(suffix))


def clean_leftovers(output_dir: Path) -> list[str]:
    """Remove staging folders and temp files left by dead processes, and put back a chargeback
    month a run died in the middle of swapping. Returns what was done."""
    done: list[str] = []
    if not output_dir.exists():
        return done
    for pattern in (".*.staging-*", "*/.*.staging-*", "*/*/.*.staging-*"):
        for path in output_dir.glob(pattern):
            if _owner_gone(path):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(True)
                done.append(f"removed {path}")
    for path in output_dir.rglob(".*.tmp-*"):
        if ".work" not in path.parts and path.is_file() and _owner_gone(path):
            path.unlink(missing_ok=True)
            done.append(f"removed {path}")
    for old in output_dir.glob("exports/*/.*.old-*"):
        if not _owner_gone(old):
            continue
        final = old.with_name(old.name[1:].split(".old-")[0])
        if final.exists():
            shutil.rmtree(old, ignore_errors=True)
            done.append(f"removed {old}")
        else:
            old.replace(final)
            done.append(f"restored {final}")
    return done


def restore_work_db(output_dir: Path) -> str:
    """Reset `.work/warehouse.duckdb` to the last published warehouse (or remove it when nothing
    was ever published), dropping whatever a dead run half-built."""
    work = output_dir / ".work" / "warehouse.duckdb"
    published = output_dir / "warehouse.duckdb"
    wal = work.with_name(work.name + ".wal")
    wal.unlink(missing_ok=True)
    if published.exists():
        atomic_copy(published, work)
        return f"restored {work} from {published}"
    work.unlink(missing_ok=True)
    return f"removed {work} (nothing published yet)"


def begin_run(output_dir: Path, run_id: str) -> list[str]:
    """Mark `output_dir` as being written by run `run_id` (idempotent within a run). If a run
    that died left its marker, first restore the work database and clean its leftovers.
    Raises RunInProgressError when a live run holds the folder. Returns the recovery steps."""
    work = output_dir / ".work"
    work.mkdir(parents=True, exist_ok=True)
    with (work / ".lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = read_marker(output_dir)
        if marker and marker.get("run_id") == run_id:
            return []
        if running_elsewhere(marker):
            raise RunInProgressError(
                f"another costline run (pid {marker['pid']}, started {marker.get('started_at')})"
                f" is writing to {output_dir}: wait for it to finish, or use another --output"
            )
        done = []
        if marker:
            done.append(f"previous run {marker.get('run_id')} did not finish")
            done.append(restore_work_db(output_dir))
        done += clean_leftovers(output_dir)
        tmp = work / f".{RUN_MARKER}.tmp"
        tmp.write_text(
            json.dumps(
                {
                    "run_id": run_id,
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            ),
            encoding="utf-8",
        )
        tmp.replace(work / RUN_MARKER)
    return done


def end_run(output_dir: Path, run_id: str) -> None:
    """The run ended (succeeded or failed with an error): drop its marker."""
    marker = read_marker(output_dir)
    if marker and marker.get("run_id") == run_id and int(marker.get("pid", 0)) == os.getpid():
        (output_dir / ".work" / RUN_MARKER).unlink(missing_ok=True)
