"""Staging: request logs into stg_requests (with quarantine) and the tenant catalog."""

from datetime import timedelta
from decimal import Decimal

import dagster as dg
import polars as pl

from pipelines.defs.checks import schema_check
from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib import catalog, warehouse
from pipelines.lib.progress import report
from pipelines.lib.requests import unknown_fields
from pipelines.lib.requests.sql import load_requests_sql
from schemas import registry
from schemas.requests import canonical_request
from schemas.requests.canonical_request import CanonicalRequest

ROWS_ACCOUNTED = "rows_accounted_for"
SCHEMA_VALID = "canonical_schema"
QUARANTINE_SHARE = "quarantine_share"
# stg_requests is checked against the canonical record it was normalised to, window by window
CANONICAL_SCHEMA = schema_check(
    "stg_requests", name=SCHEMA_VALID, against="the CanonicalRequest model"
)


@daily_asset(
    group_name="staging",
    kinds={"python", "polars", "duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            ROWS_ACCOUNTED,
            asset="stg_requests",
            blocking=True,
            description="rows read = rows loaded + quarantined + other days",
        ),
        CANONICAL_SCHEMA.spec,
        dg.AssetCheckSpec(
            QUARANTINE_SHARE,
            asset="stg_requests",
            blocking=True,
            description="quarantined share of the window's records stays under "
            "COSTLINE_MAX_QUARANTINE_SHARE (skipped records not counted)",
        ),
    ],
)
def stg_requests(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Request logs of the window, normalised to the canonical record; rejects go to
    `quarantine_requests` with file, line, field and reason. Grain: one row per request_id."""
    start, end = window(context)
    report(f"reading request logs {start} .. {end - timedelta(days=1)}")
    with costline.connect() as con:
        # Validated in DuckDB straight into the warehouse: same reasons and accounting as
        # read_requests + staging.load_window. The connection's memory limit (the resource's
        # `duckdb_memory_limit`) makes DuckDB spill its scratch table to disk instead of growing
        # with the day's volume.
        stats, files = load_requests_sql(con, costline.input_path, start, end)
        errors, rows = _schema_errors(con, start, end)
        unknown = _unknown_fields(con, [f.path for f in files])
        top = _top_reasons(con, start, end)
        reasons = _reason_counts(con, start, end)
    report(
        f"loaded {stats.rows_loaded:,} requests, quarantined {stats.rows_quarantined:,}, "
        f"skipped {stats.rows_skipped:,} non-billable, repaired {stats.fields_repaired:,} fields "
        f"(read {stats.rows_read:,} from {stats.files} files)"
    )
    for line in unknown:
        context.log.warning(line)
        report(f"warning: {line}")
    yield dg.MaterializeResult(
        metadata={
            **stats.as_metadata(),
            "unknown_fields": dg.MetadataValue.md("\n".join(f"- {u}" for u in unknown) or "none"),
            "quarantine_reasons": dg.MetadataValue.md("```\n" + str(reasons) + "\n```"),
        }
    )
    accounted = stats.rows_read == (
        stats.rows_loaded + stats.rows_quarantined + stats.rows_skipped + stats.rows_outside_window
    )
    yield dg.AssetCheckResult(
        check_name=ROWS_ACCOUNTED, passed=accounted, metadata=stats.as_metadata()
    )
    yield CANONICAL_SCHEMA.result(errors, rows=rows)
    yield quarantine_share_check(
        stats.rows_loaded, stats.rows_quarantined, costline.quarantine_threshold, top
    )


def quarantine_share_check(
    loaded: int, quarantined: int, threshold: Decimal, top: list[tuple[str, int, str]]
) -> dg.AssetCheckResult:
    """Blocking: more than `threshold` of the window's records (loaded + quarantined) in
    quarantine stops the run before anything is published. The message names the top reasons
    with their counts and the first file:line of each."""
    records = loaded + quarantined
    share = Decimal(quarantined) / Decimal(records) if records else Decimal(0)
    passed = share <= threshold
    reasons = "; ".join(f"{reason}: {n:,} (first at {where})" for reason, n, where in top)
    message = (
        f"{quarantined:,} of {records:,} records quarantined ({share:.2%}), "
        f"{'within' if passed else 'over'} COSTLINE_MAX_QUARANTINE_SHARE={threshold}"
        + (f"; top reasons: {reasons}" if reasons else "")
    )
    return dg.AssetCheckResult(
        check_name=QUARANTINE_SHARE,
        passed=passed,
        description=message,
        metadata={
            "message": message,
            "quarantined": quarantined,
            "records_in_window": records,
            "quarantine_share": float(share),
            "threshold": float(threshold),
        },
    )


def _unknown_fields(con, files: list[str]) -> list[str]:
    """One warning line per unknown field of the files read (ingest_unknown_fields)."""
    rows = con.execute(
        """select source_file, field, records, first_line, suggestion, records_quarantined
           from ingest_unknown_fields where list_contains($files, source_file)
           order by source_file, first_line, field""",
        {"files": files},
    ).fetchall()
    return [unknown_fields.UnknownField(*r[:5]).message() for r in rows]


def _reason_counts(con, start, end) -> pl.DataFrame:
    """The window's ten most frequent quarantine reasons with their counts, for the metadata."""
    return warehouse.frame(
        con,
        """select reason, count(*) as n from quarantine_requests
           where (request_date >= $s and request_date < $e) or request_date is null
           group by all order by n desc limit 10""",
        {"s": start, "e": end},
    )


def _top_reasons(con, start, end, limit: int = 5) -> list[tuple[str, int, str]]:
    """(reason, records, first file:line) of the window's quarantine, most frequent first;
    duplicate reasons are grouped without the file:line they name."""
    rows = con.execute(
        r"""select regexp_replace(reason, ' \((first seen in|already loaded from) .*\)$', '')
                    as reason,
                  count(*) as n,
                  min_by(source_file || ':' || source_line,
                         source_file || ':' || lpad(source_line::varchar, 12, '0')) as first
           from quarantine_requests
           where (request_date >= $s and request_date < $e) or request_date is null
           group by 1 order by n desc, reason limit $k""",
        {"s": start, "e": end, "k": limit},
    ).fetchall()
    return [(r[0], int(r[1]), r[2]) for r in rows]


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


@daily_asset(
    group_name="staging",
)
def dim_tenants(context: dg.AssetExecutionContext, costline: CostlineResource):
    """catalog/tenants.csv: tenant names, business units and cost centers. Grain: tenant_id."""
    tenants = catalog.load_tenants(costline.input_path / "catalog" / "tenants.csv")
    with costline.connect() as con:
        warehouse.replace_table(con, "dim_tenants", tenants)
    return dg.MaterializeResult(metadata={"tenants": len(tenants)})
