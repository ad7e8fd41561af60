"""Shared dtypes and helpers of the part-2 mart schemas (routing, budgets, anomalies, scorecard)."""

from __future__ import annotations

from typing import Annotated, Any

import pandera.polars as pa
import polars as pl

Money = Annotated[pl.Decimal, 38, 18]
UnitPrice = Annotated[pl.Decimal, 38, 12]
Threshold = Annotated[pl.Decimal, 5, 4]
SEVERITIES = ("low", "medium", "high")
EXACT = "exact DECIMAL(38,18)"


def f(description: str, **kwargs: Any) -> Any:
    """A non-null documented field."""
    return pa.Field(description=description, **kwargs)


def opt(description: str, **kwargs: Any) -> Any:
    """A nullable documented field."""
    return pa.Field(nullable=True, description=description, **kwargs)
