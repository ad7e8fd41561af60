"""Turn every `sql/<layer>/<name>.sql` model into a Dagster asset named after its file.

After the model runs, the same step applies its documentation (`COMMENT ON` from the table's
pandera model, see `schemas.registry`), validates the window against that model as a blocking
check, and runs any extra checks registered for it.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import date

import dagster as dg

from pipelines.defs.checks import schema_check
from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib import warehouse
from pipelines.lib.progress import report
from schemas import registry

# A check runs after its model: (con, start, end, costline) -> AssetCheckResult (no check_name)
SqlCheck = Callable[..., dg.AssetCheckResult]
CheckList = Sequence[tuple[dg.AssetCheckSpec, SqlCheck]]

# Tables written by Python assets, so SQL models that read them depend on the right asset.
TABLE_PRODUCERS = {
    "stg_requests": "stg_requests",
    "quarantine_requests": "stg_requests",
    "ingest_audit": "stg_requests",
    "dim_prices": "dim_prices",
    "dim_tenants": "dim_tenants",
    "stg_feedback": "stg_feedback",
    "dim_budgets": "dim_budgets",
    "dim_features": "dim_features",
    "dim_fx_rates": "dim_fx_rates",
    "stg_invoice_lines": "stg_invoice_lines",
    "invoice_allocations": "invoice_allocations",
    "chargeback_lines": "chargeback_export",
    "costline_settings": "costline_settings",
    "quarantine_feedback": "stg_feedback",
    "stg_revenue": "stg_revenue",
    "quarantine_revenue": "stg_revenue",
    "dim_internal_rates": "dim_internal_rates",
    "int_tenant_margins_computed": "margin_figures",
    "int_feature_margins_computed": "margin_figures",
    "int_internal_recovery_computed": "margin_figures",
}


def upstream_of(model: warehouse.SqlModel, models: dict[str, warehouse.SqlModel]) -> list[str]:
    """Assets this model reads: other SQL models and the Python assets behind raw tables."""
    deps = set(warehouse.model_dependencies(model, models))
    deps |= {TABLE_PRODUCERS[t] for t in model.references if t in TABLE_PRODUCERS}
    return sorted(deps)


def _window_query(model: warehouse.SqlModel, start: date, end: date) -> tuple[str, dict]:
    """The rows of the run window (all rows unless the model is partitioned)."""
    query = f"select * from {model.name}"
    if model.materialization != "partitioned":
        return query, {}
    column = model.partition_column
    return f"{query} where {column} >= $s and {column} < $e", {"s": start, "e": end}


def build_sql_asset(
    model: warehouse.SqlModel,
    models: dict[str, warehouse.SqlModel] | None = None,
    checks: CheckList = (),
    extra_deps: Iterable[str] = (),
) -> dg.AssetsDefinition:
    """One asset for one SQL model, with its schema check and declared checks."""
    models = models or warehouse.discover_models()
    check_fns = {spec.name: fn for spec, fn in checks}
    specs = [spec for spec, _ in checks]
    documented = registry.has_model(model.name)
    schema = schema_check(model.name)
    if documented:
        specs.append(schema.spec)

    @daily_asset(
        name=model.name,
        group_name=model.layer,
        deps=sorted(set(upstream_of(model, models)) | set(extra_deps)),
        kinds={"duckdb", "sql"},
        description=f"{model.description}\n\nGrain: {model.grain}. Source: sql/{model.layer}/"
        f"{model.path.name}",
        check_specs=specs,
    )
    def _asset(context: dg.AssetExecutionContext, costline: CostlineResource):
        start, end = window(context)
        report(f"building {model.name}")
        with costline.connect() as con:
            rows = warehouse.run_model(con, model, start, end)
            if documented:
                registry.apply_comments(con, model.name)
            metadata: dict[str, object] = {
                "window": f"{start} .. {end} (exclusive)",
                "grain": model.grain,
            }
            if model.materialization != "view":  # a view's preview would compute all of it
                preview = warehouse.frame(con, f"select * from {model.name} limit 5")
                metadata["preview"] = dg.MetadataValue.md(f"```\n{preview}\n```")
                key = "rows_in_window" if model.materialization == "partitioned" else "rows"
                metadata[key] = rows
            yield dg.MaterializeResult(metadata=metadata)
            if documented:
                yield schema.of_query(con, *_window_query(model, start, end))
            for name, fn in check_fns.items():
                result = fn(con, start, end, costline)
                yield dg.AssetCheckResult(
                    check_name=name,
                    passed=result.passed,
                    severity=result.severity,
                    metadata=result.metadata,
                    description=result.description,
                )

    return _asset


def sql_model(name: str) -> warehouse.SqlModel:
    """The model of that name from sql/."""
    return warehouse.discover_models()[name]
