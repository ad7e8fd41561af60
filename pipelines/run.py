"""`costline run`: the nightly job, in-process, over a range of days, with a closing summary."""

from __future__ import annotations

import os
import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from pipelines.lib.request_window import detect_request_window

# Step failures are reported below as one line each; Dagster's own log would add tracebacks.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class RunError(RuntimeError):
    """A problem the user can fix; the message says how."""


def _prepare_env(input_dir: Path, output_dir: Path) -> None:
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
    _check_output(output_dir)
    os.environ["COSTLINE_INPUT"] = str(input_dir.resolve())
    os.environ["COSTLINE_OUTPUT"] = str(output_dir.resolve())
    os.environ["COSTLINE_PROGRESS"] = "1"


def _check_output(output_dir: Path) -> None:
    """The output folder is writable and no other process writes to it."""
    from pipelines.lib import publish

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
    marker = publish.read_marker(output_dir)
    if publish.running_elsewhere(marker):
        raise RunError(
            f"another costline run (pid {marker['pid']}, started {marker.get('started_at')}) "
            f"is writing to {output_dir}: wait for it to finish, or use another --output."
        )
    work_db = work / "warehouse.duckdb"
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


def _check_window(start: date, end: date) -> None:
    from pipelines.settings import Settings

    if end < start:
        raise RunError(f"--to {end} is before --from {start}: give --from <= --to.")
    first = date.fromisoformat(Settings.from_env().partitions_start)
    if start < first:
        raise RunError(
            f"--from {start} is before the first partition {first}. Run from {first} or later, "
            f"or set COSTLINE_PARTITIONS_START={start} (partitions start on that day)."
        )


# Exceptions whose message names the file, line and field to fix (raised by the assets).
USER_ERRORS = {"CatalogError", "InvoiceError", "FxError", "MappingError", "BadField", "RunError"}


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


def _failure_line(step_key: str, info) -> str:
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
    input_dir: Path,
    output_dir: Path,
    start: date | None,
    end: date | None,
    instance: object | None = None,
) -> int:
    """Run every daily asset for [start, end] (inclusive days); returns the exit code.
    `instance`: the Dagster instance to record the run in (default: $DAGSTER_HOME's, else an
    in-memory one)."""
    began = time.monotonic()
    try:
        _prepare_env(input_dir, output_dir)
        if start is None or end is None:
            found = detect_request_window(input_dir / "requests")
            if found is None:
                raise RunError(f"{input_dir / 'requests'}: no request records found")
            start = start or found[0]
            end = end or found[1]
        _check_window(start, end)
    except RunError as exc:
        print(f"costline: {exc}", file=sys.stderr)
        return 2

    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from pipelines.definitions import defs
    from pipelines.defs.jobs import DAILY_JOB_NAME

    print(f"costline: {input_dir} -> {output_dir}, days {start} .. {end}", file=sys.stderr)
    job = defs().resolve_job_def(DAILY_JOB_NAME)
    result = job.execute_in_process(
        instance=instance or _instance(),
        run_config=QUIET_LOGS,
        raise_on_error=False,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
        },
    )
    import dagster as dg

    failed_checks = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        warn = evaluation.severity == dg.AssetCheckSeverity.WARN
        if not warn:
            failed_checks.append(evaluation)
        # One readable line: scalar figures only (tables and previews live in the Dagster UI).
        details = {
            k: v.value
            for k, v in evaluation.metadata.items()
            if isinstance(v.value, int | float | str) and "\n" not in str(v.value)
        }
        print(
            f"{'warning' if warn else 'check failed'}: "
            f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name} {details}",
            file=sys.stderr,
        )
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                print(
                    f"costline: {_failure_line(event.step_key, event.step_failure_data.error)}",
                    file=sys.stderr,
                )
        # Nothing half-built may reach a later publish: back to the last published warehouse.
        from pipelines.lib.publish import restore_work_db

        try:
            restore_work_db(output_dir)
        except OSError as exc:
            print(
                f"costline: could not reset the work database ({exc}); re-run the same days "
                "before any others.",
                file=sys.stderr,
            )
        print(
            "costline: run failed; the last published outputs are unchanged. Fix the cause above "
            f"and re-run the same days (--from {start} --to {end}).",
            file=sys.stderr,
        )
        return 1
    from pipelines.summary import print_summary

    print_summary(
        output_dir, start, end + timedelta(days=1), time.monotonic() - began, result.run_id
    )
    return 1 if failed_checks else 0
