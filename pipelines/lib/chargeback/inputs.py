"""Chargeback inputs read from the warehouse and the catalog: provider calls and tenants."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import warehouse
from pipelines.lib.catalog import read_csv_strings


def request_counts(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pl.DataFrame:
    """Provider calls per tenant × feature × environment × provider × model × day."""
    schema = {
        "tenant_id": pl.String(),
        "feature": pl.String(),
        "environment": pl.String(),
        "provider": pl.String(),
        "model": pl.String(),
        "request_date": pl.Date(),
        "requests": pl.Int64(),
    }
    if not warehouse.table_exists(con, "fct_cost_lines"):
        return pl.DataFrame(schema=schema)
    return warehouse.frame(
        con,
        "select tenant_id, feature, environment, provider, model, request_date, "
        "count(*) as requests from fct_cost_lines where request_date >= $s "
        "and request_date < $e and price_status <> 'no_provider_call' group by all",
        {"s": start, "e": end},
    ).cast(schema)


def tenant_catalog(input_path: Path, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Tenants from `<input>/catalog/tenants.csv`, else table dim_tenants, else none."""
    path = input_path / "catalog" / "tenants.csv"
    columns = ("tenant_id", "tenant_name", "business_unit", "cost_center")
    if path.exists():
        frame = read_csv_strings(path, columns)
        keep = [c for c in (*columns, "currency") if c in frame.columns]
        return frame.select(keep)
    if warehouse.table_exists(con, "dim_tenants"):
        return warehouse.frame(con, "select * from dim_tenants")
    return pl.DataFrame(schema=dict.fromkeys(columns, pl.String()))
