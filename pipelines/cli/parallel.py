"""`costline parallel`: several days at once, combined into `<output>/lake`.

Each day is one partition run of the daily job (`costline_daily`, partition key = the day),
recorded in the Dagster instance like any run, with that day's input and output folders in the
`costline` resource's run config. Up to `--jobs` worker processes each execute one day's run at
a time (its steps in that process, as `costline run` does); each day has its own output folder
and work database, because DuckDB allows one writer per file. The days' lakes are then combined
and their totals checked (`pipelines.lib.operations.day_lake`).
"""

from __future__ import annotations

import multiprocessing
import shutil
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.lib.operations.day_lake import DayFolders, LakeTotalsError, combine_days, plan_days
from pipelines.settings import Settings

if TYPE_CHECKING:
    import dagster as dg

ROOT = Path(__file__).resolve().parents[2]
# DuckDB steps take this pool; the days' work databases differ, so each day may hold a slot.
DUCKDB_POOL = "duckdb"


class DayRefused(RuntimeError):
    """A day that cannot run at all; the message says why."""


@dataclass(frozen=True)
class DayRun:
    """How one day's partition run ended."""

    day: str
    run_id: str
    ok: bool


def daily_job(input_dir: str, output_dir: str, partitions_start: str) -> dg.JobDefinition:
    """The daily job with partitions from `partitions_start`: what each worker process rebuilds
    (Dagster reconstructs a job from an importable function and JSON arguments)."""
    from pipelines.definitions import build_defs
    from pipelines.defs.jobs import DAILY_JOB_NAME

    settings = Settings(Path(input_dir), Path(output_dir), partitions_start)
    return build_defs(settings).resolve_job_def(DAILY_JOB_NAME)


def _instance_home(output_root: Path, environ: Mapping[str, str], jobs: int) -> str:
    """$DAGSTER_HOME, else a home under `<output>/.dagster` with the project's dagster.yaml whose
    `duckdb` pool lets every day hold a slot (one run per day, each its own work database)."""
    import dagster as dg

    if environ.get("DAGSTER_HOME"):
        return environ["DAGSTER_HOME"]
    home = output_root.resolve() / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.event_log_storage.set_concurrency_slots(DUCKDB_POOL, jobs)
    return str(home)


def _day_settings(plan: DayFolders, environ: Mapping[str, str]) -> Settings:
    """The day's settings: its folders, and the COSTLINE_* ones `costline parallel` was given."""
    costline = {k: v for k, v in environ.items() if k.startswith("COSTLINE_")}
    return Settings.from_env(
        costline, input_dir=plan.input_dir, output_dir=plan.output_dir, progress=True
    )


def run_day(home: str, day: str, settings: Settings) -> DayRun:
    """One day's partition run of the daily job, in this process, recorded in `home`'s
    instance; the day's output folder is locked for the run."""
    import dagster as dg
    from dagster._core.storage.tags import PARTITION_NAME_TAG

    from pipelines.cli.run import QUIET_LOGS
    from pipelines.lib import publish

    resource = settings.resource_config()
    job = dg.build_reconstructable_job(
        __name__,
        daily_job.__name__,
        reconstructable_kwargs={
            "input_dir": resource["input_dir"],
            "output_dir": resource["output_dir"],
            "partitions_start": settings.partitions_start,
        },
    )
    run_config = {
        **QUIET_LOGS,
        "execution": {"config": {"in_process": {}}},
        "resources": {"costline": {"config": resource}},
    }
    lock = publish.lock_output(settings.output_dir, f"costline parallel {day}")
    try:
        with dg.DagsterInstance.from_config(home) as instance:
            result = dg.execute_job(
                job, instance, run_config=run_config, tags={PARTITION_NAME_TAG: day}
            )
            clean = _print_findings(day, result.get_asset_check_evaluations())
            ok = result.success and clean
            if not result.success:
                _print_step_failures(day, result.all_events)
        if not result.success:
            # Nothing half-built may reach a later publish: back to the last published warehouse.
            publish.restore_work_db(settings.output_dir)
        return DayRun(day, result.run_id, ok)
    finally:
        lock.release()


