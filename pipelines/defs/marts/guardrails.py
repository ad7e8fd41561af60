"""Budget guardrails for the application: `<output>/exports/guardrails/<date>.json`."""

from datetime import timedelta

import dagster as dg

from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib.marts import guardrails
from pipelines.lib.progress import report
from pipelines.lib.publish import stage_unit


@daily_asset(
    group_name="exports",
    deps=["mart_budget_status", "mart_tenant_margin"],
    kinds={"json"},
)
def guardrails_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """One decision per budget (alert / degrade / block / none) as of the last day of the run
    window, staged and published with the run; ordering is deterministic (tenant, feature,
    currency)."""
    _, end = window(context)
    as_of = end - timedelta(days=1)
    with costline.connect(read_only=False) as con:
        document = guardrails.build_decisions(con, as_of)
    path = guardrails.guardrails_path(costline.output_path, as_of)
    # staged; the publish step moves it into place once the whole run has passed
    guardrails.write_atomic(
        document, stage_unit(costline.output_path, path.relative_to(costline.output_path))
    )
    actions: dict[str, int] = {}
    for decision in document["decisions"]:
        actions[decision["action"]] = actions.get(decision["action"], 0) + 1
    report(f"staged {len(document['decisions'])} guardrail decisions for {path}")
    return dg.MaterializeResult(
        metadata={
            "path": str(path),
            "as_of": as_of.isoformat(),
            "decisions": len(document["decisions"]),
            "actions": dg.MetadataValue.json(actions),
        }
    )
