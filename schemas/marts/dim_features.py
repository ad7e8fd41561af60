"""Schema of dim_features."""

from __future__ import annotations

import pandera.polars as pa

from schemas.fields import f

TABLE = "dim_features"


class DimFeatures(pa.DataFrameModel):
    """Each feature's kind from catalog/features.csv (extractive, generative, agentic,
    conversational...). Empty when the file is absent: every feature is then `unclassified`.

    Grain: one row per feature.
    """

    feature: str = f("Feature name as in the request logs", unique=True)
    kind: str = f("Kind of work: extractive features rarely need an expensive model")
    source: str = f("Where the row comes from (catalog/features.csv line)")

    class Config:
        strict = True
        ordered = True


MODEL = DimFeatures
