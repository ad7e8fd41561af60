"""Extra asset checks for SQL models, keyed by model name: (AssetCheckSpec, fn) pairs where
fn(con, start, end, costline) returns an AssetCheckResult without a check_name."""

from pipelines.defs.marts.mart_checks import CHECKS as MART_WARNINGS
from pipelines.defs.sql_assets import CheckList

MODEL_CHECKS: dict[str, CheckList] = {**MART_WARNINGS}
