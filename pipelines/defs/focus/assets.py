"""FOCUS 1.2 CostAndUsage: built from the cost lines, checked, exported with its metadata."""

from datetime import date, timedelta

import dagster as dg
import duckdb

from pipelines.defs.partitions import daily_partitions, single_run
from pipelines.defs.resources import CostlineResource, window
from pipelines.defs.sql_assets import build_sql_asset, sql_model
from pipelines.lib import warehouse
from pipelines.lib.focus.export import export_focus
from pipelines.lib.progress import report

TOTALS_MATCH = "totals_match_cost_lines"
_KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")
# FOCUS needs a ListUnitPrice on every usage row: where the line has no list price in the
# billing currency, the FOCUS row lists at the contracted price (see the FOCUS model header).
LIST_OR_CONTRACTED = " + ".join(
    f"case when list_currency = contracted_currency "
    f"then coalesce(list_cost_{k}, contracted_cost_{k}) else contracted_cost_{k} end"
    for k in _KINDS
)


def totals_match_cost_lines(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: CostlineResource
) -> dg.AssetCheckResult:
    """Σ ListCost / ContractedCost / BilledCost of the window equal the priced cost lines' sums,
    exactly: the FOCUS rows are a regrouping of the lines, nothing added or lost."""
    window_params = {"s": start, "e": end}
    focus = warehouse.frame(
        con,
        """select coalesce(sum(ListCost), 0) as list,
                  coalesce(sum(ContractedCost), 0) as contracted,
                  coalesce(sum(BilledCost), 0) as billed,
                  coalesce(sum(ConsumedQuantity), 0) as tokens
           from fct_focus_cost_and_usage
           where ChargePeriodStart >= $s and ChargePeriodStart < $e""",
        window_params,
    ).row(0, named=True)
    lines = warehouse.frame(
        con,
        f"""select coalesce(sum({LIST_OR_CONTRACTED}), 0) as list,
                  coalesce(sum(contracted_cost), 0) as contracted,
                  coalesce(sum(input_uncached_tokens + cache_read_tokens + cache_write_5m_tokens
                               + cache_write_1h_tokens + output_tokens), 0) as tokens
           from fct_cost_lines
           where request_date >= $s and request_date < $e and price_status = 'priced'""",
        window_params,
    ).row(0, named=True)
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


@dg.asset(
    group_name="exports",
    deps=["fct_focus_cost_and_usage"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"parquet"},
    pool="duckdb",
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
