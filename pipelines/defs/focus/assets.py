"""FOCUS 1.2 CostAndUsage: built from the cost lines, checked, exported with its metadata."""

from datetime import date, timedelta

import dagster as dg
import duckdb

from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.defs.sql_assets import build_sql_asset, sql_model
from pipelines.lib.focus.export import export_focus
from pipelines.lib.focus.totals import cost_line_totals, focus_totals
from pipelines.lib.progress import report

TOTALS_MATCH = "totals_match_cost_lines"


def totals_match_cost_lines(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: CostlineResource
) -> dg.AssetCheckResult:
    """Σ ListCost / ContractedCost / BilledCost of the window equal the priced cost lines' sums,
    exactly: the FOCUS rows are a regrouping of the lines, nothing added or lost."""
    focus = focus_totals(con, start, end)
    lines = cost_line_totals(con, start, end)
    passed = (
        focus["list"] == lines["list"]
        and focus["contracted"] == lines["contracted"]
        and focus["billed"] == lines["contracted"]
        and focus["tokens"] == lines["tokens"]
    )
    return dg.AssetCheckResult(
        passed=passed,
        metadata={
            "focus_list_cost": str(focus["list"]),
            "lines_list_cost": str(lines["list"]),
            "focus_contracted_cost": str(focus["contracted"]),
            "lines_contracted_cost": str(lines["contracted"]),
            "focus_tokens": str(focus["tokens"]),
            "lines_tokens": str(lines["tokens"]),
        },
    )


fct_focus_cost_and_usage = build_sql_asset(
    sql_model("fct_focus_cost_and_usage"),
    checks=[
        (
            dg.AssetCheckSpec(
                TOTALS_MATCH,
                asset="fct_focus_cost_and_usage",
                blocking=True,
                description="FOCUS cost sums equal the priced cost lines, exactly",
            ),
            totals_match_cost_lines,
        )
    ],
    extra_deps=["dim_tenants"],
)


@daily_asset(
    group_name="exports",
    deps=["fct_focus_cost_and_usage"],
    kinds={"parquet"},
)
def focus_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """FOCUS 1.2 Parquet (Hive layout by billing period and charge day), metadata beside it."""
    start, end = window(context)
    with costline.connect() as con:
        document = export_focus(con, costline.output_path, start, end)
    files = document.get("Files", [])
    last = end - timedelta(days=1)
    report(f"wrote FOCUS 1.2 for {start} .. {last} to {costline.output_path / 'focus'}")
    return dg.MaterializeResult(
        metadata={
            "files": len(files),
            "rows": sum(int(f.get("rows", 0)) for f in files),
            "schema_id": str(document.get("SchemaId")),
            "focus_version": str(document.get("FocusVersion")),
        }
    )
