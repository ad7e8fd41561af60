"""Find the days a folder of request logs covers, cheaply, so `costline run` needs no dates."""

from __future__ import annotations

import gzip
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from pipelines.lib.progress import Bar

# Local day, hour and minute, and the UTC offset (absent or Z = UTC) of an RFC 3339 timestamp.
_STAMP = r"(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})[^\"]*?(Z|z|[+-]\d{2}:?\d{2})?"
_JSON_STAMP = re.compile(rb'"timestamp"\s*:\s*"' + _STAMP.encode() + rb'"')
_TEXT_STAMP = re.compile("^" + _STAMP + "$")
_UTC = ("", "Z", "z", "+00:00", "-00:00", "+0000", "-0000")

# (local day, hour, minute, offset); a UTC timestamp is kept as (day, "", "", "").
Stamp = tuple[str, str, str, str]


def _stamp(day: str, hour: str, minute: str, offset: str) -> Stamp:
    return (day, "", "", "") if offset in _UTC else (day, hour, minute, offset)


def _utc_day(stamp: Stamp) -> date | None:
    """The UTC day of a local timestamp (a local day may fall on the neighbouring UTC day)."""
    day, hour, minute, offset = stamp
    try:
        local = date.fromisoformat(day)
        if not offset:
            return local
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = datetime.combine(local, datetime.min.time()) + timedelta(
            hours=int(hour), minutes=int(minute)
        )
        return (moment - sign * shift).date()
    except (ValueError, OverflowError):
        return None  # out of range: ingest quarantines it with a reason


def _stamps_in_jsonl(path: Path) -> set[Stamp]:
    opener = gzip.open if path.name.endswith(".gz") else Path.open
    try:
        with opener(path, "rb") as handle:  # type: ignore[operator]
            return {_stamp(*(g.decode() for g in m)) for m in _JSON_STAMP.findall(handle.read())}
    except (OSError, EOFError):
        return set()  # unreadable files are reported by ingest, not here


def _stamps_in_table(path: Path) -> set[Stamp]:
    try:
        if path.suffix == ".parquet":
            column = pl.read_parquet(path, columns=["timestamp"])["timestamp"]
        else:
            column = pl.read_csv(path, columns=["timestamp"], infer_schema=False)["timestamp"]
        if isinstance(column.dtype, pl.Datetime):
            if column.dtype.time_zone:
                column = column.dt.convert_time_zone("UTC")
            days = column.dt.date().drop_nulls().unique()
            return {(d.isoformat(), "", "", "") for d in days}
        found = set()
        for text in column.cast(pl.String).drop_nulls().unique():
            match = _TEXT_STAMP.match(text.strip())
            if match:
                found.add(_stamp(*(g or "" for g in match.groups())))
        return found
    except Exception:  # unreadable or missing column: ingest quarantines it with a reason
        return set()


def detect_request_window(requests_dir: Path) -> tuple[date, date] | None:
    """First and last UTC day (inclusive) of the request records: each timestamp is moved to
    UTC by its own offset, so the window is exactly the data's days, never padded."""
    files = [
        p
        for p in sorted(requests_dir.rglob("*"))
        if p.name.endswith((".jsonl", ".jsonl.gz", ".parquet", ".csv")) and p.is_file()
    ]
    stamps: set[Stamp] = set()
    with Bar("scanning request logs for their days", sum(p.stat().st_size for p in files)) as bar:
        for path in files:
            if path.name.endswith((".jsonl", ".jsonl.gz")):
                stamps |= _stamps_in_jsonl(path)
            else:
                stamps |= _stamps_in_table(path)
            bar.advance(path.stat().st_size)
    days = sorted(d for d in (_utc_day(s) for s in stamps) if d is not None)
    if not days:
        return None
    return days[0], days[-1]
