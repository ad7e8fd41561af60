"""Invoices -> invoice lines -> allocation -> monthly chargeback files.

Invoices are monthly, the job is daily: these assets share the daily partitions and work on the
**months the run's window touches** (`months_of`), so they run in the one daily job (no second
partitions definition in it). A month's final chargeback is requested by the sensor
`invoice_files_sensor` when invoice files for it arrive (a run of the last day of that month with
only the invoice assets selected).
"""

import os
from datetime import date
from decimal import Decimal

import dagster as dg
import duckdb
import polars as pl

from pipelines.defs.checks import schema_result, schema_spec
from pipelines.defs.partitions import daily_partitions, single_run
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib import warehouse
from pipelines.lib.chargeback import CHARGEBACK_COLUMNS, build_chargeback, export_month
from pipelines.lib.chargeback.export import invoice_summary
from pipelines.lib.chargeback.inputs import request_counts, tenant_catalog
from pipelines.lib.invoices import INVOICE_LINE_COLUMNS, invoice_totals, read_invoices
from pipelines.lib.invoices.allocation import ALLOCATED_COLUMNS, FxRates, allocate, invoice_check
from pipelines.lib.invoices.lines import month_start, months_of, next_month
from pipelines.lib.invoices.reconciliation import reconciliation_gaps
from pipelines.lib.invoices.tables import ensure_table, known_models, replace_rows, usage_cells
from pipelines.lib.progress import report

# months_of (pipelines.lib.invoices.lines) stays importable from here: defs/focus/invoiced uses it.

GROUP = "invoices"
ALLOCATIONS_TABLE = "invoice_allocations"
CHARGEBACK_TABLE = "chargeback_lines"
ALLOCATED_EQUALS_INVOICE = "allocated_equals_invoice"
RECONCILIATION_GAP = "reconciliation_gap"
# Largest |billed usage - logged contracted usage| / logged, per provider and month, before the
# warning check fires (COSTLINE_MAX_RECONCILIATION_GAP, default 5 %).
GAP_ENV = "COSTLINE_MAX_RECONCILIATION_GAP"
STATEMENT_CURRENCY_ENV = "COSTLINE_STATEMENT_CURRENCY"
LINES_COUNTED_ONCE = "lines_counted_once"
INVOICE_ASSETS = ("stg_invoice_lines", ALLOCATIONS_TABLE, "chargeback_export")


def max_gap() -> Decimal:
    """The configured reconciliation-gap threshold (a share, 0.05 = 5 %)."""
    return Decimal(os.environ.get(GAP_ENV, "0.05"))


