"""Extra asset checks for SQL models, keyed by model name: (AssetCheckSpec, fn) pairs where
fn(con, start, end, costline) returns an AssetCheckResult without a check_name."""

from __future__ import annotations

from pipelines.defs.sql_assets import CheckList

MODEL_CHECKS: dict[str, CheckList] = {}
