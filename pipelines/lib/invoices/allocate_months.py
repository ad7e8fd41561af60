"""Allocate the invoices of whole billing months and replace their rows in `invoice_allocations`.

A month's invoice lines may charge usage outside the month (a correction of an earlier month):
the usage cells read span every charge period the lines name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
import polars as pl

from pipelines.lib import warehouse
from pipelines.lib.invoices import INVOICE_LINE_COLUMNS
from pipelines.lib.invoices.allocation import ALLOCATED_COLUMNS, FxRates, allocate, invoice_check
from pipelines.lib.invoices.reconciliation import reconciliation_gaps
from pipelines.lib.invoices.tables import ensure_table, replace_rows, usage_cells
from pipelines.money import month_start, next_month

LINES_TABLE = "stg_invoice_lines"
ALLOCATIONS_TABLE = "invoice_allocations"


@dataclass(frozen=True)
class MonthsAllocated:
    """The invoice lines of the months, the usage cells they were matched with, the rows
    allocated, and the per-invoice check that they add up (`invoice_check`)."""

    lines: pl.DataFrame
    cells: pl.DataFrame
    allocated: pl.DataFrame
    check: pl.DataFrame

    def gaps(self, fx: FxRates) -> list[dict]:
        """Billed usage vs logged contracted cost, per provider and month."""
        return reconciliation_gaps(self.lines, self.cells, fx)


def periods_of(months: list[date]) -> list[str]:
    """`YYYY-MM` of each month."""
    return [m.strftime("%Y-%m") for m in months]


def lines_of_months(con: duckdb.DuckDBPyConnection, months: list[date]) -> pl.DataFrame:
    """The staged invoice lines billed in the months (typed even when the table is new)."""
    ensure_table(con, LINES_TABLE, INVOICE_LINE_COLUMNS)
    return warehouse.frame(
        con,
        f'select * from {LINES_TABLE} where "BillingPeriodStart" in (select unnest($m::date[]))',
        {"m": months},
    ).cast(INVOICE_LINE_COLUMNS)


def usage_span(lines: pl.DataFrame, months: list[date]) -> tuple[date, date]:
    """[first, last) of the usage the lines charge, at least the months themselves."""
    first, last = months[0], next_month(months[-1])
    if len(lines):
        first = min(first, lines["ChargePeriodStart"].min())
        last = max(last, lines["ChargePeriodEnd"].max())
    return month_start(first), last


def allocate_months(
    con: duckdb.DuckDBPyConnection, months: list[date], fx: FxRates
) -> MonthsAllocated:
    """Allocate every invoice billed in the months to usage cells, in proportion to contracted
    usage, and replace the months' rows of `invoice_allocations`."""
    lines = lines_of_months(con, months)
    cells = usage_cells(con, *usage_span(lines, months))
    allocated = allocate(lines, cells, fx.rate)
    replace_rows(
        con,
        ALLOCATIONS_TABLE,
        ALLOCATED_COLUMNS,
        allocated,
        "billing_period in (select unnest($p::varchar[]))",
        {"p": periods_of(months)},
    )
    return MonthsAllocated(lines, cells, allocated, invoice_check(lines, allocated))


def worst_gap(gaps: list[dict]) -> Decimal:
    """The largest |gap share| of the gaps that have one (0 when none has)."""
    shares = (abs(g["gap_share"]) for g in gaps if g["gap_share"] is not None)
    return max(shares, default=Decimal(0))
