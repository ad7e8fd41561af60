"""Prices: dated list prices (genai-prices) and negotiated prices (catalog/prices.csv)."""

import dagster as dg

from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource
from pipelines.lib.pricing import build_dim_prices


@daily_asset(
    group_name="staging",
    deps=["stg_requests"],
)
def dim_prices(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Every list and contracted price that can apply to the models in stg_requests, with
    validity dates (SCD-2), so any past day can be repriced. Grain: price_id."""
    contracts = costline.input_path / "catalog" / "prices.csv"
    with costline.connect() as con:
        rows = build_dim_prices(con, contracts if contracts.exists() else None)
        by_type = con.execute(
            "select price_type, count(*) from dim_prices group by all order by 1"
        ).fetchall()
    return dg.MaterializeResult(metadata={"rows": rows, **{f"{t}_prices": n for t, n in by_type}})
