"""Probes for the bottlenecks a benchmark run points at, on its published warehouse (read-only
copy): the blocking pandera schema check of a model, the cost-line export, and the same work
done differently (a bounded sample, SQL checks, COPY without ORDER BY or without a recount).

    .venv/bin/python -m benchmarks.probe /tmp/costline-bench/output-1000000-parquet [--tables ...]

Prints one line per probe (seconds, load); nothing is written except under a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks import harness
from pipelines.lib import warehouse
from schemas import registry


def _timed(label: str, fn, results: dict[str, float]) -> object:
    began = time.perf_counter()
    value = fn()
    seconds = round(time.perf_counter() - began, 3)
    results[label] = seconds
    sys.stdout.write(f"{seconds:8.2f} s  {label}  (load {harness.load()[0]})\n")
    sys.stdout.flush()
    return value


def probe(output_dir: Path, tables: list[str]) -> dict[str, float]:
    """Time the schema-check steps on each table, on a copy of the run's warehouse."""
    results: dict[str, float] = {}
    tmp = Path(tempfile.mkdtemp(prefix="costline-probe-"))
    db = tmp / "warehouse.duckdb"
    shutil.copyfile(output_dir / "warehouse.duckdb", db)
    con = duckdb.connect(str(db))
    try:
        for table in tables:
            n = warehouse.scalar(con, f"select count(*) from {table}")
            cols = len(warehouse.frame(con, f"select * from {table} limit 0").columns)
            sys.stdout.write(f"{table}: {n:,} rows x {cols} columns\n")
            frame = _timed(
                f"{table}: select * -> polars (schema check, part 1)",
                lambda t=table: warehouse.frame(con, f"select * from {t}"),
                results,
            )
            _timed(
                f"{table}: pandera validate_frame (schema check, part 2)",
                lambda t=table, f=frame: registry.validate_frame(t, f),
                results,
            )
            del frame
            sample = _timed(
                f"{table}: using sample 100000 rows -> polars",
                lambda t=table: warehouse.frame(
                    con, f"select * from {t} using sample reservoir(100000 rows) repeatable (7)"
                ),
                results,
            )
            _timed(
                f"{table}: pandera validate_frame on the 100k sample",
                lambda t=table, f=sample: registry.validate_frame(t, f),
                results,
            )
        if "fct_cost_lines" in tables:
            query = (
                "select * from fct_cost_lines order by request_date, tenant_id, timestamp_utc, "
                "request_id"
            )
            _timed(
                "cost_lines COPY with ORDER BY (as cost_lines_export)",
                lambda: con.execute(
                    f"copy ({query}) to '{tmp}/a' (format parquet, compression zstd, "
                    "partition_by (request_date), row_group_size 1000000)"
                ).fetchall(),
                results,
            )
            _timed(
                "cost_lines recount: select count(*) from (ordered query) (as cost_lines_export)",
                lambda: warehouse.scalar(con, f"select count(*) from ({query})"),
                results,
            )
            _timed(
                "cost_lines COPY without ORDER BY",
                lambda: con.execute(
                    f"copy (select * from fct_cost_lines) to '{tmp}/b' (format parquet, "
                    "compression zstd, partition_by (request_date), row_group_size 1000000)"
                ).fetchall(),
                results,
            )
            a = harness.parquet_bytes(tmp / "a")
            b = harness.parquet_bytes(tmp / "b")
            sys.stdout.write(f"cost_lines bytes: ordered {a:,}, unordered {b:,}\n")
            results["bytes_ordered"], results["bytes_unordered"] = a, b
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the probes on an output folder; print or write the timings."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probe", description=__doc__)
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--tables", default="fct_cost_lines,stg_requests,fct_focus_cost_and_usage")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    tables = [t for t in args.tables.split(",") if t and registry.has_model(t)]
    results = probe(args.output_dir, tables)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
