"""The nightly job: every daily asset, for one day or a range of days in a single run."""

import os

import dagster as dg

# Test hook: `COSTLINE_TEST_CRASH_AFTER=<asset>` kills the process (exit 137, no clean-up, like
# SIGKILL) right after that asset succeeds. Used by tests/test_operations to prove safe publishing.
CRASH_AFTER_ENV = "COSTLINE_TEST_CRASH_AFTER"


@dg.success_hook(name="costline_test_crash")
def crash_for_tests(context: dg.HookContext) -> None:
    """Die like a killed process after the named asset (no-op unless the variable is set)."""
    if os.environ.get(CRASH_AFTER_ENV) and context.op.name == os.environ[CRASH_AFTER_ENV]:
        os._exit(137)


DAILY_JOB_NAME = "costline_daily"

costline_daily = dg.define_asset_job(
    DAILY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest, price, build FOCUS and marts, export and publish for the given days.",
    hooks={crash_for_tests},
)

# Nightly at 02:30 UTC: yesterday's partition (build_schedule_from_partitioned_job picks the
# last complete day).
nightly_schedule = dg.build_schedule_from_partitioned_job(
    costline_daily, hour_of_day=2, minute_of_hour=30, name="nightly_costline"
)
