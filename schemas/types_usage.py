"""Shared dtypes of the part-1 mart schemas."""

from __future__ import annotations

from typing import Annotated

import polars as pl

Money = Annotated[pl.Decimal, 38, 18]
EXACT = "exact DECIMAL(38,18) in the contracted currency"
