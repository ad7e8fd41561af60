"""Checked reading of the values an invoice states: amounts, quantities and days.

Every invoice source goes through these, so a bad value is an `InvoiceError` naming the file,
line (or result / JSON path) and field, never a traceback from Polars or DuckDB further on.

- An **amount** is any finite decimal text or number: `12.34`, `-0.5`, and also scientific
  notation (`1.5E+2` = 150, `1E-3` = 0.001), which `Decimal` reads exactly. It must fit the
  table's DECIMAL(38, 18): more than 20 digits before the point is refused; digits after the 18th
  decimal (JSON float noise such as `7.500000000000001e-07`) are rounded half-even to 18, below
  10**-18 of a currency unit. NaN, Infinity, booleans and empty values are refused.
- A **quantity** is a finite number whose integer part fits a BIGINT.
- A **day** lies in [2000-01-01, 2099-12-31]: every later step (next month, day after a period)
  stays representable in Python, Polars and DuckDB, and a year such as 9999 or 0001 is a typo,
  not usage.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

from pipelines.lib.invoices.lines import InvoiceError
from pipelines.money import FIRST_DAY, LAST_DAY

INTEGER_DIGITS = 20  # DECIMAL(38, 18): 38 digits, 18 of them after the point
SCALE = 18
_QUANTUM = Decimal(1).scaleb(-SCALE)
BIGINT_MAX = 2**63 - 1


def shown(value: object) -> str:
    """A value as the file wrote it, for messages (Decimal('NaN') -> 'NaN')."""
    return repr(str(value)) if isinstance(value, Decimal) else repr(value)


def _number(value: object, where: str) -> Decimal:
    """Any finite number as an exact Decimal (floats through their shortest repr)."""
    if value is None or isinstance(value, bool):
        raise InvoiceError(f"{where}: not a number: {shown(value)}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise InvoiceError(f"{where}: empty")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvoiceError(f"{where}: not a decimal number: {shown(value)}") from None
    else:
        raise InvoiceError(f"{where}: not a number: {type(value).__name__}")
    if not number.is_finite():
        raise InvoiceError(f"{where}: {shown(value)} is not a finite number")
    return number


def exact_amount(value: object, where: str, shift: int = 0) -> Decimal:
    """The amount `value × 10**shift` (shift -2 reads cents) as a Decimal that DECIMAL(38, 18)
    holds: refused past 20 integer digits; digits past the 18th decimal (a vendor's float noise,
    below 10**-18 of a unit) rounded half-even, the one rounding before cents."""
    sign, digits, exponent = _number(value, where).as_tuple()
    if not any(digits):
        return Decimal(0)
    exponent = int(exponent) + shift  # an int: the number is finite
    number = Decimal((sign, digits, exponent))
    if number.adjusted() >= INTEGER_DIGITS:
        raise InvoiceError(
            f"{where}: {shown(value)} is out of range (more than {INTEGER_DIGITS} digits before "
            f"the point; the invoice tables keep DECIMAL(38, {SCALE}))"
        )
    with localcontext() as ctx:
        ctx.prec = INTEGER_DIGITS + SCALE + 2
        if exponent < -SCALE:
            number = number.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
        elif exponent > 0:  # plain integer form, e.g. 1.5E+2 -> 150
            number = number.quantize(Decimal(1))
    if number.adjusted() >= INTEGER_DIGITS:  # 99...9.9999 rounded up
        raise InvoiceError(f"{where}: {shown(value)} is out of range")
    return number


def integer_quantity(value: object, where: str, factor: int = 1) -> int:
    """`value × factor` as whole units (fractions truncated, as vendors' tokens are counted),
    within BIGINT."""
    number = _number(value, where) * factor
    if number.adjusted() > 18 or abs(number) > BIGINT_MAX:
        raise InvoiceError(f"{where}: {shown(value)} is out of range for a token count")
    return int(number)


def checked_day(day: date, where: str) -> date:
    """The day, if it lies in the accepted range."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvoiceError(
            f"{where}: {day.isoformat()} is out of range ({FIRST_DAY} .. {LAST_DAY})"
        )
    return day


def unix_day(value: object, where: str) -> date:
    """The UTC day of a unix timestamp in seconds (integer, or integral decimal)."""
    try:
        seconds = _number(value, where)
    except InvoiceError as exc:
        raise InvoiceError(f"{exc} (expected a unix timestamp in seconds)") from None
    if seconds != seconds.to_integral_value() or seconds.adjusted() > 12:
        raise InvoiceError(f"{where}: not a unix timestamp in seconds: {shown(value)}")
    try:
        day = datetime.fromtimestamp(int(seconds), tz=UTC).date()
    except (OverflowError, OSError, ValueError):
        raise InvoiceError(f"{where}: {shown(value)} is out of range as a unix timestamp") from None
    return checked_day(day, where)


def iso_datetime(value: object, where: str) -> datetime:
    """An RFC 3339 / ISO 8601 date-time (or a date, or a datetime read from Parquet) in UTC,
    on a day in range; a missing zone means UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        text = str(value or "").strip().replace("Z", "+00:00").replace(" ", "T", 1)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InvoiceError(f"{where}: not a date-time: {shown(value)}") from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        day = parsed.astimezone(UTC).date()
    except OverflowError:
        raise InvoiceError(f"{where}: {shown(value)} is out of range") from None
    checked_day(day, where)
    return parsed.astimezone(UTC)


def iso_day(value: object, where: str) -> date:
    """A `YYYY-MM-DD` day in range."""
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvoiceError(f"{where}: not a day (YYYY-MM-DD): {shown(value)}") from None
    return checked_day(day, where)


def currency_code(value: object, where: str) -> str:
    """An ISO 4217 code (three letters), upper-cased."""
    text = str(value).strip().upper() if isinstance(value, str) else ""
    if len(text) != 3 or not text.isascii() or not text.isalpha():
        raise InvoiceError(f"{where}: not an ISO 4217 currency code: {shown(value)}")
    return text
