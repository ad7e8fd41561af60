"""Whole-table writes of the margin assets: small inputs and figures, replaced in full each run."""

from decimal import Decimal

import duckdb

from pipelines.lib import warehouse
from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.margin.figures import TABLES, Figures, compute_figures, read_inputs


def write_figures(
    con: duckdb.DuckDBPyConnection, fx: FxRates, threshold: Decimal
) -> tuple[Figures, dict[str, int]]:
    """Compute the margin and recovery figures from the warehouse, replace their three tables,
    and count the tenant-months per margin status."""
    figures = compute_figures(*read_inputs(con), fx=fx, threshold=threshold)
    frames = (figures.tenants, figures.features, figures.recovery)
    for name, frame in zip(TABLES, frames, strict=True):
        warehouse.replace_table(con, name, frame)
    counts = warehouse.frame(
        con,
        "select margin_status, count(*) as n from int_tenant_margins_computed group by all "
        "order by all",
    ).rows()
    return figures, dict(counts)
