"""The blocking schema check of a table a Python asset writes: its spec and its result.

One check name for every published table (`matches_published_schema`); the rows are validated by
the table's pandera model through `schemas.registry`.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from schemas import registry

SCHEMA_CHECK = "matches_published_schema"


def schema_spec(asset: str, table: str) -> dg.AssetCheckSpec:
    """The blocking schema check of `table`, attached to `asset`."""
    return dg.AssetCheckSpec(
        SCHEMA_CHECK,
        asset=asset,
        blocking=True,
        description=f"rows validate against schemas.{registry.module_of(table)}",
    )


def schema_result(table: str, frame: pl.DataFrame, asset: str | None = None) -> dg.AssetCheckResult:
    """Its result for the rows `frame` (asset: `table` unless named)."""
    failure = registry.validate_frame(table, frame)
    return dg.AssetCheckResult(
        check_name=SCHEMA_CHECK,
        asset_key=dg.AssetKey(asset or table),
        passed=failure is None,
        metadata={"failure": failure or "none", "rows": len(frame)},
    )
