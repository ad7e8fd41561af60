"""Find the days a folder of request logs covers, cheaply, so `costline run` needs no dates."""

from __future__ import annotations

import gzip
import re
from datetime import date, timedelta
from pathlib import Path

import polars as pl

_DAY = re.compile(rb'"timestamp"\s*:\s*"(\d{4}-\d{2}-\d{2})')


def _days_in_jsonl(path: Path) -> set[str]:
    opener = gzip.open if path.name.endswith(".gz") else Path.open
    try:
        with opener(path, "rb") as handle:  # type: ignore[operator]
            return {m.decode() for m in _DAY.findall(handle.read())}
    except (OSError, EOFError):
        return set()  # unreadable files are reported by ingest, not here


def _days_in_table(path: Path) -> set[str]:
    try:
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path, columns=["timestamp"])
        else:
            frame = pl.read_csv(path, columns=["timestamp"], infer_schema=False)
        return set(frame["timestamp"].cast(pl.String).str.slice(0, 10).drop_nulls().unique())
    except Exception:  # unreadable or missing column: ingest quarantines it with a reason
        return set()


def detect_request_window(requests_dir: Path) -> tuple[date, date] | None:
    """First and last UTC day (inclusive) of the request records, widened by a day on each side
    because a local date may fall on the neighbouring UTC day."""
    days: set[str] = set()
    for path in sorted(requests_dir.rglob("*")):
        name = path.name
        if name.endswith((".jsonl", ".jsonl.gz")):
            days |= _days_in_jsonl(path)
        elif name.endswith((".parquet", ".csv")):
            days |= _days_in_table(path)
    parsed = sorted(d for d in (_safe_day(x) for x in days) if d is not None)
    if not parsed:
        return None
    return parsed[0] - timedelta(days=1), parsed[-1] + timedelta(days=1)


def _safe_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
