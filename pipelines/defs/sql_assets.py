"""Turn every `sql/<layer>/<name>.sql` model into a Dagster asset named after its file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import dagster as dg

from pipelines.defs.partitions import daily_partitions, single_run
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib import warehouse

# A check runs after its model: (con, start, end, costline) -> AssetCheckResult
SqlCheck = Callable[..., dg.AssetCheckResult]

def build_sql_asset(
    model: warehouse.SqlModel,
    upstream: Iterable[str],
    checks: Sequence[tuple[dg.AssetCheckSpec, SqlCheck]] = (),
) -> dg.AssetsDefinition:
    """One asset for one SQL model; declared checks run right after it, in the same step."""
    check_fns = {spec.name: fn for spec, fn in checks}

    @dg.asset(
        name=model.name,
        group_name=model.layer,
        deps=sorted(set(upstream)),
        partitions_def=daily_partitions,
        backfill_policy=single_run,
        kinds={"duckdb", "sql"},
        description=f"{model.description}\n\nGrain: {model.grain}. Source: sql/{model.layer}/"
        f"{model.path.name}",
        check_specs=[spec for spec, _ in checks],
        pool="duckdb",
    )
    def _asset(context: dg.AssetExecutionContext, costline: CostlineResource):
        start, end = window(context)
        with costline.connect() as con:
            rows = warehouse.run_model(con, model, start, end)
            yield dg.MaterializeResult(
                metadata={
                    "rows_in_window" if model.materialization == "partitioned" else "rows": rows,
                    "window": f"{start} .. {end} (exclusive)",
                    "grain": model.grain,
                    "preview": dg.MetadataValue.md(
                        "```\n" + str(con.execute(f"select * from {model.name} limit 5").pl())
                        + "\n```"
                    ),
                }
            )
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
