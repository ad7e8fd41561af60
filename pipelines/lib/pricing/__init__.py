"""Prices: dated list prices (genai-prices) and negotiated prices (catalog/prices.csv) in one
SCD-2 table `dim_prices` (docs/design.md), read by `sql/marts/fct_cost_lines.sql`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.pricing.contracts import load_contract_prices
from pipelines.lib.pricing.list_prices import MODEL_COLUMNS, list_prices_for
from pipelines.lib.pricing.price_table import DIM_PRICES_COLUMNS

__all__ = ["DIM_PRICES_COLUMNS", "build_dim_prices", "list_prices_for", "load_contract_prices"]

_DIM_PRICES_SQL = """
create or replace table dim_prices as
select
    price_id::varchar as price_id,
    price_type::varchar as price_type,
    provider::varchar as provider,
    model::varchar as model,
    service_tier::varchar as service_tier,
    token_kind::varchar as token_kind,
    min_input_tokens::bigint as min_input_tokens,
    unit_price::decimal(38,12) as unit_price,
    pricing_unit::varchar as pricing_unit,
    currency::varchar as currency,
    valid_from::date as valid_from,
    valid_to::date as valid_to,
    source::varchar as source
from prices_frame
order by price_type, provider, model, service_tier, token_kind, min_input_tokens, valid_from
"""


def build_dim_prices(con: duckdb.DuckDBPyConnection, contracts_csv: Path | None) -> int:
    """Rebuild `dim_prices` for every model in `stg_requests`; returns its row count."""
    models = pl.DataFrame(
        con.execute(
            """select provider, model, service_tier,
                      min(request_date) as first_date, max(request_date) as last_date
               from stg_requests group by all"""
        ).fetchall(),
        schema=dict.fromkeys(MODEL_COLUMNS[:3], pl.String())
        | {"first_date": pl.Date(), "last_date": pl.Date()},
        orient="row",
    )
    frames = [list_prices_for(models)]
    if contracts_csv is not None:
        frames.append(load_contract_prices(contracts_csv))
    prices = pl.concat(frames)
    duplicated = prices.filter(pl.col("price_id").is_duplicated())["price_id"].unique().to_list()
    if duplicated:
        raise ValueError(f"dim_prices: duplicate price ids {sorted(duplicated)[:5]}")
    con.register("prices_frame", prices.to_arrow())
    try:
        con.execute(_DIM_PRICES_SQL)
    finally:
        con.unregister("prices_frame")
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and blocks the connection
    return int(con.execute("select count(*) from dim_prices").fetchall()[0][0])
