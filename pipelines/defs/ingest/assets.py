"""Staging: request logs into stg_requests (with quarantine) and the tenant catalog."""

import dagster as dg

from pipelines.defs.partitions import daily_partitions, single_run
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib import catalog, warehouse
from pipelines.lib.ingest.sql import load_requests_sql
from pipelines.lib.progress import report
from schemas import canonical_request, registry
from schemas.canonical_request import CanonicalRequest

ROWS_ACCOUNTED = "rows_accounted_for"
SCHEMA_VALID = "canonical_schema"


@dg.asset(
    group_name="staging",
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"python", "polars", "duckdb"},
    pool="duckdb",
    check_specs=[
        dg.AssetCheckSpec(
            ROWS_ACCOUNTED,
            asset="stg_requests",
            blocking=True,
            description="rows read = rows loaded + quarantined + other days",
        ),
        dg.AssetCheckSpec(
            SCHEMA_VALID,
            asset="stg_requests",
            blocking=True,
            description="the window validates against the CanonicalRequest model",
        ),
    ],
)
def stg_requests(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Request logs of the window, normalised to the canonical record; rejects go to
    `quarantine_requests` with file, line, field and reason. Grain: one row per request_id."""
    start, end = window(context)
    report(f"reading request logs {start} .. {end}")
    with costline.connect() as con:
        # Validated in DuckDB straight into the warehouse: same reasons and accounting as
        # read_requests + staging.load_window. The connection's memory limit
        # (COSTLINE_DUCKDB_MEMORY_LIMIT) makes DuckDB spill its scratch table to disk instead of
        # growing with the day's volume.
        stats, _files = load_requests_sql(con, costline.input_path, start, end)
        errors, rows = _schema_errors(con, start, end)
        reasons = warehouse.frame(
            con,
            """select reason, count(*) as n from quarantine_requests
               where (request_date >= $s and request_date < $e) or request_date is null
               group by all order by n desc limit 10""",
            {"s": start, "e": end},
        )
    report(
        f"loaded {stats.rows_loaded:,} requests, quarantined {stats.rows_quarantined:,} "
        f"(read {stats.rows_read:,} from {stats.files} files)"
    )
    yield dg.MaterializeResult(
        metadata={
            **stats.as_metadata(),
            "quarantine_reasons": dg.MetadataValue.md("```\n" + str(reasons) + "\n```"),
        }
    )
    accounted = stats.rows_read == (
        stats.rows_loaded + stats.rows_quarantined + stats.rows_outside_window
    )
    yield dg.AssetCheckResult(
        check_name=ROWS_ACCOUNTED, passed=accounted, metadata=stats.as_metadata()
    )
    yield dg.AssetCheckResult(
        check_name=SCHEMA_VALID,
        passed=errors is None,
        metadata={"failure": errors or "none", "rows": rows},
    )


def _schema_errors(con, start, end) -> tuple[str | None, int]:
    """Validate the window against CanonicalRequest (`registry.validate_model_query`: pandera in
    bounded batches, or compiled to SQL for big windows); request_id uniqueness over the whole
    window is checked in SQL either way."""
    window = {"s": start, "e": end}
    dupes = warehouse.scalar(
        con,
        """select count(*) - count(distinct request_id) from stg_requests
           where request_date >= $s and request_date < $e""",
        window,
    )
    errors, rows = registry.validate_model_query(
        con,
        CanonicalRequest,
        canonical_request.SQL_CHECKS,
        "select * from stg_requests where request_date >= $s and request_date < $e",
        window,
    )
    if dupes and errors is None:
        errors = f"{dupes} duplicated request_id values in the window"
    return errors, rows


@dg.asset(
    group_name="staging",
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"python", "duckdb"},
    pool="duckdb",
)
def dim_tenants(context: dg.AssetExecutionContext, costline: CostlineResource):
    """catalog/tenants.csv: tenant names, business units and cost centers. Grain: tenant_id."""
    tenants = catalog.load_tenants(costline.input_path / "catalog" / "tenants.csv")
    with costline.connect() as con:
        con.register("incoming_tenants", tenants.to_arrow())
        con.execute("create or replace table dim_tenants as select * from incoming_tenants")
        con.unregister("incoming_tenants")
    return dg.MaterializeResult(metadata={"tenants": len(tenants)})
