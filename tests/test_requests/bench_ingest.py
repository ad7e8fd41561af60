"""Ingest throughput, one format and one path per process (so peak RSS is that run's):

    python tests/test_requests/bench_ingest.py ROWS FORMAT [PATH [DUCKDB_MEMORY_LIMIT]]

FORMAT: parquet | jsonl | csv. PATH: `sql` (default; `load_requests_sql`, what the asset runs)
or `polars` (`read_requests` + `oracle_load.load_window`). Input comes from
`pipelines.lib.sample.generate_requests_frame` (cached under /tmp/costline-bench/). Reports wall
time, CPU time (user + sys; rows per CPU-second x 2 is what two free cores would do) and peak
RSS. Run it under `/usr/bin/time -v` for the same figures from outside.
"""

from __future__ import annotations

import dataclasses
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from pipelines.lib.requests import oracle_load
from pipelines.lib.requests.oracle import read_requests
from pipelines.lib.requests.sql import load_requests_sql
from pipelines.lib.sample import generate_requests_frame

START, END = date(2025, 6, 1), date(2025, 6, 2)
CACHE = Path("/tmp/costline-bench")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _input(rows: int, fmt: str) -> Path:
    root = CACHE / f"{fmt}-{rows}"
    target = root / "requests" / f"day.{fmt}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        frame = generate_requests_frame(START, END, rows, 7)
        {"parquet": frame.write_parquet, "jsonl": frame.write_ndjson, "csv": frame.write_csv}[fmt](
            target
        )
    return root


def main(rows: int, fmt: str, path: str, memory_limit: str | None = None) -> None:
    root = _input(rows, fmt)
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "w.duckdb"))
        if memory_limit:
            con.execute(f"set memory_limit = '{memory_limit}'")
        t0, c0 = time.perf_counter(), _cpu()
        if path == "sql":
            stats, _ = load_requests_sql(con, root, START, END)
        else:
            result = read_requests(root, START, END)
            files = [dataclasses.asdict(f) for f in result.files]
            stats = oracle_load.load_window(
                con,
                result.requests,
                result.quarantine,
                result.rows_read,
                result.rows_outside_window,
                files,
                START,
                END,
            )
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        con.close()
    assert stats.rows_loaded == rows, stats
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{fmt} via {path}: {rows:,} rows, wall {wall:.2f} s ({rows / wall:,.0f} rows/s), "
        f"cpu {cpu:.2f} s ({2 * rows / cpu:,.0f} rows/s on 2 free cores), peak RSS {peak:,.0f} MB"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        int(args[0]) if args else 1_000_000,
        args[1] if len(args) > 1 else "parquet",
        args[2] if len(args) > 2 else "sql",
        args[3] if len(args) > 3 else None,
    )
