"""Schema of dim_internal_rates (internal prices per feature)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import UnitPrice
from schemas.fields import f, opt

# The units an internal rate may be quoted in (pipelines.lib.margin.internal_rates counts them).
UNITS = ("request", "accepted_output", "1000000 Tokens")

TABLE = "dim_internal_rates"


class DimInternalRates(pa.DataFrameModel):
    """Internal prices from catalog/internal_rates.csv: what a feature charges per unit of
    production use. One unit and one currency per feature; validity windows never overlap.

    Grain: one row per feature x valid_from.
    """

    feature: str = f("Product feature")
    unit: str = f("request, accepted_output or 1000000 Tokens (input + output)", isin=UNITS)
    rate: UnitPrice = f("Internal price per unit, exact DECIMAL(38,12)", ge=0)
    currency: str = f("ISO 4217 currency of rate", str_length=3)
    valid_from: pl.Date = f("First day the rate applies (inclusive)")
    valid_to: pl.Date = opt("Day the rate stops applying (exclusive); NULL = open")
    source_line: pl.Int64 = f("Line in catalog/internal_rates.csv (header = line 1)", ge=2)

    class Config:
        strict = True
        ordered = True
        unique = ("feature", "valid_from")


MODEL = DimInternalRates
