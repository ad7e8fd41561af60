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

from pipelines import money
from pipelines.money import MONEY

CHARGE_CATEGORIES = ("Usage", "Tax", "Credit", "Adjustment")
TOKEN_KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")

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
    "billed_cost": MONEY,
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


def parse_month(text: str) -> tuple[date, date]:
    """`YYYY-MM` -> (first day, first day of next month); a bad month is an InvoiceError."""
    try:
        return money.parse_month(text)
    except ValueError as exc:
        raise InvoiceError(str(exc)) from exc
