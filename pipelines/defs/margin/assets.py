"""Revenue and internal rates in, margin and internal-recovery figures out.

All inputs are small and reloaded in full each run; the assets stay daily-partitioned with the
single-run backfill policy so they run in the one daily job. The marts themselves are SQL models
(`sql/marts/mart_tenant_margin.sql`, ...) over the figure tables written here.
"""

import dagster as dg
import duckdb
import polars as pl

from pipelines.defs.checks import schema_result, schema_spec
from pipelines.defs.partitions import daily_partitions, single_run
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib import warehouse
from pipelines.lib.catalog import CatalogError
from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.invoices.lines import months_of
from pipelines.lib.margin import RevenueError, read_revenue
from pipelines.lib.margin.figures import TABLES, compute_figures, read_inputs
from pipelines.lib.margin.internal_rates import load_internal_rates
from pipelines.lib.margin.showback import build_showback, export_showback
from pipelines.lib.progress import report
from pipelines.settings import Settings

ATTRIBUTED = "revenue_lines_attributed"


def replace_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """Replace a whole table with the frame (types kept: decimals stay decimals)."""
    con.register("incoming_margin_rows", frame.to_arrow())
    try:
        con.execute(f"create or replace table {name} as select * from incoming_margin_rows")
    finally:
        con.unregister("incoming_margin_rows")


@dg.asset(
    group_name="staging",
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"python", "duckdb"},
    pool="duckdb",
    check_specs=[
        schema_spec("stg_revenue", "stg_revenue"),
        dg.AssetCheckSpec(
            ATTRIBUTED,
            asset="stg_revenue",
            description="every revenue line belongs to a known tenant (else quarantine_revenue)",
        ),
    ],
)
def stg_revenue(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Revenue from catalog/revenue.csv and `<input>/billing/` (Stripe Dashboard CSV, Stripe API
    invoice JSON, generic billing CSV), mapped to tenants; lines no tenant owns go to
    `quarantine_revenue`. Grain: one row per input line."""
    try:
        batch = read_revenue(costline.input_path)
    except RevenueError as exc:
        raise CatalogError(str(exc)) from exc
    with costline.connect() as con:
        replace_table(con, "stg_revenue", batch.lines)
        replace_table(con, "quarantine_revenue", batch.quarantined)
    report(
        f"read {len(batch.lines):,} revenue lines from {len(batch.files)} files "
        f"({len(batch.quarantined)} quarantined, {batch.skipped_invoices} invoices skipped)"
    )
    yield dg.MaterializeResult(
        metadata={
            "files": dg.MetadataValue.json(batch.files),
            "lines": len(batch.lines),
            "quarantined": len(batch.quarantined),
            "skipped_invoices": batch.skipped_invoices,
            "duplicate_invoices": batch.duplicate_invoices,
        }
    )
    yield schema_result("stg_revenue", batch.lines)
    yield dg.AssetCheckResult(
        check_name=ATTRIBUTED,
        passed=len(batch.quarantined) == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "quarantined": len(batch.quarantined),
            "reasons": dg.MetadataValue.json(
                batch.quarantined["reason"].value_counts().rows() if len(batch.quarantined) else []
            ),
        },
    )


@dg.asset(
    group_name="staging",
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"python", "duckdb"},
    pool="duckdb",
    check_specs=[schema_spec("dim_internal_rates", "dim_internal_rates")],
)
def dim_internal_rates(context: dg.AssetExecutionContext, costline: CostlineResource):
    """catalog/internal_rates.csv: each feature's internal price per request, accepted output
    or 1000000 Tokens, with validity dates. Empty when the file is absent."""
    path = costline.input_path / "catalog" / "internal_rates.csv"
    try:
        rates = load_internal_rates(path)
    except RevenueError as exc:
        raise CatalogError(str(exc)) from exc
    with costline.connect() as con:
        replace_table(con, "dim_internal_rates", rates)
    yield dg.MaterializeResult(metadata={"rates": len(rates), "file_present": path.exists()})
    yield schema_result("dim_internal_rates", rates)


@dg.asset(
    group_name="intermediate",
    deps=[
        "stg_revenue",
        "dim_internal_rates",
        "int_tenant_costs_monthly",
        "int_internal_units_counted",
    ],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"python", "duckdb"},
    pool="duckdb",
)
def margin_figures(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Exact margin per tenant and per tenant x feature, and internal recovery per tenant x
    feature, for every month (pipelines.lib.margin.figures): tables int_tenant_margins_computed,
    int_feature_margins_computed, int_internal_recovery_computed, read by the margin marts."""
    fx = FxRates.from_csv(costline.input_path / "catalog" / "fx.csv")
    threshold = Settings.from_env().thin_margin_share
    with costline.connect() as con:
        figures = compute_figures(*read_inputs(con), fx=fx, threshold=threshold)
        frames = dict(
            zip(TABLES, (figures.tenants, figures.features, figures.recovery), strict=True)
        )
        for name, frame in frames.items():
            replace_table(con, name, frame)
        counts = {
            status: n
            for status, n in warehouse.frame(
                con,
                "select margin_status, count(*) as n from int_tenant_margins_computed group by all "
                "order by all",
            ).rows()
        }
    statuses = ", ".join(f"{n} {status}" for status, n in counts.items())
    report(f"margin: {len(figures.tenants)} tenant-months ({statuses})")
    return dg.MaterializeResult(
        metadata={
            "tenant_rows": len(figures.tenants),
            "feature_rows": len(figures.features),
            "recovery_rows": len(figures.recovery),
            "margin_status": dg.MetadataValue.json(counts),
            "thin_margin_share": str(threshold),
        }
    )


@dg.asset(
    group_name="exports",
    deps=["mart_internal_recovery"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"csv"},
    pool="duckdb",
)
def showback_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """`<output>/exports/showback/<YYYY-MM>/`: the internal-price statement of every month the
    window touches (showback.csv, one file per tenant, manifest with per-currency totals and
    sha256), from mart_internal_recovery."""
    start, end = window(context)
    written = {}
    with costline.connect() as con:
        for month in months_of(start, end):
            period = month.strftime("%Y-%m")
            recovery = warehouse.frame(
                con,
                "select * from mart_internal_recovery where billing_period = $p",
                {"p": period},
            )
            frame = build_showback(recovery)
            target = export_showback(costline.output_path, period, frame)
            if target is not None:
                written[period] = {"rows": len(frame), "path": str(target)}
                report(f"showback {period}: {len(frame)} rows")
    return dg.MaterializeResult(metadata={"months": dg.MetadataValue.json(written)})
