"""Invoices -> invoice lines -> allocation to tenants (the chargeback is `defs/chargeback`).

Invoices are monthly, the job is daily: these assets share the daily partitions and work on the
**months the run's window touches** (`months_of`), so they run in the one daily job (no second
partitions definition in it). A month's final chargeback is requested by the sensor
`invoice_files_sensor` when invoice files for it arrive (a run of the last day of that month with
only the invoice assets selected).
"""

from decimal import Decimal

import dagster as dg

from pipelines.defs.checks import invoices_match, schema_check
from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib.invoices import INVOICE_LINE_COLUMNS, invoice_totals, read_invoices
from pipelines.lib.invoices.allocate_months import (
    ALLOCATIONS_TABLE,
    LINES_TABLE,
    allocate_months,
    periods_of,
    worst_gap,
)
from pipelines.lib.invoices.allocation import ALLOCATED_COLUMNS, FxRates
from pipelines.lib.invoices.tables import ensure_table, known_models, replace_rows
from pipelines.lib.progress import report
from pipelines.money import months_of

GROUP = "invoices"
ALLOCATED_EQUALS_INVOICE = "allocated_equals_invoice"
RECONCILIATION_GAP = "reconciliation_gap"
LINES_COUNTED_ONCE = "lines_counted_once"
LINES_SCHEMA = schema_check(LINES_TABLE)
ALLOCATIONS_SCHEMA = schema_check(ALLOCATIONS_TABLE)


@daily_asset(
    group_name=GROUP,
    deps=["stg_requests"],
    check_specs=[
        LINES_SCHEMA.spec,
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
        replace_rows(con, LINES_TABLE, INVOICE_LINE_COLUMNS, batch.lines, "true", {})
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
    yield LINES_SCHEMA.of_frame(batch.lines)
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


@daily_asset(
    name=ALLOCATIONS_TABLE,
    group_name=GROUP,
    deps=["stg_invoice_lines", "int_usage_cells_aggregated"],
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
            description="billed usage within COSTLINE_MAX_RECONCILIATION_GAP (default 5 %) of the "
            "logged contracted cost, per provider and month",
        ),
        ALLOCATIONS_SCHEMA.spec,
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
        run = allocate_months(con, months, fx)
    report(f"allocated {len(run.check)} invoices to {len(run.allocated):,} rows")
    yield dg.MaterializeResult(
        metadata={
            "months": ", ".join(periods_of(months)),
            "rows": len(run.allocated),
            "unallocated": dg.MetadataValue.md(f"```\n{run.check}\n```"),
        }
    )
    yield ALLOCATIONS_SCHEMA.of_frame(run.allocated)
    yield invoices_match(ALLOCATED_EQUALS_INVOICE, run.check)
    yield reconciliation_gap_check(run.gaps(fx), costline.reconciliation_gap_threshold)


def reconciliation_gap_check(gaps: list[dict], threshold: Decimal) -> dg.AssetCheckResult:
    """Warns when a provider's billed usage in a month is further than `threshold` (a share,
    0.05 = 5 %) from the logged contracted cost."""
    worst = worst_gap(gaps)
    return dg.AssetCheckResult(
        check_name=RECONCILIATION_GAP,
        passed=worst <= threshold,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "threshold": float(threshold),
            "worst_gap_share": float(worst),
            "gaps": dg.MetadataValue.json([{k: str(v) for k, v in g.items()} for g in gaps]),
        },
    )
