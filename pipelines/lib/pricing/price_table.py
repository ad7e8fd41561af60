"""The shape of `dim_prices` (docs/design.md) and helpers shared by list and contracted prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

from pipelines.money import UNIT_PRICE, UNIT_PRICE_SCALE

PRICING_UNIT = "1000000 Tokens"
TOKENS_PER_UNIT = 1_000_000
ANY_TIER = "*"

DIM_PRICES_COLUMNS: dict[str, pl.DataType] = {
    "price_id": pl.String(),
    "price_type": pl.String(),
    "provider": pl.String(),
    "model": pl.String(),
    "service_tier": pl.String(),
    "token_kind": pl.String(),
    "min_input_tokens": pl.Int64(),
    "unit_price": UNIT_PRICE,
    "pricing_unit": pl.String(),
    "currency": pl.String(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
    "source": pl.String(),
}


def band_label(min_input_tokens: int) -> str:
    """Context band inside a price id: `base`, or `min200001` for a long-context tier."""
    return "base" if min_input_tokens == 0 else f"min{min_input_tokens}"


def price_id(
    price_type: str,
    provider: str,
    model: str,
    service_tier: str,
    min_input_tokens: int,
    token_kind: str,
    valid_from: date,
) -> str:
    """Stable id, e.g. `list:openai:gpt-4.1-mini:standard:base:input:2025-04-14`."""
    band = band_label(min_input_tokens)
    return f"{price_type}:{provider}:{model}:{service_tier}:{band}:{token_kind}:{valid_from}"


def fits_unit_price(value: Decimal) -> bool:
    """Whether a price is exactly representable as DECIMAL(38,12) (no rounding ever)."""
    if not value.is_finite():
        return False
    exponent = value.as_tuple().exponent
    # trailing zeros beyond 12 places are fine (e.g. 1.5000000000000)
    too_fine = isinstance(exponent, int) and exponent < -UNIT_PRICE_SCALE
    if too_fine and value != value.quantize(Decimal(1).scaleb(-UNIT_PRICE_SCALE)):
        return False
    return abs(value) < Decimal(10) ** (38 - UNIT_PRICE_SCALE)


def price_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """dim_prices-shaped frame from row dicts (unit prices as Decimal, never float)."""
    return pl.DataFrame(rows, schema=DIM_PRICES_COLUMNS)
