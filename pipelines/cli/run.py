"""`costline run`: the nightly job, in-process, over a range of days, with a closing summary."""

from __future__ import annotations

import os
import re
import sys
import time
import uuid
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.lib import progress, publish
from pipelines.lib.operations.request_window import detect_request_window
from pipelines.settings import Settings

# Step failures are reported below as one line each; Dagster's own log would add tracebacks.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class RunError(RuntimeError):
    """A problem the user can fix; the message says how."""


def _check_input(input_dir: Path) -> None:
    if not input_dir.is_dir():
        raise RunError(
            f"input folder {input_dir} not found. Point --input at a folder holding requests/, "
            "catalog/prices.csv and catalog/tenants.csv (see README 'Input contract')."
        )
    if not (input_dir / "requests").is_dir():
        raise RunError(
            f"{input_dir}: no requests/ folder. Point --input at a folder holding requests/ "
            "(and catalog/prices.csv, catalog/tenants.csv); see README 'Input contract'."
        )
    for name in ("prices.csv", "tenants.csv"):
        if not (input_dir / "catalog" / name).is_file():
            raise RunError(
                f"{input_dir / 'catalog' / name} is missing. Add it (columns in README "
                "'Input contract'; a header line alone is allowed) and run again."
            )


def _claim_output(output_dir: Path, run_id: str) -> publish.OutputLock:
    """Check the output folder is writable, then hold its run lock for the whole run (an OS
    lock: a second run on the same folder stops at once, and a run that died leaves none)."""
    _check_writable(output_dir)
    try:
        lock = publish.lock_output(output_dir, run_id)
    except publish.RunInProgressError as exc:
        raise RunError(f"{exc}.") from None
    try:
        if lock.taken_over is not None:
            gone = lock.taken_over
            print(
                f"costline: took over {output_dir}: the run that held it (pid "
                f"{gone.get('pid', 'unknown')}, started {gone.get('started_at', 'unknown')}) "
                "is gone; this run takes over and recovers what it left.",
                file=sys.stderr,
            )
        _check_no_other_writer(output_dir)
    except BaseException:
        lock.release()
        raise
    return lock


def _check_writable(output_dir: Path) -> None:
    work = output_dir / ".work"
    try:
        work.mkdir(parents=True, exist_ok=True)
        probe = work / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RunError(
            f"cannot write to the output folder {output_dir} ({exc.strerror or exc}). "
            "Choose a writable --output, or fix the folder's permissions."
        ) from None


def _check_no_other_writer(output_dir: Path) -> None:
    """No run started outside `costline run` (a `dagster dev` run) and no other connection
    writes to the folder."""
    marker = publish.read_marker(output_dir)
    if publish.running_elsewhere(marker):
        raise RunError(f"{publish.busy_message(output_dir, marker)}.")
    work_db = output_dir / ".work" / "warehouse.duckdb"
    if work_db.exists():
        import duckdb

        try:
            duckdb.connect(str(work_db)).close()
        except duckdb.Error as exc:
            if "lock" not in str(exc).lower():
                raise
            raise RunError(_locked_message(work_db, str(exc))) from None


def _locked_message(path: Path | str, error: str) -> str:
    holder = re.search(r"PID (\d+)", error)
    who = f"process {holder.group(1)}" if holder else "another process"
    return (
        f"{path} is locked by {who}. Close that connection (open the published "
        "<output>/warehouse.duckdb read-only instead) or wait for that run to end, then run again."
    )


def _check_window(start: date, end: date, partitions_start: str) -> None:
    if end < start:
        raise RunError(f"--to {end} is before --from {start}: give --from <= --to.")
    first = date.fromisoformat(partitions_start)
    if start < first:
        raise RunError(
            f"--from {start} is before the first partition {first}. Run from {first} or later, "
            f"or set COSTLINE_PARTITIONS_START={start} (partitions start on that day)."
        )


# Exceptions whose message names the file, line and field to fix (raised by the assets).
USER_ERRORS = {
    "CatalogError",
    "InvoiceError",
    "FxError",
    "MappingError",
    "BadField",
    "RunError",
    "RunInProgressError",
    "WarehouseSchemaError",
}


def _root_cause(info):
    """The error to show for a step failure: the first user-fixable error in the chain, else the
    first that is not Dagster's own wrapper."""
    chain = []
    while info is not None and len(chain) < 20:
        chain.append(info)
        info = info.cause or info.context
    for item in chain:
        if item.cls_name in USER_ERRORS:
            return item
    for item in chain:
        if not item.cls_name.startswith("Dagster"):
            return item
    return chain[0] if chain else None


