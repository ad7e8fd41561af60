"""The first daily partition when `COSTLINE_PARTITIONS_START` is not set: the day before the
earliest request timestamp in the input, so Dagster lists the days the data covers (not years of
empty days) and `costline run` accepts every day of the input.

Cheap by design, because every process that loads the definitions asks: Parquet row-group
statistics, one streamed regex pass over JSON lines, one column of a CSV; the result is cached
per process until a request file changes. The day before the earliest local date is taken because
a timestamp with a positive UTC offset may fall on the previous UTC day. Without any request
record the first day of the current UTC month is used.
"""

from __future__ import annotations

import gzip
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

_DAY = re.compile(rb'"timestamp"\s*:\s*"(\d{4}-\d{2}-\d{2})')
_CHUNK = 16 * 1024 * 1024
_OVERLAP = 128  # bytes kept between chunks so a timestamp split by a chunk edge is still seen
_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet", ".csv")


def first_partition_day(input_dir: Path | str) -> str:
    """ISO day of the first partition for the request logs under `<input_dir>/requests`."""
    requests = Path(input_dir) / "requests"
    files = (
        tuple(
            (str(p), p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(requests.rglob("*"))
            if p.name.endswith(_SUFFIXES) and p.is_file()
        )
        if requests.is_dir()
        else ()
    )
    earliest = _earliest_day(files)
    if earliest is None:
        return datetime.now(UTC).date().replace(day=1).isoformat()
    return (earliest - timedelta(days=1)).isoformat()


@lru_cache(maxsize=8)
def _earliest_day(files: tuple[tuple[str, int, int], ...]) -> date | None:
    days = [d for d in (_first_in(Path(path)) for path, _, _ in files) if d is not None]
    return min(days) if days else None


def _first_in(path: Path) -> date | None:
    try:
        if path.name.endswith(".parquet"):
            text = _first_in_parquet(path)
        elif path.name.endswith(".csv"):
            text = _first_in_csv(path)
        else:
            text = _first_in_jsonl(path)
        return date.fromisoformat(text[:10]) if text else None
    except (OSError, EOFError, ValueError, LookupError):
        return None  # unreadable or odd files are reported by ingest, not here


def _first_in_jsonl(path: Path) -> str | None:
    opener = gzip.open if path.name.endswith(".gz") else Path.open
    first: bytes | None = None
    tail = b""
    with opener(path, "rb") as handle:  # type: ignore[operator]
        while chunk := handle.read(_CHUNK):
            found = _DAY.findall(tail + chunk)
            if found:
                candidate = min(found)
                first = candidate if first is None else min(first, candidate)
            tail = chunk[-_OVERLAP:]
    return first.decode() if first else None


def _first_in_parquet(path: Path) -> str | None:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    if "timestamp" not in names:
        return None
    index = names.index("timestamp")
    lows = []
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            return _first_by_scan(path)
        lows.append(stats.min)
    if not lows:
        return None
    low = min(lows)
    return low.isoformat() if isinstance(low, datetime | date) else str(low)


def _first_by_scan(path: Path) -> str | None:
    import polars as pl

    value = pl.scan_parquet(path).select(pl.col("timestamp").cast(pl.String).min()).collect()
    return value.item()


def _first_in_csv(path: Path) -> str | None:
    import polars as pl

    frame = pl.read_csv(path, columns=["timestamp"], infer_schema=False)
    days = frame["timestamp"].str.strip_chars().str.slice(0, 10).drop_nulls()
    return days.min() if len(days) else None  # type: ignore[return-value]
