"""Operations: restatements of closed days (late or corrected logs) after the cost lines."""

import dagster as dg

from pipelines.defs.checks import SCHEMA_CHECK
from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib.operations import restatements
from pipelines.lib.progress import report
from schemas import registry


@daily_asset(
    group_name="operations",
    deps=["fct_cost_lines"],
    check_specs=[
        dg.AssetCheckSpec(
            SCHEMA_CHECK,
            asset="cost_line_restatements",
            blocking=True,
            description="rows validate against schemas.operations.fct_restatements",
        )
    ],
)
def cost_line_restatements(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Days of the window whose totals (day × provider × currency: requests, tokens, contracted
    cost) differ from the previous build are appended to `fct_restatements`; the per-day snapshot
    `snap_daily_cost_totals` is then replaced for the window. Re-running unchanged data records
    nothing."""
    start, end = window(context)
    with costline.connect() as con:
        rows = restatements.record_restatements(con, start, end, context.run_id)
        registry.apply_comments(con, restatements.RESTATEMENTS)
    days = sorted({d.isoformat() for d in rows["day"].to_list()}) if len(rows) else []
    if days:
        report(f"restated {len(days)} closed day(s): {', '.join(days)} ({len(rows)} rows)")
    yield dg.MaterializeResult(
        metadata={"restated_rows": len(rows), "restated_days": ", ".join(days) or "none"}
    )
    failure = registry.validate_frame(restatements.RESTATEMENTS, rows) if len(rows) else None
    yield dg.AssetCheckResult(
        check_name=SCHEMA_CHECK, passed=failure is None, metadata={"failure": failure or "none"}
    )
