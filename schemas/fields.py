"""Field helpers and shared texts of the table models (they feed column comments and docs)."""

from __future__ import annotations

from typing import Annotated, Any

import pandera.polars as pa
import polars as pl

Threshold = Annotated[pl.Decimal, 5, 4]  # a fraction of a budget, e.g. 0.8000
SEVERITIES = ("low", "medium", "high")
EXACT = "exact DECIMAL(38,18)"
EXACT_CONTRACTED = "exact DECIMAL(38,18) in the contracted currency"


def f(description: str, **kwargs: Any) -> Any:
    """A non-null documented field."""
    return pa.Field(description=description, **kwargs)


def opt(description: str, **kwargs: Any) -> Any:
    """A nullable documented field."""
    return pa.Field(nullable=True, description=description, **kwargs)
