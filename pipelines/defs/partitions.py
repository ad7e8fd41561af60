"""Daily partitions on request time (UTC); one run may cover a range of days.

Assets are declared on `daily_partitions`, a daily grid from a fixed early day, so importing an
asset module reads no setting. Where the grid starts in a deployment is a setting
(`COSTLINE_PARTITIONS_START`, by default the day before the input's earliest request; see
`pipelines.settings`): the definitions the code location and `costline run` build pass it to
`starting_on`, which moves every asset on the grid to that first day. `costline run` refuses
days before it.
"""

import warnings
from typing import Any

import dagster as dg

# Every asset takes `backfill_policy` (one run per backfill), a parameter Dagster 1.13 still marks
# beta; its notice would repeat for each asset and says nothing about this project.
warnings.filterwarnings(
    "ignore",
    message=r"Parameter `backfill_policy` of function `asset` is currently in beta",
    category=dg.BetaWarning,
)
# `Definitions.map_asset_specs` (what `starting_on` needs) is marked preview, and warns twice on
# every load of the code location; the notice says nothing about this project.
warnings.filterwarnings(
    "ignore",
    message=r"Function `Definitions\.map_(resolved_)?asset_specs` is currently in preview",
    category=dg.PreviewWarning,
)

# Before any request costline could see; only assets used outside a code location keep it.
DECLARED_START = "2000-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=DECLARED_START, timezone="UTC")
# A backfill of many days runs as one run: every step reads and writes a date window.
single_run = dg.BackfillPolicy.single_run()


def days_from(start: str) -> dg.DailyPartitionsDefinition:
    """The daily partitions from `start` (an ISO day) on."""
    return dg.DailyPartitionsDefinition(start_date=start, timezone="UTC")


def starting_on(defs: dg.Definitions, start: str) -> dg.Definitions:
    """`defs` with every asset declared on `daily_partitions` partitioned from `start` instead."""
    partitions = days_from(start)

    def move(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.partitions_def != daily_partitions:
            return spec
        return spec.replace_attributes(partitions_def=partitions)

    return defs.map_asset_specs(func=move)


def daily_asset(**kwargs: Any) -> Any:
    """`dg.asset` for a step of the daily job: on `daily_partitions`, one run per backfill, in
    the `duckdb` pool (one writer of the work database at a time); kinds python + duckdb unless
    given."""
    kwargs.setdefault("kinds", {"python", "duckdb"})
    return dg.asset(
        partitions_def=daily_partitions, backfill_policy=single_run, pool="duckdb", **kwargs
    )
