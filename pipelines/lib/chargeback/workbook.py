"""`chargeback.xlsx`: a month's chargeback as a workbook finance can open.

    Summary   per business unit and tenant: the statement total in the statement currency, then
              one total row per business unit and statement currency
    Lines     every chargeback row (the columns of chargeback.csv)

Money cells are numbers (written from the exact Decimal cents, never via float) with a number
format naming their currency (`#,##0.00 "EUR"`). Every text cell goes through
`safe_csv.neutralise`, as in the CSVs: a workbook string is never evaluated, but a neutralised
cell reads the same in both files and copy-pasting it into a formula bar stays harmless.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pipelines.lib.safe_csv import neutralise

SUMMARY = "Summary"
LINES = "Lines"
SUMMARY_COLUMNS = (
    "business_unit",
    "tenant_id",
    "tenant_name",
    "status",
    "statement_currency",
    "statement_allocated_cost",
    "rows",
)
# money column -> the column naming its currency
MONEY_CURRENCY = {
    "list_cost": "log_currency",
    "contracted_cost": "log_currency",
    "usage_cost": "currency",
    "residual_cost": "currency",
    "correction_cost": "currency",
    "tax_cost": "currency",
    "credit_cost": "currency",
    "allocated_cost": "currency",
    "previous_allocated_cost": "currency",
    "change": "currency",
    "statement_allocated_cost": "statement_currency",
}
NO_UNIT = "(no business unit)"


def currency_format(currency: str | None) -> str:
    """Excel number format for an amount in `currency` (plain two decimals when unknown)."""
    if not currency:
        return "#,##0.00"
    code = "".join(ch for ch in currency if ch.isalnum())[:3]
    return f'#,##0.00 "{code}";-#,##0.00 "{code}"'


def _cell_value(value: object) -> object:
    if isinstance(value, str):
        return neutralise(value)
    return value


def _summary_rows(frame: pl.DataFrame) -> list[dict]:
    """One row per business unit × tenant × status × statement currency, then the unit totals."""
    groups: dict[tuple, dict] = {}
    for r in frame.iter_rows(named=True):
        key = (
            r["business_unit"] or NO_UNIT,
            r["tenant_id"],
            r["tenant_name"],
            r["status"],
            r["statement_currency"],
        )
        entry = groups.setdefault(key, {"amount": Decimal(0), "rows": 0, "unknown": False})
        entry["rows"] += 1
        if r["statement_allocated_cost"] is None:
            entry["unknown"] = True
        else:
            entry["amount"] += r["statement_allocated_cost"]
    out = []
    # a unit total with an unknown member is unknown (None), never the sum of the known part
    totals: dict[tuple, Decimal | None] = defaultdict(Decimal)
    last_unit = None
    for key in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        unit, tenant, name, status, currency = key
        if last_unit is not None and unit != last_unit:
            out.extend(_unit_totals(last_unit, totals))
        last_unit = unit
        entry = groups[key]
        amount = None if entry["unknown"] else entry["amount"]
        known = totals[(unit, currency)]
        totals[(unit, currency)] = None if amount is None or known is None else known + amount
        out.append(
            {
                "business_unit": unit,
                "tenant_id": tenant,
                "tenant_name": name,
                "status": status,
                "statement_currency": currency,
                "statement_allocated_cost": amount,
                "rows": entry["rows"],
                "_total": False,
            }
        )
    if last_unit is not None:
        out.extend(_unit_totals(last_unit, totals))
    return out


def _unit_totals(unit: str, totals: dict[tuple, Decimal | None]) -> list[dict]:
    return [
        {
            "business_unit": f"Total {unit}",
            "tenant_id": None,
            "tenant_name": None,
            "status": None,
            "statement_currency": currency,
            "statement_allocated_cost": amount,
            "rows": None,
            "_total": True,
        }
        for (name, currency), amount in sorted(totals.items(), key=lambda kv: str(kv[0][1]))
        if name == unit
    ]


def _write_sheet(sheet, columns: list[str], rows: list[dict]) -> None:
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([_cell_value(r[c]) for c in columns])
        excel_row = sheet.max_row
        for i, column in enumerate(columns, start=1):
            if column in MONEY_CURRENCY:
                cell = sheet.cell(row=excel_row, column=i)
                cell.number_format = currency_format(r.get(MONEY_CURRENCY[column]))
            if r.get("_total"):
                sheet.cell(row=excel_row, column=i).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(column) + 2))


def write_workbook(frame: pl.DataFrame, path: Path) -> None:
    """Write the month's chargeback `frame` (CHARGEBACK_COLUMNS) as `path` (.xlsx)."""
    book = Workbook()
    summary = book.active
    summary.title = SUMMARY
    _write_sheet(summary, list(SUMMARY_COLUMNS), _summary_rows(frame))
    _write_sheet(book.create_sheet(LINES), frame.columns, list(frame.iter_rows(named=True)))
    book.save(path)
