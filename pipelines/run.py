"""`costline run`: the nightly job, in-process, over a range of days, with a closing summary."""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from pipelines.lib.request_window import detect_request_window

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


class RunError(RuntimeError):
    """A problem the user can fix; the message says how."""


def _prepare_env(input_dir: Path, output_dir: Path) -> None:
    if not (input_dir / "requests").is_dir():
        raise RunError(
            f"{input_dir}: no requests/ folder. Point --input at a folder holding requests/ "
            "(and catalog/prices.csv, catalog/tenants.csv); see README 'Input contract'."
        )
    os.environ["COSTLINE_INPUT"] = str(input_dir.resolve())
    os.environ["COSTLINE_OUTPUT"] = str(output_dir.resolve())
    os.environ["COSTLINE_PROGRESS"] = "1"


def _instance():
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_pipeline(
    input_dir: Path, output_dir: Path, start: date | None, end: date | None
) -> int:
    """Run every daily asset for [start, end] (inclusive days); returns the exit code."""
    began = time.monotonic()
    try:
        _prepare_env(input_dir, output_dir)
        if start is None or end is None:
            found = detect_request_window(input_dir / "requests")
            if found is None:
                raise RunError(f"{input_dir / 'requests'}: no request records found")
            start = start or found[0]
            end = end or found[1]
        if end < start:
            raise RunError(f"--to {end} is before --from {start}")
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
        instance=_instance(),
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
        details = {k: v.value for k, v in evaluation.metadata.items()}
        print(
            f"{'warning' if warn else 'check failed'}: "
            f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name} {details}",
            file=sys.stderr,
        )
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                info = event.step_failure_data.error
                print(f"step failed: {event.step_key}: {info.message.strip() if info else ''}",
                      file=sys.stderr)
        print("costline: run failed; the last published outputs are unchanged.", file=sys.stderr)
        return 1
    from pipelines.summary import print_summary

    print_summary(output_dir, start, end + timedelta(days=1), time.monotonic() - began)
    return 1 if failed_checks else 0
