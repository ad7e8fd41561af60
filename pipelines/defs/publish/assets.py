"""Exports for analysts (Hive-partitioned Parquet) and the published warehouse for readers.

Every export asset stages its files under `<output>/.work/publish/`; `warehouse_publish`, the
last step, moves them and the warehouse into place (see `pipelines.lib.publish`)."""

import dagster as dg

from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib.progress import report
from pipelines.lib.publish import export_partitioned, export_tables, publish_staged
from pipelines.lib.warehouse import discover_models

# Everything the published warehouse must contain: every SQL model and every export.
PUBLISH_AFTER = [
    *sorted(discover_models()),
    "cost_lines_export",
    "focus_export",
    "focus_invoiced_export",
    "chargeback_export",
    "showback_export",
    "guardrails_export",
    "cost_line_restatements",
]


@daily_asset(
    group_name="exports",
    deps=["fct_cost_lines"],
    kinds={"parquet"},
)
def cost_lines_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """`<output>/cost_lines/request_date=YYYY-MM-DD/part-0.parquet`, one row per request
    (staged; published by `warehouse_publish`)."""
    start, end = window(context)
    target = costline.output_path / "cost_lines"
    with costline.connect() as con:
        rows = export_partitioned(
            con,
            # No ORDER BY: sorting 70 columns of a whole day costs more than the export itself.
            "select * from fct_cost_lines where request_date >= $s and request_date < $e",
            costline.output_path,
            "cost_lines",
            "request_date",
            start,
            end,
        )
    report(f"staged {rows:,} cost lines for {target}")
    return dg.MaterializeResult(metadata={"rows": rows, "path": str(target)})


@daily_asset(
    group_name="exports",
    deps=PUBLISH_AFTER,
    kinds={"duckdb"},
)
def warehouse_publish(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Stage every mart as `<output>/marts/<name>.parquet`, then publish everything the run
    staged and the finished warehouse, one atomic rename per file (the warehouse last)."""
    marts = [
        name
        for name, m in discover_models().items()
        if m.layer == "marts" and name not in ("fct_cost_lines", "fct_focus_cost_and_usage")
    ]
    with costline.connect() as con:
        exported = export_tables(con, marts, costline.output_path, "marts")
    steps = publish_staged(costline.output_path, costline.work_db_path)
    size = costline.published_db_path.stat().st_size
    report(
        f"published {costline.published_db_path} ({size / 1e6:.1f} MB) and "
        f"{steps['moved'] - 1} export files ({steps['removed']} removed)"
    )
    return dg.MaterializeResult(
        metadata={
            "path": str(costline.published_db_path),
            "bytes": size,
            "files_moved": steps["moved"],
            "files_removed": steps["removed"],
            "marts_exported": dg.MetadataValue.json(exported),
        }
    )
