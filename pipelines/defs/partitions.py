"""Daily partitions on request time (UTC); one run may cover a range of days.

The first partition is `COSTLINE_PARTITIONS_START`, by default the day before the input's earliest
request (`pipelines.lib.requests.first_day`); `costline run` refuses days before it.
"""

import warnings

import dagster as dg

from pipelines.settings import Settings

# Every asset takes `backfill_policy` (one run per backfill), a parameter Dagster 1.13 still marks
# beta; its notice would repeat for each asset and says nothing about this project.
warnings.filterwarnings(
    "ignore",
    message=r"Parameter `backfill_policy` of function `asset` is currently in beta",
    category=dg.BetaWarning,
)

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=Settings.from_env().partitions_start, timezone="UTC"
)
# A backfill of many days runs as one run: every step reads and writes a date window.
single_run = dg.BackfillPolicy.single_run()
