"""The nightly job: every daily asset, for one day or a range of days in a single run."""

import dagster as dg

DAILY_JOB_NAME = "costline_daily"

costline_daily = dg.define_asset_job(
    DAILY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest, price, build FOCUS and marts, export and publish for the given days.",
)

# Nightly at 02:30 UTC: yesterday's partition (build_schedule_from_partitioned_job picks the
# last complete day).
nightly_schedule = dg.build_schedule_from_partitioned_job(
    costline_daily, hour_of_day=2, minute_of_hour=30, name="nightly_costline"
)
