"""Throughput of read_requests: `python tests/test_ingest/bench_ingest.py [rows]`."""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.lib.ingest import read_requests


def generate(rows: int) -> pl.DataFrame:
    i = pl.int_range(0, rows, eager=True)
    return pl.DataFrame(
        {
            "request_id": "req-" + i.cast(pl.String),
            "timestamp": pl.repeat("2025-06-01T", rows, eager=True),
            "tenant_id": "tenant-" + (i % 500).cast(pl.String),
            "user_id": "user-" + (i % 10_000).cast(pl.String),
            "app": pl.repeat("support", rows, eager=True),
            "feature": "feature-" + (i % 40).cast(pl.String),
            "environment": pl.repeat("prod", rows, eager=True),
            "provider": pl.repeat("openai", rows, eager=True),
            "model": pl.repeat("gpt-4.1-mini", rows, eager=True),
            "session_id": "s-" + (i // 7).cast(pl.String),
            "input_tokens": 1000 + i % 5000,
            "cache_read_tokens": i % 900,
            "output_tokens": 100 + i % 700,
            "reasoning_tokens": i % 100,
            "latency_ms": 300 + i % 2000,
            "accepted": i % 3 == 0,
            "prompt": pl.repeat("some prompt text that must never be read", rows, eager=True),
        }
    ).with_columns(
        (
            pl.col("timestamp")
            + (pl.col("input_tokens") % 24).cast(pl.String).str.zfill(2)
            + ":"
            + (pl.col("output_tokens") % 60).cast(pl.String).str.zfill(2)
            + ":00.123+00:00"
        ).alias("timestamp")
    )


def main(rows: int) -> None:
    frame = generate(rows)
    for fmt in ("jsonl", "parquet"):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "requests"
            folder.mkdir()
            if fmt == "jsonl":
                frame.write_ndjson(folder / "day.jsonl")
            else:
                frame.write_parquet(folder / "day.parquet")
            t0 = time.perf_counter()
            result = read_requests(Path(tmp), date(2025, 6, 1), date(2025, 6, 2))
            took = time.perf_counter() - t0
            assert len(result.requests) == rows, result.quarantine.head()
            print(f"{fmt}: {rows:,} rows in {took:.2f} s = {rows / took:,.0f} rows/s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
