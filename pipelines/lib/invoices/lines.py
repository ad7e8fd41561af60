"""The invoice line: what every vendor invoice format is normalised to (table `stg_invoice_lines`).

One row per vendor line item, close to FOCUS 1.2 (the FOCUS-named columns keep their FOCUS meaning)
plus costline's own columns to join with the request logs. Periods are whole UTC days: `*Start`
inclusive, `*End` exclusive (the FOCUS export casts them to TIMESTAMP at 00:00 UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import polars as pl

MONEY_DTYPE = pl.Decimal(38, 18)

CHARGE_CATEGORIES = ("Usage", "Tax", "Credit", "Adjustment")
CORRECTION = "Correction"
TOKEN_KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")
# Days an invoice may name (see pipelines.lib.invoices.values): later steps add a day or a month.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)

# Column name -> polars dtype, in table order.
INVOICE_LINE_COLUMNS: dict[str, pl.DataType] = {
    "line_id": pl.String(),
    "InvoiceId": pl.String(),
    "InvoiceIssuerName": pl.String(),
    "ProviderName": pl.String(),
    "PublisherName": pl.String(),
    "BillingAccountId": pl.String(),
    "SubAccountId": pl.String(),
    "BillingPeriodStart": pl.Date(),
    "BillingPeriodEnd": pl.Date(),
    "ChargePeriodStart": pl.Date(),
    "ChargePeriodEnd": pl.Date(),
    "ChargeCategory": pl.String(),
    "ChargeClass": pl.String(),
    "ChargeDescription": pl.String(),
    "provider": pl.String(),
    "model": pl.String(),
    "x_vendor_model": pl.String(),
    "token_kind": pl.String(),
    "service_tier": pl.String(),
    "quantity": pl.Int64(),
    "billed_cost": MONEY_DTYPE,
    "billing_currency": pl.String(),
    "x_raw_line_item": pl.String(),
    "source_format": pl.String(),
    "source_file": pl.String(),
    "source_line": pl.Int64(),
}


class InvoiceError(ValueError):
    """An invoice file is malformed; the message names the file, line and field."""


@dataclass
class InvoiceLine:
    """One parsed vendor line before normalisation (model not yet resolved to the logs)."""

    invoice_id: str | None
    issuer: str
    provider_name: str
    publisher_name: str
    billing_account_id: str
    billing_period_start: date
    billing_period_end: date
    charge_period_start: date
    charge_period_end: date
    charge_category: str
    description: str | None
    provider: str
    vendor_model: str | None
    token_kind: str | None
    billed_cost: Decimal
    currency: str
    raw_line_item: str
    source_format: str
    source_file: str
    source_line: int
    sub_account_id: str | None = None
    service_tier: str | None = None
    quantity: int | None = None
    charge_class: str | None = None
    extra: dict = field(default_factory=dict)
    # What makes this line the same vendor line in another file (pipelines.lib.invoices.
    # line_identity); () = no identity, never merged. The *_field names are the source's own.
    identity: tuple = ()
    amount_field: str = "amount"
    quantity_field: str = "quantity"


@dataclass(frozen=True)
class DeclaredTotal:
    """An invoice total stated by the vendor (generic CSV `total` row), checked against lines."""

    invoice_id: str
    amount: Decimal
    currency: str
    source_file: str
    source_line: int


def month_start(day: date) -> date:
    """First day of the day's month."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """First day of the month after the day's month."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def months_of(start: date, end: date) -> list[date]:
    """First days of the months overlapping [start, end)."""
    months, month = [], month_start(start)
    while month < end:
        months.append(month)
        month = next_month(month)
    return months


def parse_month(text: str) -> tuple[date, date]:
    """`YYYY-MM` -> (first day, first day of next month)."""
    try:
        year, month = (int(p) for p in text.strip().split("-")[:2])
        start = date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise InvoiceError(f"not a billing month (YYYY-MM): {text!r}") from exc
    if not FIRST_DAY <= start <= LAST_DAY:
        raise InvoiceError(
            f"billing month {text.strip()!r} is out of range ({FIRST_DAY:%Y-%m} .. "
            f"{LAST_DAY:%Y-%m})"
        )
    return start, next_month(start)
