"""Schema of dim_prices."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import UnitPrice
from schemas.fields import f, opt

TABLE = "dim_prices"


class DimPrices(pa.DataFrameModel):
    """Every unit price costline may apply, dated (SCD-2): list prices from genai-prices and
    contracted prices from catalog/prices.csv. Rebuilt every run, so any past day can be repriced.

    Grain: one row per price_id.
    """

    price_id: str = f(
        "Stable id: type:provider:model:service tier:context tier:token kind:valid_from",
        unique=True,
    )
    price_type: str = f(
        "`list` (genai-prices) or `contracted` (catalog/prices.csv)",
        isin=("list", "contracted"),
    )
    provider: str = f("Provider, as in the request logs")
    model: str = f("Model, exactly as reported in the request logs")
    service_tier: str = f("`standard`, `batch`, `flex`, `priority`, or `*` = any tier")
    token_kind: str = f(
        "`input`, `cache_read`, `cache_write`, `cache_write_1h` or `output`",
        isin=("input", "cache_read", "cache_write", "cache_write_1h", "output"),
    )
    min_input_tokens: pl.Int64 = f(
        "0 for the base tier; the request's total input tokens from which a long-context tier "
        "applies",
        ge=0,
    )
    unit_price: UnitPrice = f("Price per pricing unit, exact DECIMAL(38,12)", ge=0)
    pricing_unit: str = f("Unit the price is per, e.g. `1000000 Tokens`")
    currency: str = f("ISO 4217 currency of the price", str_length=3)
    valid_from: pl.Date = f("First day the price applies (inclusive)")
    valid_to: pl.Date = opt("Day the price stops applying (exclusive); NULL = still valid")
    source: str = f("`genai-prices <version> (<its model id>)` or `catalog/prices.csv line N`")

    class Config:
        strict = True
        ordered = True


MODEL = DimPrices
