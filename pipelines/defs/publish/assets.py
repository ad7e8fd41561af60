"""Exports for analysts (Hive-partitioned Parquet) and the published warehouse for readers."""

import dagster as dg

from pipelines.defs.partitions import daily_partitions, single_run
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib.progress import report
from pipelines.lib.publish import export_partitioned, export_tables, publish_warehouse
from pipelines.lib.warehouse import discover_models

# Everything the published warehouse must contain: every SQL model and every export.
PUBLISH_AFTER = [
    *sorted(discover_models()),
    "cost_lines_export",
    "focus_export",
    "focus_invoiced_export",
    "chargeback_export",
    "guardrails_export",
    "cost_line_restatements",
]


@dg.asset(
    group_name="exports",
    deps=["fct_cost_lines"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"parquet"},
    pool="duckdb",
)
def cost_lines_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """`<output>/cost_lines/request_date=YYYY-MM-DD/part-0.parquet`, one row per request."""
    start, end = window(context)
    target = costline.output_path / "cost_lines"
    with costline.connect() as con:
        rows = export_partitioned(
            con,
            # No ORDER BY: sorting 70 columns of a whole day costs more than the export itself.
            "select * from fct_cost_lines where request_date >= $s and request_date < $e",
            target,
            "request_date",
            start,
            end,
        )
    report(f"wrote {rows:,} cost lines to {target}")
    return dg.MaterializeResult(metadata={"rows": rows, "path": str(target)})


@dg.asset(
    group_name="exports",
    deps=PUBLISH_AFTER,
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"duckdb"},
    pool="duckdb",
)
def warehouse_publish(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Export every mart to `<output>/marts/<name>.parquet`, then swap the finished warehouse
    into `<output>/warehouse.duckdb` in one atomic rename."""
    marts = [
        name
        for name, m in discover_models().items()
        if m.layer == "marts" and name not in ("fct_cost_lines", "fct_focus_cost_and_usage")
    ]
    with costline.connect() as con:
        exported = export_tables(con, marts, costline.output_path / "marts")
    size = publish_warehouse(costline.work_db_path, costline.published_db_path)
    report(f"published {costline.published_db_path} ({size / 1e6:.1f} MB)")
    return dg.MaterializeResult(
        metadata={
            "path": str(costline.published_db_path),
            "bytes": size,
            "marts_exported": dg.MetadataValue.json(exported),
        }
    )
