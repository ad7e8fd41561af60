"""Every SQL model that no domain module builds itself becomes an asset here, with the checks
registered for it in `pipelines.defs.marts.mart_checks`."""

from pipelines.defs.marts.mart_checks import CHECKS
from pipelines.defs.sql_assets import build_sql_asset
from pipelines.lib import warehouse

# Built by their domain modules (they carry domain checks and exports).
BUILT_ELSEWHERE = {"fct_cost_lines", "fct_focus_cost_and_usage", "fct_focus_invoiced"}

_models = warehouse.discover_models()
sql_model_assets = [
    build_sql_asset(model, _models, checks=CHECKS.get(name, ()))
    for name, model in _models.items()
    if name not in BUILT_ELSEWHERE
]
