"""One run at a time per output folder: an OS lock (flock) on `<output>/.work/run.lock`.

The lock is held for the whole run. The kernel drops it when the holder dies, so it is never left
stale; the file also holds the holder's pid and start time for the message, and is emptied on
release, so finding it non-empty when the lock is free means its process is gone.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

RUN_LOCK = "run.lock"


class RunInProgressError(RuntimeError):
    """Another costline run is writing to the same output folder."""


_HELD: dict[Path, OutputLock] = {}


@dataclass
class OutputLock:
    """The lock of one output folder, held by this process until `release()`."""

    path: Path
    handle: IO[str]
    # What the previous holder wrote, when its process died holding the folder.
    taken_over: dict | None

    def release(self) -> None:
        """Empty the holder file and drop the lock."""
        _HELD.pop(self.path, None)
        if self.handle.closed:
            return
        try:
            self.handle.seek(0)
            self.handle.truncate()
            self.handle.flush()
        finally:
            self.handle.close()  # closing the file drops the flock


def holder_record(run_id: str) -> dict:
    """What a run writes about itself in the lock file and the run marker."""
    return {
        "run_id": run_id,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _read_holder(text: str) -> dict | None:
    """The holder record; None for an empty file, {} for one cut short by a crash."""
    if not text.strip():
        return None
    try:
        holder = json.loads(text)
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def busy_message(output_dir: Path, holder: dict | None) -> str:
    """'another run (pid N, started T) is writing OUT', with what to do."""
    holder = holder or {}
    return (
        f"another run (pid {holder.get('pid', 'unknown')}, started "
        f"{holder.get('started_at', 'just now')}) is writing {output_dir}: wait for it to "
        "finish, or use another --output"
    )


def lock_output(output_dir: Path, run_id: str = "") -> OutputLock:
    """Take the output folder's run lock without waiting; RunInProgressError names the holder."""
    path = (output_dir / ".work" / RUN_LOCK).resolve()
    if path in _HELD:
        return _HELD[path]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = _read_holder(handle.read())
        handle.close()
        raise RunInProgressError(busy_message(output_dir, holder)) from None
    handle.seek(0)
    previous = _read_holder(handle.read())
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(holder_record(run_id)))
    handle.flush()
    lock = OutputLock(path, handle, previous)
    _HELD[path] = lock
    return lock


def check_output_lock(output_dir: Path, run_id: str) -> None:
    """Raise RunInProgressError if another run than `run_id` holds the folder's lock (for runs
    Dagster launches itself, whose steps may each be a process: they only look, never hold)."""
    path = (output_dir / ".work" / RUN_LOCK).resolve()
    if path in _HELD or not path.exists():
        return
    with path.open("r", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(handle.read())
            if (holder or {}).get("run_id") != run_id:
                raise RunInProgressError(busy_message(output_dir, holder)) from None
