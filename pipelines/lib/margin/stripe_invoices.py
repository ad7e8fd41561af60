"""Stripe invoices: the Dashboard's invoice CSV export and the API's Invoice objects as JSON.

Which invoices count: `paid` and `open` (issued; the revenue is earned whether or not it has been
collected yet). `draft` (not issued), `void` (cancelled) and `uncollectible` (written off) are
skipped and counted; any other status is an error.

Amount: revenue excludes tax. API: `total_excluding_tax` when present, else `total` - `tax`
(older API versions), else `total`; every amount is an integer in the currency's minor units
(`currency` is lower case; JPY has 0 decimals, KWD 3), converted exactly. Dashboard CSV: `Total`
- `Tax`, already in major units (e.g. `120.00`).

Month (API): the UTC month of the earliest service period of the invoice's lines
(`lines.data[].period.start`); an invoice without lines takes the month of `period_end`, because
Stripe's invoice-level period "looks back one period" on subscription invoices (`period_end` is the
day the new service period starts) and is the creation day on one-off invoices.
Month (Dashboard CSV): `Period Start (UTC)`, else `Date (UTC)`; the export carries no line
periods, so a renewal invoice exported this way may land one month early (docs/margin.md).
Feature: the invoice metadata key `feature` (CSV column `feature (metadata)`), else none.
Tenant: `customer` (an id, or an expanded object with `id`) is looked up in the
`billing_customer_id` column of tenants.csv by the caller.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from pipelines.lib.margin.csv_rows import read_rows
from pipelines.lib.margin.lines import (
    RevenueError,
    parse_amount,
    parse_currency,
    parse_minor_units,
    period_of_timestamp,
    require_text,
    where,
    where_record,
)

COUNTED = ("paid", "open")
SKIPPED = ("draft", "void", "uncollectible")
CSV_SOURCE = "stripe_csv"
API_SOURCE = "stripe_api"
# Dashboard export headers (matched case-insensitively) for each value we read.
CSV_COLUMNS = {
    "id": ("id",),
    "customer": ("Customer", "Customer ID"),
    "status": ("Status",),
    "currency": ("Currency",),
    "total": ("Total",),
    "tax": ("Tax",),
    "period_start": ("Period Start (UTC)", "Period Start"),
    "date": ("Date (UTC)", "Created (UTC)"),
    "description": ("Description",),
    "feature": ("feature (metadata)",),
}
CSV_REQUIRED = ("id", "customer", "status", "currency", "total")
_DAY = re.compile(r"^(\d{4})[-/](\d{2})[-/](\d{2})")


def _status(text: object, at: str) -> str:
    status = str(text or "").strip().lower()
    if status not in COUNTED + SKIPPED:
        raise RevenueError(f"{at}: unknown invoice status (expected one of {COUNTED + SKIPPED})")
    return status


def _month_of_text(text: str, at: str) -> str:
    match = _DAY.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise RevenueError(f"{at}: not a date (YYYY-MM-DD ...)")
    return f"{match.group(1)}-{match.group(2)}"


def read_stripe_csv(path: Path, label: str) -> tuple[list[dict], int]:
    """(counted invoices as revenue lines with `billing_customer_id`, skipped invoice count)."""
    aliases = {k: v for k, v in CSV_COLUMNS.items()}
    rows, skipped = [], 0
    for line, rec in read_rows(path, CSV_REQUIRED, aliases):
        status = _status(rec["status"], where(label, line, "Status"))
        if status in SKIPPED:
            skipped += 1
            continue
        currency = parse_currency(rec["currency"], where(label, line, "Currency"))
        total = parse_amount(rec["total"], where(label, line, "Total"))
        tax_text = rec.get("tax") or ""
        tax = parse_amount(tax_text, where(label, line, "Tax")) if tax_text else Decimal(0)
        if rec.get("period_start"):
            period = _month_of_text(rec["period_start"], where(label, line, "Period Start (UTC)"))
        else:
            period = _month_of_text(rec.get("date") or "", where(label, line, "Date (UTC)"))
        rows.append(
            {
                "billing_customer_id": require_text(
                    rec["customer"], where(label, line, "Customer")
                ),
                "billing_period": period,
                "feature": rec.get("feature") or None,
                "amount": total - tax,
                "currency": currency,
                "description": rec.get("description") or None,
                "source": CSV_SOURCE,
                "invoice_id": require_text(rec["id"], where(label, line, "id")),
                "invoice_status": status,
                "source_file": label,
                "source_line": line,
            }
        )
    return rows, skipped


def _invoices(document: object, label: str) -> list[object]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and document.get("object") == "list":
        data = document.get("data")
        if not isinstance(data, list):
            raise RevenueError(f"{where_record(label, 0, 'data')}: a list object needs data")
        return data
    if isinstance(document, dict) and document.get("object") == "invoice":
        return [document]
    raise RevenueError(
        f"{where_record(label, 0, 'object')}: expected an invoice, a list object or an array"
    )


def _customer_id(value: object, at: str) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str):
        raise RevenueError(f"{at}: expected a customer id")
    return require_text(value, at)


def _api_amount(invoice: dict, currency: str, label: str, n: int) -> Decimal:
    if invoice.get("total_excluding_tax") is not None:
        return parse_minor_units(
            invoice["total_excluding_tax"], currency, where_record(label, n, "total_excluding_tax")
        )
    total = parse_minor_units(invoice.get("total"), currency, where_record(label, n, "total"))
    if invoice.get("tax") is not None:
        return total - parse_minor_units(invoice["tax"], currency, where_record(label, n, "tax"))
    return total


def _service_period(invoice: dict, label: str, n: int) -> str:
    lines = invoice.get("lines")
    data = lines.get("data") if isinstance(lines, dict) else None
    periods = [
        (i, item["period"])
        for i, item in enumerate(data if isinstance(data, list) else [])
        if isinstance(item, dict) and isinstance(item.get("period"), dict)
    ]
    if periods:
        months = [
            period_of_timestamp(
                period.get("start"), where_record(label, n, f"lines.data[{i}].period.start")
            )
            for i, period in periods
        ]
        return min(months)
    return period_of_timestamp(invoice.get("period_end"), where_record(label, n, "period_end"))


def read_stripe_json(path: Path, label: str) -> tuple[list[dict], int]:
    """(counted invoices as revenue lines with `billing_customer_id`, skipped invoice count)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise RevenueError(f"{where_record(label, 0, 'file')}: not UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise RevenueError(f"{where(label, exc.lineno, 'file')}: not JSON ({exc.msg})") from exc
    rows, skipped = [], 0
    for n, invoice in enumerate(_invoices(document, label), start=1):
        if not isinstance(invoice, dict) or invoice.get("object", "invoice") != "invoice":
            raise RevenueError(f"{where_record(label, n, 'object')}: not an invoice object")
        status = _status(invoice.get("status"), where_record(label, n, "status"))
        if status in SKIPPED:
            skipped += 1
            continue
        currency = parse_currency(invoice.get("currency"), where_record(label, n, "currency"))
        metadata = invoice.get("metadata") if isinstance(invoice.get("metadata"), dict) else {}
        feature = metadata.get("feature")
        rows.append(
            {
                "billing_customer_id": _customer_id(
                    invoice.get("customer"), where_record(label, n, "customer")
                ),
                "billing_period": _service_period(invoice, label, n),
                "feature": feature if isinstance(feature, str) and feature else None,
                "amount": _api_amount(invoice, currency, label, n),
                "currency": currency,
                "description": invoice.get("description")
                if isinstance(invoice.get("description"), str)
                else None,
                "source": API_SOURCE,
                "invoice_id": require_text(
                    invoice.get("id") if isinstance(invoice.get("id"), str) else "",
                    where_record(label, n, "id"),
                ),
                "invoice_status": status,
                "source_file": label,
                "source_line": n,
            }
        )
    return rows, skipped
