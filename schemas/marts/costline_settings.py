"""Schema of costline_settings."""

from __future__ import annotations

import pandera.polars as pa

from schemas.fields import f

TABLE = "costline_settings"


class CostlineSettings(pa.DataFrameModel):
    """Mart thresholds overridden in catalog/settings.csv (int_settings_resolved adds the
    documented defaults). Replaced every run.

    Grain: one row per key.
    """

    key: str = f("Setting name", unique=True)
    value: str = f("Its value, as written in the file")

    class Config:
        strict = True
        ordered = True


MODEL = CostlineSettings
