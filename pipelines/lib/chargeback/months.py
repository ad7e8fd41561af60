"""Issue the chargeback of every month a run touches and of every month its invoices correct.

Each month is built from its allocation rows, usage cells and request counts, then staged (or
left alone, or re-issued) by `export_month`; a month whose files changed replaces its rows of the
table `chargeback_lines`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import warehouse
from pipelines.lib.chargeback.build import CHARGEBACK_COLUMNS, build_chargeback
from pipelines.lib.chargeback.export import ExportResult, export_month, invoice_summary
from pipelines.lib.chargeback.inputs import request_counts, tenant_catalog
from pipelines.lib.invoices import INVOICE_LINE_COLUMNS, invoice_totals
from pipelines.lib.invoices.allocate_months import ALLOCATIONS_TABLE, LINES_TABLE, periods_of
from pipelines.lib.invoices.allocation import ALLOCATED_COLUMNS, FxRates
from pipelines.lib.invoices.tables import ensure_table, replace_rows, usage_cells
from pipelines.lib.progress import report
from pipelines.money import next_month

CHARGEBACK_TABLE = "chargeback_lines"


@dataclass(frozen=True)
class ChargebackInputs:
    """What every month's chargeback reads besides its own allocation rows."""

    input_path: Path
    output_path: Path
    fx: FxRates
    statement_currency: str | None


@dataclass
class ChargebackRun:
    """What the run did to each month, and the rows it built."""

    results: list[ExportResult] = field(default_factory=list)
    frames: list[pl.DataFrame] = field(default_factory=list)

    def built(self) -> pl.DataFrame:
        """Every row built (issue 0 where a month was left unchanged), for the schema check."""
        if not self.frames:
            return pl.DataFrame(schema=CHARGEBACK_COLUMNS).with_columns(pl.col("issue"))
        return pl.concat(self.frames).with_columns(pl.col("issue").fill_null(0))

    def months(self) -> dict[str, dict[str, object]]:
        """Action, status, issue, rows and folder per month."""
        return {
            r.period: {
                "action": r.action,
                "status": r.status,
                "issue": r.issue,
                "rows": r.rows,
                "path": str(r.directory),
            }
            for r in self.results
        }


@dataclass(frozen=True)
class _Invoices:
    lines: pl.DataFrame
    totals: dict[str, tuple[str, Decimal]]
    tenants: pl.DataFrame


def chargeback_periods(con: duckdb.DuckDBPyConnection, months: list[date]) -> list[str]:
    """The months' periods and every usage period their invoices allocate to, sorted."""
    periods = set(periods_of(months))
    corrected = con.execute(
        f"select distinct usage_period from {ALLOCATIONS_TABLE} "
        "where billing_period in (select unnest($p::varchar[]))",
        {"p": sorted(periods)},
    ).fetchall()
    return sorted(periods | {p for (p,) in corrected})


def issue_chargebacks(
    con: duckdb.DuckDBPyConnection, months: list[date], inputs: ChargebackInputs
) -> ChargebackRun:
    """Build and stage the chargeback of every period `chargeback_periods` names."""
    ensure_table(con, ALLOCATIONS_TABLE, ALLOCATED_COLUMNS)
    ensure_table(con, LINES_TABLE, INVOICE_LINE_COLUMNS)
    periods = chargeback_periods(con, months)
    lines = warehouse.frame(con, f"select * from {LINES_TABLE}").cast(INVOICE_LINE_COLUMNS)
    invoices = _Invoices(lines, invoice_totals(lines), tenant_catalog(inputs.input_path, con))
    run = ChargebackRun()
    for period in periods:
        frame, result = _issue_month(con, period, inputs, invoices)
        run.frames.append(frame)
        run.results.append(result)
        report(
            f"chargeback {period}: {result.action} ({result.status}, issue "
            f"{result.issue}, {result.rows} rows)"
        )
    return run


def _issue_month(
    con: duckdb.DuckDBPyConnection, period: str, inputs: ChargebackInputs, invoices: _Invoices
) -> tuple[pl.DataFrame, ExportResult]:
    """Build, stage and record one month's chargeback."""
    first = date.fromisoformat(f"{period}-01")
    last = next_month(first)
    allocated = warehouse.frame(
        con, f"select * from {ALLOCATIONS_TABLE} where usage_period = $p", {"p": period}
    ).cast(ALLOCATED_COLUMNS)
    frame = build_chargeback(
        period,
        allocated,
        usage_cells(con, first, last),
        request_counts(con, first, last),
        invoices.tenants,
        inputs.fx,
        inputs.statement_currency,
    )
    contributing = invoices.lines.filter(
        pl.col("InvoiceId").is_in(allocated["InvoiceId"].unique().to_list())
    )["line_id"].to_list()
    summary = invoice_summary(_allocations_of_invoices_in(con, period), period, invoices.totals)
    result = export_month(inputs.output_path, period, frame, contributing, summary)
    if result.action != "unchanged":
        replace_rows(
            con,
            CHARGEBACK_TABLE,
            CHARGEBACK_COLUMNS,
            pl.read_parquet(result.directory / "chargeback.parquet"),
            "billing_period = $p",
            {"p": period},
        )
    return frame, result


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
