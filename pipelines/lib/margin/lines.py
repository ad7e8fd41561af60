"""The revenue line every importer produces, and the exact parsing they share.

A revenue line is one amount a tenant was billed for one month: `tenant_id`, `billing_period`
(`YYYY-MM`), `amount` (exact DECIMAL(38,18) in major units, credits negative), `currency` (ISO 4217
upper case), optionally the `feature` it pays for and a `description`, plus lineage (source, file,
line, billing customer, invoice id and status). Lines of one tenant and month add up.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.money import MONEY

REVENUE_COLUMNS: dict[str, pl.DataType] = {
    "tenant_id": pl.String(),
    "billing_period": pl.String(),
    "feature": pl.String(),
    "amount": MONEY,
    "currency": pl.String(),
    "description": pl.String(),
    "source": pl.String(),
    "billing_customer_id": pl.String(),
    "invoice_id": pl.String(),
    "invoice_status": pl.String(),
    "source_file": pl.String(),
    "source_line": pl.Int64(),
}
QUARANTINE_COLUMNS: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_line": pl.Int64(),
    "invoice_id": pl.String(),
    "billing_customer_id": pl.String(),
    "field": pl.String(),
    "reason": pl.String(),
}

# ISO 4217 minor units where they are not 2, as Stripe counts them (its "zero-decimal" and
# "three-decimal" currencies). Amounts in minor units are divided by 10 ** exponent.
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])
_DECIMAL_TEXT = re.compile(r"^-?\d{1,20}(\.\d{1,18})?$")
_INTEGER_TEXT = re.compile(r"^-?\d{1,30}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class RevenueError(ValueError):
    """An input file is malformed; the message names file, line and field."""


def where(path: Path | str, line: int, field: str) -> str:
    """`file:line:field`, the prefix of every message."""
    return f"{path}:{line}:{field}"


def where_record(path: Path | str, record: int, field: str) -> str:
    """`file:record N:field` for JSON inputs (N = 1-based position of the invoice)."""
    return f"{path}:record {record}:{field}"


def require_text(value: object, at: str) -> str:
    """A non-empty identifier."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise RevenueError(f"{at}: empty value")
    return text


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point of one major unit (JPY 0, USD 2, KWD 3)."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def parse_currency(text: object, at: str) -> str:
    """An ISO 4217 code, upper-cased (Stripe writes `usd`)."""
    value = text.strip() if isinstance(text, str) else ""
    if not _CURRENCY.match(value):
        raise RevenueError(f"{at}: currency must be a three-letter ISO 4217 code")
    return value.upper()


def parse_amount(text: object, at: str) -> Decimal:
    """A plain decimal amount in major units (no exponent, NaN, infinity or thousands sign)."""
    value = text.strip() if isinstance(text, str) else ""
    if not _DECIMAL_TEXT.match(value):
        raise RevenueError(
            f"{at}: amount must be a plain decimal number (at most 20 integer and 18 "
            "fractional digits)"
        )
    return Decimal(value)


def parse_minor_units(value: object, currency: str, at: str) -> Decimal:
    """An integer amount in the currency's minor units (Stripe's API), as exact major units."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RevenueError(f"{at}: must be an integer amount in minor units")
    text = str(value).strip()
    if not _INTEGER_TEXT.match(text):
        raise RevenueError(f"{at}: must be an integer amount in minor units")
    return Decimal(int(text)).scaleb(-currency_exponent(currency))


def parse_period(text: object, at: str) -> str:
    """`YYYY-MM` (month 01-12)."""
    value = text.strip() if isinstance(text, str) else ""
    match = _PERIOD.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise RevenueError(f"{at}: billing_period must be YYYY-MM")
    return value


def period_of_day(day: date) -> str:
    """The `YYYY-MM` of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def period_of_timestamp(value: object, at: str) -> str:
    """The UTC month of a Unix timestamp in seconds (Stripe's `period_start`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RevenueError(f"{at}: must be a Unix timestamp in seconds")
    try:
        moment = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise RevenueError(f"{at}: timestamp out of range") from exc
    return period_of_day(moment.date())


def lines_frame(rows: list[dict]) -> pl.DataFrame:
    """Revenue lines as a frame with `REVENUE_COLUMNS`."""
    return pl.DataFrame(rows, schema=REVENUE_COLUMNS, orient="row")


def quarantine_frame(rows: list[dict]) -> pl.DataFrame:
    """Rejected lines as a frame with `QUARANTINE_COLUMNS`."""
    return pl.DataFrame(rows, schema=QUARANTINE_COLUMNS, orient="row")
