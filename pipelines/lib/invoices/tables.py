"""DuckDB tables and reads of the invoice assets: typed create, replace-in-a-transaction, and the
logged usage the invoices are matched with (vendor model names, usage cells)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb
import polars as pl

from pipelines.lib import warehouse
from pipelines.lib.invoices.allocation import USAGE_CELL_COLUMNS

_SQL = {pl.String(): "VARCHAR", pl.Date(): "DATE", pl.Int64(): "BIGINT", pl.Boolean(): "BOOLEAN"}


def _sql_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision}, {dtype.scale})"
    return _SQL[dtype]


def ensure_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict) -> None:
    """Create the table with the contract's column types on first use."""
    cols = ", ".join(f'"{c}" {_sql_type(t)}' for c, t in columns.items())
    con.execute(f"create table if not exists {name} ({cols})")


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    name: str,
    columns: dict,
    frame: pl.DataFrame,
    where: str,
    params: dict,
) -> None:
    """Delete `where` and insert the frame, in one transaction."""
    ensure_table(con, name, columns)
    con.register("incoming_rows", frame.select(list(columns)).to_arrow())
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {name} where {where}", params)
        con.execute(f"insert into {name} by name select * from incoming_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming_rows")


def known_models(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """provider -> models seen in stg_requests (for resolving vendor model names)."""
    if not warehouse.table_exists(con, "stg_requests"):
        return {}
    found: dict[str, set[str]] = defaultdict(set)
    for provider, model in con.execute(
        "select distinct provider, model from stg_requests"
    ).fetchall():
        found[provider].add(model)
    return found


def usage_cells(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pl.DataFrame:
    """int_usage_cells_aggregated rows in [start, end)."""
    if not warehouse.table_exists(con, "int_usage_cells_aggregated"):
        return pl.DataFrame(schema=USAGE_CELL_COLUMNS)
    return warehouse.frame(
        con,
        f"select {', '.join(USAGE_CELL_COLUMNS)} from int_usage_cells_aggregated "
        "where charge_date >= $s and charge_date < $e",
        {"s": start, "e": end},
    ).cast(USAGE_CELL_COLUMNS)