@dg.asset(
    group_name=GROUP,
    deps=["stg_requests"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"python", "duckdb"},
    pool="duckdb",
    check_specs=[
        schema_spec("stg_invoice_lines", "stg_invoice_lines"),
        dg.AssetCheckSpec(
            LINES_COUNTED_ONCE,
            asset="stg_invoice_lines",
            description="no vendor line is repeated in a second file (a repeat is counted once "
            "and warned about; docs/invoices.md, line identity)",
        ),
    ],
)
def stg_invoice_lines(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Every vendor invoice under `<input>/invoices/` (OpenAI Costs pages, Anthropic cost_report,
    Azure/AWS FOCUS exports, generic CSV) normalised to one line shape; the table is rebuilt from
    the files each run (invoices are small, and a re-sent file replaces its lines). A stated total
    that the lines do not add up to fails the run. Grain: one row per vendor line (line_id)."""
    with costline.connect() as con:
        batch = read_invoices(costline.input_path, known_models(con))
        replace_rows(con, "stg_invoice_lines", INVOICE_LINE_COLUMNS, batch.lines, "true", {})
        # SQL models downstream of this asset read the allocation table: it exists from here on
        ensure_table(con, ALLOCATIONS_TABLE, ALLOCATED_COLUMNS)
    totals = invoice_totals(batch.lines)
    report(
        f"read {len(batch.lines):,} invoice lines from {len(batch.files)} files "
        f"({len(totals)} invoices)"
    )
    for repeat in batch.repeats:
        context.log.warning(repeat.message())
        report(f"warning: {repeat.message()}")
    yield dg.MaterializeResult(
        metadata={
            "files": len(batch.files),
            "lines": len(batch.lines),
            "invoices": dg.MetadataValue.json({k: f"{v[1]} {v[0]}" for k, v in totals.items()}),
        }
    )
    yield schema_result("stg_invoice_lines", batch.lines)
    yield dg.AssetCheckResult(
        check_name=LINES_COUNTED_ONCE,
        passed=not batch.repeats,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "repeated_lines": sum(r.lines for r in batch.repeats),
            # one line: the run output prints scalar, single-line metadata
            "files": "; ".join(r.message() for r in batch.repeats) or "none",
        },
    )


@dg.asset(
    name=ALLOCATIONS_TABLE,
    group_name=GROUP,
    deps=["stg_invoice_lines", "int_usage_cells_aggregated"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"python", "duckdb"},
    pool="duckdb",
    check_specs=[
        dg.AssetCheckSpec(
            ALLOCATED_EQUALS_INVOICE,
            asset=ALLOCATIONS_TABLE,
            blocking=True,
            description="per InvoiceId, Σ allocated_cost = invoice total to the cent",
        ),
        dg.AssetCheckSpec(
            RECONCILIATION_GAP,
            asset=ALLOCATIONS_TABLE,
            description=f"billed usage within {GAP_ENV} (default 5 %) of the "
            "logged contracted cost, per provider and month",
        ),
        schema_spec(ALLOCATIONS_TABLE, ALLOCATIONS_TABLE),
    ],
)
def invoice_allocations(context: dg.AssetExecutionContext, costline: CostlineResource):
    """The invoices of the months the window touches, allocated to tenant × feature × environment
    × model × token kind × day cells in proportion to contracted usage
    (pipelines.lib.invoices.allocation).
    Grain: InvoiceId × cell × allocation_level; replaced per invoice billing month."""
    start, end = window(context)
    months = months_of(start, end)
    fx = FxRates.from_csv(costline.input_path / "catalog" / "fx.csv")
    with costline.connect() as con:
        ensure_table(con, "stg_invoice_lines", INVOICE_LINE_COLUMNS)
        lines = warehouse.frame(
            con,
            'select * from stg_invoice_lines where "BillingPeriodStart" in '
            "(select unnest($m::date[]))",
            {"m": months},
        ).cast(INVOICE_LINE_COLUMNS)
        if len(lines):
            first = min(months[0], lines["ChargePeriodStart"].min())
            last = max(next_month(months[-1]), lines["ChargePeriodEnd"].max())
        else:
            first, last = months[0], next_month(months[-1])
        cells = usage_cells(con, month_start(first), last)
        allocated = allocate(lines, cells, fx.rate)
        replace_rows(
            con,
            ALLOCATIONS_TABLE,
            ALLOCATED_COLUMNS,
            allocated,
            "billing_period in (select unnest($p::varchar[]))",
            {"p": [m.strftime("%Y-%m") for m in months]},
        )
    check = invoice_check(lines, allocated)
    report(f"allocated {len(check)} invoices to {len(allocated):,} rows")
    yield dg.MaterializeResult(
        metadata={
            "months": ", ".join(m.strftime("%Y-%m") for m in months),
            "rows": len(allocated),
            "unallocated": dg.MetadataValue.md(f"```\n{check}\n```"),
        }
    )
    yield schema_result(ALLOCATIONS_TABLE, allocated)
    mismatches = check.filter(~pl.col("matches"))
    yield dg.AssetCheckResult(
        check_name=ALLOCATED_EQUALS_INVOICE,
        passed=len(mismatches) == 0,
        metadata={
            "invoices": len(check),
            "mismatches": len(mismatches),
            "detail": dg.MetadataValue.md(f"```\n{check}\n```"),
        },
    )
    gaps = reconciliation_gaps(lines, cells, fx)
    worst = max(
        (abs(g["gap_share"]) for g in gaps if g["gap_share"] is not None), default=Decimal(0)
    )
    yield dg.AssetCheckResult(
        check_name=RECONCILIATION_GAP,
        passed=worst <= max_gap(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "threshold": float(max_gap()),
            "worst_gap_share": float(worst),
            "gaps": dg.MetadataValue.json([{k: str(v) for k, v in g.items()} for g in gaps]),
        },
    )


@dg.asset(
    group_name="exports",
    deps=[ALLOCATIONS_TABLE, "int_usage_cells_aggregated", "fct_cost_lines", "dim_tenants"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"csv", "parquet"},
    pool="duckdb",
    check_specs=[schema_spec("chargeback_export", CHARGEBACK_TABLE)],
)
def chargeback_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """`<output>/exports/chargeback/<YYYY-MM>/`: the chargeback of every month the window touches
    and of every month its invoices correct (provisional until the month's invoices arrive, then
    final; a final month is re-issued only when a correction arrives), with one statement per
    tenant and a manifest. Also table `chargeback_lines`."""
    start, end = window(context)
    months = months_of(start, end)
    periods = {m.strftime("%Y-%m") for m in months}
    fx = FxRates.from_csv(costline.input_path / "catalog" / "fx.csv")
    statement_currency = os.environ.get(STATEMENT_CURRENCY_ENV) or None
    results = []
    frames = []
    with costline.connect() as con:
        ensure_table(con, ALLOCATIONS_TABLE, ALLOCATED_COLUMNS)
        ensure_table(con, "stg_invoice_lines", INVOICE_LINE_COLUMNS)
        corrected = con.execute(
            f"select distinct usage_period from {ALLOCATIONS_TABLE} "
            "where billing_period in (select unnest($p::varchar[]))",
            {"p": sorted(periods)},
        ).fetchall()
        periods |= {p for (p,) in corrected}
        lines = warehouse.frame(con, "select * from stg_invoice_lines").cast(INVOICE_LINE_COLUMNS)
        totals = invoice_totals(lines)
        tenants = tenant_catalog(costline.input_path, con)
        for period in sorted(periods):
            first = date.fromisoformat(f"{period}-01")
            last = next_month(first)
            allocated = warehouse.frame(
                con, f"select * from {ALLOCATIONS_TABLE} where usage_period = $p", {"p": period}
            ).cast(ALLOCATED_COLUMNS)
            cells = usage_cells(con, first, last)
            counts = request_counts(con, first, last)
            frame = build_chargeback(
                period, allocated, cells, counts, tenants, fx, statement_currency
            )
            frames.append(frame)
            contributing = lines.filter(
                pl.col("InvoiceId").is_in(allocated["InvoiceId"].unique().to_list())
            )["line_id"].to_list()
            result = export_month(
                costline.output_path,
                period,
                frame,
                contributing,
                invoice_summary(_allocations_of_invoices_in(con, period), period, totals),
            )
            if result.action != "unchanged":
                replace_rows(
                    con,
                    CHARGEBACK_TABLE,
                    CHARGEBACK_COLUMNS,
                    pl.read_parquet(result.directory / "chargeback.parquet"),
                    "billing_period = $p",
                    {"p": period},
                )
            results.append(result)
            report(
                f"chargeback {period}: {result.action} ({result.status}, issue "
                f"{result.issue}, {result.rows} rows)"
            )
    yield dg.MaterializeResult(
        metadata={
            "months": dg.MetadataValue.json(
                {
                    r.period: {
                        "action": r.action,
                        "status": r.status,
                        "issue": r.issue,
                        "rows": r.rows,
                        "path": str(r.directory),
                    }
                    for r in results
                }
            )
        }
    )
    built = (
        pl.concat(frames).with_columns(pl.col("issue").fill_null(0))
        if frames
        else pl.DataFrame(schema=CHARGEBACK_COLUMNS).with_columns(pl.col("issue"))
    )
    yield schema_result(CHARGEBACK_TABLE, built, "chargeback_export")


def _allocations_of_invoices_in(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """Every allocation row, in any month, of the invoices that reach `period`: a correction
    spreads one invoice over two months, and its manifest must show the whole invoice."""
    return warehouse.frame(
        con,
        f"""select "InvoiceId", usage_period, allocated_cost from {ALLOCATIONS_TABLE}
            where "InvoiceId" in (
                select "InvoiceId" from {ALLOCATIONS_TABLE} where usage_period = $p)""",
        {"p": period},
    )
