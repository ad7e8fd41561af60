"""Revenue and internal rates in, margin and internal-recovery figures out.

All inputs are small and reloaded in full each run; the assets stay daily-partitioned with the
single-run backfill policy so they run in the one daily job. The marts themselves are SQL models
(`sql/marts/mart_tenant_margin.sql`, ...) over the figure tables written here.
"""

import dagster as dg

from pipelines.defs.checks import schema_check
from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib.catalog import CatalogError
from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.margin import RevenueError, read_revenue
from pipelines.lib.margin.internal_rates import load_internal_rates
from pipelines.lib.margin.showback_months import export_showback_months
from pipelines.lib.margin.tables import write_figures
from pipelines.lib.progress import report
from pipelines.lib.warehouse import replace_table
from pipelines.money import months_of

ATTRIBUTED = "revenue_lines_attributed"
REVENUE_SCHEMA = schema_check("stg_revenue")
RATES_SCHEMA = schema_check("dim_internal_rates")


@daily_asset(
    group_name="staging",
    check_specs=[
        REVENUE_SCHEMA.spec,
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
    yield REVENUE_SCHEMA.of_frame(batch.lines)
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


@daily_asset(
    group_name="staging",
    check_specs=[RATES_SCHEMA.spec],
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
    yield RATES_SCHEMA.of_frame(rates)


@daily_asset(
    group_name="intermediate",
    deps=[
        "stg_revenue",
        "dim_internal_rates",
        "int_tenant_costs_monthly",
        "int_internal_units_counted",
    ],
)
def margin_figures(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Exact margin per tenant and per tenant x feature, and internal recovery per tenant x
    feature, for every month (pipelines.lib.margin.figures): tables int_tenant_margins_computed,
    int_feature_margins_computed, int_internal_recovery_computed, read by the margin marts."""
    fx = FxRates.from_csv(costline.input_path / "catalog" / "fx.csv")
    threshold = costline.thin_margin_threshold
    with costline.connect() as con:
        figures, counts = write_figures(con, fx, threshold)
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


@daily_asset(
    group_name="exports",
    deps=["mart_internal_recovery"],
    kinds={"csv"},
)
def showback_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """`<output>/exports/showback/<YYYY-MM>/`: the internal-price statement of every month the
    window touches (showback.csv, one file per tenant, manifest with per-currency totals and
    sha256), from mart_internal_recovery."""
    start, end = window(context)
    with costline.connect() as con:
        written = export_showback_months(con, costline.output_path, months_of(start, end))
    return dg.MaterializeResult(metadata={"months": dg.MetadataValue.json(written)})
