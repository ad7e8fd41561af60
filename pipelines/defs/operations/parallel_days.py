"""Scale-out on one machine: daily partitions built in parallel by Dagster's multiprocess
executor, each into its own output folder and work database (DuckDB allows one writer per
file), then combined into one Hive-partitioned lake.

`costline_days_parallel` fans out one `run_day` step per day; the executor runs up to
`max_concurrent` of them at once, each in its own process, where the whole daily pipeline runs
for that day (the same `costline_daily` job `costline run` executes). `combine_lake` then
places every day's Parquet partitions side by side under `<output_root>/lake` and checks the
lake's totals equal each day's own. On a cluster the same shape runs on the Kubernetes or
Celery executor (docs/benchmark.md, "Scale-out").
"""

import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lib.publish import lake


class ParallelDaysConfig(dg.Config):
    """Days [first_day, last_day]; `input_dir` may contain `{day}` (one input folder per day,
    so a step reads only its own files); outputs go to `<output_root>/days/<day>`."""

    first_day: str
    last_day: str
    input_dir: str
    output_root: str


@dg.op(out=dg.DynamicOut(dict))
def plan_days(config: ParallelDaysConfig):
    """One dynamic output per day of the range."""
    day = date.fromisoformat(config.first_day)
    last = date.fromisoformat(config.last_day)
    if last < day:
        raise dg.Failure(f"last_day {last} is before first_day {day}")
    while day <= last:
        text = day.isoformat()
        yield dg.DynamicOutput(
            {
                "day": text,
                "input": config.input_dir.format(day=text),
                "output": str(Path(config.output_root) / "days" / text),
            },
            mapping_key=text.replace("-", "_"),
        )
        day += timedelta(days=1)


@dg.op
def run_day(context: dg.OpExecutionContext, plan: dict) -> dg.Output[str]:
    """The whole daily pipeline for one day, in this step's process. Its inner run is an
    in-memory Dagster run: the instance's `duckdb` pool (one DuckDB writer at a time) guards
    one work database, and each day here has its own."""
    from pipelines.cli.run import run_pipeline

    day = date.fromisoformat(plan["day"])
    began = time.monotonic()
    code = run_pipeline(
        Path(plan["input"]), Path(plan["output"]), day, day, instance=dg.DagsterInstance.ephemeral()
    )
    if code != 0:
        raise dg.Failure(f"costline run for {day} exited with {code} (its log is in this step's)")
    published = Path(plan["output"]) / "warehouse.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        lines, cost = con.execute(
            "select count(*), coalesce(sum(contracted_cost), 0) from fct_cost_lines"
        ).fetchall()[0]
    context.log.info(f"{day}: {lines:,} cost lines in {time.monotonic() - began:.1f} s")
    return dg.Output(
        plan["output"],
        metadata={
            "day": plan["day"],
            "cost_lines": int(lines),
            "contracted_cost": str(cost),
            "seconds": round(time.monotonic() - began, 1),
        },
    )


@dg.op
def combine_lake(context: dg.OpExecutionContext, outputs: list[str]) -> dg.Output[str]:
    """Every day's partitions side by side in `<output_root>/lake`; fails unless the lake's
    lines and contracted cost per day equal the day runs' own published warehouses."""
    folders = sorted(Path(o) for o in outputs)
    root = folders[0].parent.parent / "lake"
    placed = lake.combine(folders, root)
    found = {row[0]: row[1:] for row in lake.totals(root).get("cost_lines", [])}
    expected = {}
    for folder in folders:
        with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
            for day, n, cost in con.execute(
                """select request_date::varchar, count(*)::varchar, sum(contracted_cost)::varchar
                   from fct_cost_lines group by all"""
            ).fetchall():
                expected[day] = [n, cost]
    if found != expected:
        raise dg.Failure(f"lake totals {found} differ from the day runs' {expected}")
    context.log.info(f"lake {root}: {placed} files, {len(found)} days, totals match")
    return dg.Output(
        str(root),
        metadata={"files": placed, "days": len(found), "totals": dg.MetadataValue.json(found)},
    )


# Days at once: `execution: config: max_concurrent` (default 4); each day's DuckDB takes up to
# its memory limit (COSTLINE_DUCKDB_MEMORY_LIMIT, 3 GB), so size it to the machine.
day_processes = dg.multiprocess_executor.configured(
    lambda config: {"max_concurrent": config["max_concurrent"]},
    config_schema={"max_concurrent": dg.Field(int, default_value=4)},
)


@dg.job(
    executor_def=day_processes,
    description="Build several days in parallel (one process per day) into a combined lake.",
)
def costline_days_parallel() -> None:
    combine_lake(plan_days().map(run_day).collect())
