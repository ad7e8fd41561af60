"""Daily partitions on request time (UTC); one run may cover a range of days."""

import dagster as dg

from pipelines.settings import Settings

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=Settings.from_env().partitions_start, timezone="UTC"
)
# A backfill of many days runs as one run: every step reads and writes a date window.
single_run = dg.BackfillPolicy.single_run()
