"""costline's generic invoice CSV, for vendors that send PDFs (spec in docs/invoices.md).

UTF-8, comma separated, header on line 1, `#` lines are comments. One file may hold several
invoices. Columns (order free; the first eight are required):

| column | meaning |
|---|---|
| invoice_id | the vendor's invoice number |
| invoice_issuer | who bills (e.g. a reseller) |
| provider | costline provider name as in the logs (`openai`, `anthropic`, `aws_bedrock`, ...) |
| billing_account_id | the account the invoice is addressed to |
| billing_period | `YYYY-MM` |
| currency | ISO 4217 of the invoice (`USD`, `EUR`, ...) |
| line_type | `usage`, `tax`, `credit`, `adjustment` or `total` |
| amount | decimal string in major units (`1234.56`; `-50.00` for a credit); never a float |
| charge_period_start, charge_period_end | optional days (`YYYY-MM-DD`, end exclusive); |
| | default: the billing period; a start before it marks a correction of an earlier period |
| model | optional, the model as the vendor wrote it |
| token_kind | optional: input, cache_read, cache_write, cache_write_1h, output |
| service_tier | optional |
| quantity | optional integer tokens |
| description | optional free text as on the PDF |

A `total` row states the invoice's payable amount; costline checks that the invoice's lines (from
every source with that invoice_id) add up to it to the cent, and refuses the invoice otherwise.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from pipelines.lib.invoices.line_identity import fields_identity
from pipelines.lib.invoices.lines import (
    TOKEN_KINDS,
    DeclaredTotal,
    InvoiceError,
    InvoiceLine,
    parse_month,
)
from pipelines.lib.invoices.values import currency_code, exact_amount, integer_quantity, iso_day

FORMAT = "generic_csv"
REQUIRED = (
    "invoice_id",
    "invoice_issuer",
    "provider",
    "billing_account_id",
    "billing_period",
    "currency",
    "line_type",
    "amount",
)
OPTIONAL = (
    "charge_period_start",
    "charge_period_end",
    "model",
    "token_kind",
    "service_tier",
    "quantity",
    "description",
)
LINE_TYPES = {"usage": "Usage", "tax": "Tax", "credit": "Credit", "adjustment": "Adjustment"}


def parse_generic_csv(path: Path, rel: str) -> tuple[list[InvoiceLine], list[DeclaredTotal]]:
    """Invoice lines and declared totals of one generic CSV."""
    try:
        return _parse(path, rel)
    except csv.Error as exc:  # e.g. a NUL byte
        raise InvoiceError(f"{rel}: not a readable CSV ({exc})") from exc


def _body(path: Path, rel: str) -> str:
    """The file's text with comment lines blanked (line numbers stay the file's)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvoiceError(f"{rel}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return "".join(
        line if not line.lstrip().startswith("#") else "\n"
        for line in io.StringIO(text).readlines()
    )


def _header(reader: Iterator[list[str]], rel: str) -> list[str]:
    """The first non-blank row, checked against the known columns."""
    header: list[str] = []
    header_line = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            header = [c.strip() for c in cells]
            header_line = reader.line_num  # type: ignore[attr-defined]
            break
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvoiceError(f"{rel}: line {header_line}: missing column(s) {', '.join(missing)}")
    unknown = [c for c in header if c and c not in REQUIRED + OPTIONAL]
    if unknown:
        raise InvoiceError(f"{rel}: line {header_line}: unknown column(s) {', '.join(unknown)}")
    return header


def _row(cells: list[str], header: list[str], where: str) -> dict[str, str]:
    """The cells by column, stripped; every required column filled."""
    if len(cells) > len(header):
        raise InvoiceError(f"{where}: more fields than the header has")
    row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
    for column in REQUIRED:
        if not row.get(column):
            raise InvoiceError(f"{where}, {column}: empty")
    return row


def _periods(row: dict[str, str], where: str) -> tuple[date, date, date, date]:
    """(billing period start, end, charge period start, end); the charge period defaults to the
    billing month, and a correction (an earlier start) must name its end."""
    try:
        period_start, period_end = parse_month(row["billing_period"])
    except InvoiceError as exc:
        raise InvoiceError(f"{where}, billing_period: {exc}") from exc
    start = (
        iso_day(row["charge_period_start"], f"{where}, charge_period_start")
        if row.get("charge_period_start")
        else period_start
    )
    end = (
        iso_day(row["charge_period_end"], f"{where}, charge_period_end")
        if row.get("charge_period_end")
        else (period_end if start >= period_start else None)
    )
    if end is None:
        raise InvoiceError(f"{where}, charge_period_end: needed for a correction")
    if end <= start:
        raise InvoiceError(f"{where}, charge_period_end: must be after charge_period_start")
    return period_start, period_end, start, end


def _quantity(row: dict[str, str], where: str) -> int | None:
    if not row.get("quantity"):
        return None
    quantity = integer_quantity(row["quantity"], f"{where}, quantity")
    if quantity != exact_amount(row["quantity"], f"{where}, quantity"):
        raise InvoiceError(f"{where}, quantity: not an integer: {row['quantity']!r}")
    return quantity


def _line(
    row: dict[str, str], rel: str, number: int, amount: Decimal, currency: str
) -> InvoiceLine:
    """One invoice line of a usage, tax, credit or adjustment row."""
    where = f"{rel}: line {number}"
    line_type = row["line_type"].lower()
    period_start, period_end, start, end = _periods(row, where)
    kind = row.get("token_kind") or None
    if kind and kind not in TOKEN_KINDS:
        raise InvoiceError(f"{where}, token_kind: expected one of {', '.join(TOKEN_KINDS)}")
    quantity = _quantity(row, where)
    raw = row.get("description") or ", ".join(p for p in (row.get("model"), kind, line_type) if p)
    return InvoiceLine(
        invoice_id=row["invoice_id"],
        issuer=row["invoice_issuer"],
        provider_name=row["invoice_issuer"],
        publisher_name=row["invoice_issuer"],
        billing_account_id=row["billing_account_id"],
        billing_period_start=period_start,
        billing_period_end=period_end,
        charge_period_start=start,
        charge_period_end=end,
        charge_category=LINE_TYPES[line_type],
        description=row.get("description") or None,
        provider=row["provider"],
        vendor_model=row.get("model") or None,
        token_kind=kind,
        service_tier=row.get("service_tier") or None,
        quantity=quantity,
        billed_cost=amount,
        currency=currency,
        raw_line_item=raw,
        source_format=FORMAT,
        source_file=rel,
        source_line=number,
        identity=fields_identity(row),
    )


def _parse(path: Path, rel: str) -> tuple[list[InvoiceLine], list[DeclaredTotal]]:
    reader = csv.reader(io.StringIO(_body(path, rel)))
    header = _header(reader, rel)
    lines: list[InvoiceLine] = []
    totals: list[DeclaredTotal] = []
    for cells in reader:
        number = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        where = f"{rel}: line {number}"
        row = _row(cells, header, where)
        amount = exact_amount(row["amount"], f"{where}, amount")
        currency = currency_code(row["currency"], f"{where}, currency")
        line_type = row["line_type"].lower()
        if line_type == "total":
            totals.append(DeclaredTotal(row["invoice_id"], amount, currency, rel, number))
        elif line_type in LINE_TYPES:
            lines.append(_line(row, rel, number, amount, currency))
        else:
            raise InvoiceError(
                f"{where}, line_type: expected usage, tax, credit, adjustment or total"
            )
    return lines, totals
