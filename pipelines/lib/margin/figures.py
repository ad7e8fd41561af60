"""The margin and recovery figures of a warehouse, as typed frames for the mart tables.

Inputs: `stg_revenue`, `dim_internal_rates`, `int_tenant_costs_monthly`,
`int_internal_units_counted` and `<input>/catalog/fx.csv`. Outputs (one table each, read by the
SQL marts of the same subject): `int_tenant_margins_computed`, `int_feature_margins_computed`,
`int_internal_recovery_computed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb
import polars as pl

from pipelines.lib import warehouse
from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.margin.internal_rates import RATE_COLUMNS
from pipelines.lib.margin.lines import REVENUE_COLUMNS
from pipelines.lib.margin.margin import INVOICED, margin_rows
from pipelines.lib.margin.recovery import recovery_rows
from pipelines.money import MONEY, RATIO

MARGIN_COLUMNS: dict[str, pl.DataType] = {
    "billing_period": pl.String(),
    "tenant_id": pl.String(),
    "currency": pl.String(),
    "revenue": MONEY,
    "llm_cost": MONEY,
    "llm_cost_prod": MONEY,
    "llm_cost_reason": pl.String(),
    "cost_basis": pl.String(),
    "gross_margin": MONEY,
    "llm_cost_share": RATIO,
    "margin_status": pl.String(),
    "thin_margin_share": RATIO,
}
FEATURE_MARGIN_COLUMNS: dict[str, pl.DataType] = {
    **dict(list(MARGIN_COLUMNS.items())[:2]),
    "feature": pl.String(),
    **dict(list(MARGIN_COLUMNS.items())[2:]),
}
RECOVERY_COLUMNS: dict[str, pl.DataType] = {
    "billing_period": pl.String(),
    "tenant_id": pl.String(),
    "feature": pl.String(),
    "unit": pl.String(),
    "currency": pl.String(),
    "units": pl.Decimal(38, 6),
    "internal_charge": MONEY,
    "llm_cost": MONEY,
    "recovery": MONEY,
    "recovery_ratio": RATIO,
    "recovery_status": pl.String(),
    "reason": pl.String(),
}
COST_COLUMNS: dict[str, pl.DataType] = {
    "billing_period": pl.String(),
    "tenant_id": pl.String(),
    "feature": pl.String(),
    "environment": pl.String(),
    "currency": pl.String(),
    "cost": MONEY,
    "unpriced_requests": pl.Int64(),
    "cost_basis": pl.String(),
}
UNIT_COLUMNS: dict[str, pl.DataType] = {
    "request_date": pl.Date(),
    "tenant_id": pl.String(),
    "feature": pl.String(),
    "requests": pl.Int64(),
    "accepted_outputs": pl.Int64(),
    "tokens": pl.Int64(),
}
TABLES = {
    "int_tenant_margins_computed": MARGIN_COLUMNS,
    "int_feature_margins_computed": FEATURE_MARGIN_COLUMNS,
    "int_internal_recovery_computed": RECOVERY_COLUMNS,
}


@dataclass(frozen=True)
class Figures:
    """The three figure frames."""

    tenants: pl.DataFrame
    features: pl.DataFrame
    recovery: pl.DataFrame


def compute_figures(
    revenue: pl.DataFrame,
    costs: pl.DataFrame,
    units: pl.DataFrame,
    rates: pl.DataFrame,
    fx: FxRates,
    threshold: Decimal,
) -> Figures:
    """Margin per tenant, per tenant x feature, and internal recovery (see margin, recovery)."""
    final_periods = set(
        costs.filter(pl.col("cost_basis") == INVOICED)["billing_period"].unique().to_list()
    )
    tenants = margin_rows(
        revenue, costs, ("billing_period", "tenant_id"), fx, final_periods, threshold
    )
    by_feature = revenue.filter(pl.col("feature").is_not_null())
    scope = by_feature.select("billing_period", "tenant_id").unique()
    feature_costs = costs.join(scope, on=["billing_period", "tenant_id"], how="semi")
    features = margin_rows(
        by_feature,
        feature_costs,
        ("billing_period", "tenant_id", "feature"),
        fx,
        final_periods,
        threshold,
    )
    recovery = recovery_rows(units, rates, costs, fx)
    return Figures(
        pl.DataFrame(tenants, schema=MARGIN_COLUMNS, orient="row"),
        pl.DataFrame(features, schema=FEATURE_MARGIN_COLUMNS, orient="row"),
        pl.DataFrame(recovery, schema=RECOVERY_COLUMNS, orient="row"),
    )


def read_inputs(
    con: duckdb.DuckDBPyConnection,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(revenue, costs, units, rates) from the warehouse tables."""
    revenue = warehouse.frame(con, "select * from stg_revenue").cast(REVENUE_COLUMNS)
    costs = warehouse.frame(
        con, f"select {', '.join(COST_COLUMNS)} from int_tenant_costs_monthly"
    ).cast(COST_COLUMNS)
    units = warehouse.frame(
        con, f"select {', '.join(UNIT_COLUMNS)} from int_internal_units_counted"
    ).cast(UNIT_COLUMNS)
    rates = warehouse.frame(con, "select * from dim_internal_rates").cast(RATE_COLUMNS)
    return revenue, costs, units, rates