def failure_line(step_key: str, info) -> str:
    """One line that says why a step failed and what to do (shared with `costline parallel`)."""
    cause = _root_cause(info)
    if cause is None:
        return f"step {step_key} failed (see the Dagster run log)."
    message = cause.message.strip().splitlines()[0] if cause.message.strip() else cause.cls_name
    message = re.sub(rf"^[\w.]*\b{re.escape(cause.cls_name)}: ", "", message)
    if cause.cls_name in USER_ERRORS:
        return f"{message} — fix it and run again (step {step_key})."
    if cause.cls_name == "DagsterAssetCheckFailedError":
        return (
            f"a blocking check of {step_key} failed (the 'check failed' line above says which "
            "and why): fix the input or the catalog, then run again."
        )
    if "could not set lock" in message.lower():
        return f"{_locked_message('the work warehouse', message)} (step {step_key})"
    return f"step {step_key} failed: {cause.cls_name}: {message}"


def _instance():
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_pipeline(
    settings: Settings,
    start: date | None,
    end: date | None,
    instance: object | None = None,
    hooks: AbstractSet[object] = frozenset(),
) -> int:
    """Run every daily asset for [start, end] (inclusive days) with `settings` (the input and
    output folders among them); returns the exit code. `instance`: the Dagster instance to
    record the run in (default: $DAGSTER_HOME's, else an in-memory one). `hooks`: Dagster hooks
    added to the job (tests' crash hook). The output folder is locked for the whole run."""
    began = time.monotonic()
    run_id = str(uuid.uuid4())
    try:
        _check_input(settings.input_dir)
        lock = _claim_output(settings.output_dir, run_id)
    except RunError as exc:
        print(f"costline: {exc}", file=sys.stderr)
        return 2
    try:
        return _run_locked(settings, start, end, _Launch(instance, run_id, began, hooks))
    finally:
        lock.release()


@dataclass(frozen=True)
class _Launch:
    """How this run is launched: instance, run id, start time and extra hooks."""

    instance: object | None
    run_id: str
    began: float
    hooks: AbstractSet[object]


def _window(settings: Settings, start: date | None, end: date | None) -> tuple[date, date]:
    """The days to run: the flags, else the input's first and last request days."""
    if start is None or end is None:
        found = detect_request_window(settings.input_dir / "requests")
        if found is None:
            raise RunError(f"{settings.input_dir / 'requests'}: no request records found")
        start = start or found[0]
        end = end or found[1]
    _check_window(start, end, settings.partitions_start)
    return start, end


def _execute(settings: Settings, start: date, end: date, launch: _Launch):
    """One run of the daily job over [start, end], its settings passed as the resource's run
    config (so the run records its folders and thresholds)."""
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from pipelines.definitions import build_defs
    from pipelines.defs.jobs import DAILY_JOB_NAME

    job = build_defs(settings).resolve_job_def(DAILY_JOB_NAME)
    if launch.hooks:
        job = job.with_hooks(set(launch.hooks))
    return job.execute_in_process(
        instance=launch.instance or _instance(),
        run_config={
            **QUIET_LOGS,
            "resources": {"costline": {"config": settings.resource_config()}},
        },
        raise_on_error=False,
        run_id=launch.run_id,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
        },
    )


def _run_locked(settings: Settings, start: date | None, end: date | None, launch: _Launch) -> int:
    progress.enable(settings.progress)
    try:
        start, end = _window(settings, start, end)
    except RunError as exc:
        print(f"costline: {exc}", file=sys.stderr)
        return 2
    output_dir = settings.output_dir
    print(
        f"costline: {settings.input_dir} -> {output_dir}, days {start} .. {end} (inclusive)",
        file=sys.stderr,
    )
    result = _execute(settings, start, end, launch)
    from pipelines.cli.check_lines import check_lines

    findings = check_lines(result.get_asset_check_evaluations())
    blocking = [f for f in findings if f.blocking]
    for finding in findings:
        print(finding.text(), file=sys.stderr)
    if not result.success:
        _report_failure(result, output_dir, start, end)
        return 1
    from pipelines.cli.summary import print_summary

    took = time.monotonic() - launch.began
    print_summary(output_dir, start, end, took, result.run_id, findings)
    return 1 if blocking else 0


def _report_failure(result, output_dir: Path, start: date, end: date) -> None:
    """One line per failed step (or the run's own error), then put the work database back."""
    lines = [
        failure_line(event.step_key, event.step_failure_data.error)
        for event in result.all_events
        if event.is_step_failure
    ]
    if not lines:  # failed before any step ran (a resource could not start)
        for event in result.all_events:
            if event.is_run_failure:
                error = getattr(event.event_specific_data, "error", None)
                lines.append(failure_line("(run start)", error) if error else event.message)
    for line in lines:
        print(f"costline: {line}", file=sys.stderr)
    # Nothing half-built may reach a later publish: back to the last published warehouse.
    try:
        publish.restore_work_db(output_dir)
    except OSError as exc:
        print(
            f"costline: could not reset the work database ({exc}); re-run the same days "
            "before any others.",
            file=sys.stderr,
        )
    state = (
        "publishing was interrupted after it began; the next run finishes it"
        if publish.publish_pending(output_dir)
        else "the last published outputs are unchanged"
    )
    print(
        f"costline: run failed; {state}. Fix the cause above "
        f"and re-run the same days (--from {start} --to {end}).",
        file=sys.stderr,
    )
