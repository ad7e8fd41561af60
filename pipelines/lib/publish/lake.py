"""The lake: per-partition Hive folders combined by readers, never by a merge job.

Daily partitions write disjoint folders (`cost_lines/request_date=D/`,
`focus/billing_period=M/charge_date=D/`), so runs that each built their own days combine by
placing their files side by side; DuckDB, Spark, Trino and Polars read the result with Hive
partitioning as one table.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

TABLES = ("cost_lines", "focus")

LAKE_QUERIES = {
    "cost_lines": """
        select request_date::varchar, count(*)::varchar as lines,
               sum(contracted_cost)::varchar as contracted_cost
        from read_parquet('{root}/cost_lines/*/*.parquet', hive_partitioning = true)
        group by all order by all""",
    "focus": """
        select billing_period::varchar, charge_date::varchar, count(*)::varchar as rows,
               sum(BilledCost)::varchar as billed_cost
        from read_parquet('{root}/focus/*/*/*.parquet', hive_partitioning = true)
        group by all order by all""",
}


def combine(outputs: list[Path], lake: Path) -> int:
    """Hard-link (copy across file systems) every run's Hive partitions into `lake`, replacing
    it; returns the files placed. Two runs holding the same partition is an error: partitions
    must be disjoint."""
    if lake.exists():
        shutil.rmtree(lake)
    placed = 0
    for out in outputs:
        for table in TABLES:
            for path in sorted((out / table).rglob("*.parquet")):
                target = lake / table / path.relative_to(out / table)
                if target.exists():
                    raise ValueError(f"{target.relative_to(lake)} comes from two runs")
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(path, target)
                except OSError:
                    shutil.copyfile(path, target)
                placed += 1
    return placed


def totals(root: Path) -> dict[str, list[list[str | None]]]:
    """Rows and money per partition of each lake table, as DuckDB's text of the exact values
    (compare with `::varchar` of the same sums elsewhere; NULL stays None)."""
    con = duckdb.connect()
    try:
        return {
            name: [list(row) for row in con.execute(q.format(root=root)).fetchall()]
            for name, q in LAKE_QUERIES.items()
            if list(root.glob(f"{name}/**/*.parquet"))
        }
    finally:
        con.close()