def _print_step_failures(day: str, events: Sequence) -> None:
    """One line per failed step, worded as `costline run` words it."""
    from pipelines.cli.run import failure_line

    for event in events:
        if event.is_step_failure:
            line = failure_line(event.step_key, event.step_failure_data.error)
            print(f"costline parallel: {day}: {line}", file=sys.stderr)


def _not_runnable(plan: DayFolders, settings: Settings) -> str | None:
    """Why the day cannot run at all (what `costline run` refuses before starting), or None."""
    if not (plan.input_dir / "requests").is_dir():
        return f"{plan.input_dir}: no requests/ folder (see README 'Input contract')"
    if plan.day < date.fromisoformat(settings.partitions_start):
        return f"{plan.day} is before the first partition {settings.partitions_start}"
    return None


def _submit(
    pool: ProcessPoolExecutor, home: str, plan: DayFolders, environ: Mapping[str, str]
) -> Future:
    """The day's run in a worker process, or at once a failed future if it cannot run."""
    settings = _day_settings(plan, environ)
    reason = _not_runnable(plan, settings)
    if reason is None:
        return pool.submit(run_day, home, plan.day.isoformat(), settings)
    refused: Future = Future()
    refused.set_exception(DayRefused(reason))
    return refused


def _print_findings(day: str, evaluations: Sequence[object]) -> bool:
    """Print the day's failed checks in plain words; False if any of them blocks."""
    from pipelines.cli.check_lines import check_lines

    findings = check_lines(evaluations)
    for finding in findings:
        print(f"{day}: {finding.text()}", file=sys.stderr)
    return not any(f.blocking for f in findings)


def _run_days(home: str, plans: list[DayFolders], jobs: int, environ: Mapping[str, str]):
    """Every day's run, up to `jobs` worker processes at once; their DayRuns in day order."""
    # Spawned, not forked: a worker starts clean of this process's Dagster and DuckDB handles.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(plans))), mp_context=context) as pool:
        futures = [_submit(pool, home, p, environ) for p in plans]
        return [_outcome(p.day.isoformat(), f) for p, f in zip(plans, futures, strict=True)]


def _outcome(day: str, future: Future) -> DayRun:
    """The day's DayRun; a run Dagster could not start at all counts as failed, with its error."""
    try:
        return future.result()
    except Exception as exc:  # reported as the day's failure, like a failed run
        why = str(exc) if isinstance(exc, DayRefused) else f"{type(exc).__name__}: {exc}"
        print(f"costline parallel: {day}: {why}", file=sys.stderr)
        return DayRun(day, "", False)


def _combine(runs: list[DayRun], plans: list[DayFolders], lake: Path) -> bool:
    """Combine the days into `lake` once every day's run succeeded; False on any failure."""
    for run in runs:
        if not run.ok:
            which = f"Dagster run {run.run_id}" if run.run_id else "not started"
            print(f"costline parallel: {run.day} failed ({which})", file=sys.stderr)
    if not all(run.ok for run in runs):
        return False
    try:
        placed, found = combine_days([p.output_dir for p in plans], lake)
    except LakeTotalsError as exc:
        print(f"costline parallel: {exc}", file=sys.stderr)
        return False
    print(
        f"costline parallel: lake {lake}: {placed} files, {len(found)} days, totals match",
        file=sys.stderr,
    )
    return True


def run_parallel(
    input_dir: str,
    output_root: Path,
    start: date,
    end: date,
    jobs: int,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Build [start, end] (inclusive), up to `jobs` days at once; returns the exit code.
    `input_dir` may contain `{day}` for one input folder per day; `environ`'s COSTLINE_*
    settings (thresholds, memory limit) apply to every day, its DAGSTER_HOME records the runs."""
    if end < start:
        print(f"costline: --to {end} is before --from {start}", file=sys.stderr)
        return 2
    environ = environ or {}
    plans = plan_days(start, end, input_dir, output_root.resolve())
    home = _instance_home(output_root, environ, jobs)
    runs = _run_days(home, plans, jobs, environ)
    lake = output_root / "lake"
    ok = _combine(runs, plans, lake)
    print(
        f"costline parallel {start} .. {end}: {'done' if ok else 'FAILED'}; "
        f"days in {output_root / 'days'}, combined lake in {lake}",
        file=sys.stderr,
    )
    return 0 if ok else 1
