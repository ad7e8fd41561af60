"""Runs that did not finish (killed, machine lost): the run marker, and putting things back.

`begin_run` claims the output folder for a run; if the previous run died, it first finishes or
discards that run's publish, restores the work database and removes its leftovers.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
from pathlib import Path

from pipelines.lib.publish.commit import recover_publish
from pipelines.lib.publish.lock import (
    RunInProgressError,
    busy_message,
    check_output_lock,
    holder_record,
)

RUN_MARKER = "run-in-progress.json"


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


def _remove_dead_temp_files(output_dir: Path) -> list[str]:
    """Staging folders and temp files whose process is gone."""
    done: list[str] = []
    for pattern in (".*.staging-*", "*/.*.staging-*", "*/*/.*.staging-*"):
        for path in output_dir.glob(pattern):
            if _owner_gone(path):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(True)
                done.append(f"removed {path}")
    for path in output_dir.rglob(".*.tmp-*"):
        if ".work" not in path.parts and path.is_file() and _owner_gone(path):
            path.unlink(missing_ok=True)
            done.append(f"removed {path}")
    return done


def _restore_swapped_months(output_dir: Path) -> list[str]:
    """Put back a chargeback month a dead run was swapping (`exports/*/.<month>.old-<pid>`)."""
    done: list[str] = []
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


def clean_leftovers(output_dir: Path) -> list[str]:
    """Remove staging folders and temp files left by dead processes, and put back a chargeback
    month a run died in the middle of swapping. Returns what was done."""
    if not output_dir.exists():
        return []
    return _remove_dead_temp_files(output_dir) + _restore_swapped_months(output_dir)


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
    check_output_lock(output_dir, run_id)
    with (work / ".lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = read_marker(output_dir)
        if marker and marker.get("run_id") == run_id:
            return []
        if running_elsewhere(marker):
            raise RunInProgressError(busy_message(output_dir, marker))
        # before the work database is reset: a committed publish is finished with its own copy
        done = recover_publish(output_dir, run_id)
        if marker:
            done.append(f"previous run {marker.get('run_id')} did not finish")
            done.append(restore_work_db(output_dir))
        done += clean_leftovers(output_dir)
        tmp = work / f".{RUN_MARKER}.tmp"
        tmp.write_text(json.dumps(holder_record(run_id)), encoding="utf-8")
        tmp.replace(work / RUN_MARKER)
    return done


def end_run(output_dir: Path, run_id: str) -> None:
    """The run ended (succeeded or failed with an error): drop its marker."""
    marker = read_marker(output_dir)
    if marker and marker.get("run_id") == run_id and int(marker.get("pid", 0)) == os.getpid():
        (output_dir / ".work" / RUN_MARKER).unlink(missing_ok=True)
