"""Exact money and calendar months, the ground floor every layer builds on.

Money is `decimal.Decimal` in Python and DECIMAL in DuckDB and Polars, never float. DuckDB turns
DECIMAL / DECIMAL into DOUBLE, so SQL never divides money: it multiplies by an exact decimal
literal (tokens * 0.000001) or divides in Python with Decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Annotated

import polars as pl

CENT = Decimal("0.01")
# DuckDB types used for money everywhere.
UNIT_PRICE_SQL = "DECIMAL(38,12)"  # price per PricingUnit, e.g. USD per 1000000 Tokens
COST_SQL = "DECIMAL(38,18)"  # exact cost before rounding
UNIT_PRICE_SCALE = 12  # decimals of UNIT_PRICE_SQL

# The same types as Polars dtypes (frames) and as pandera annotations (table models).
MONEY = pl.Decimal(38, 18)  # exact cost or amount before rounding
UNIT_PRICE = pl.Decimal(38, UNIT_PRICE_SCALE)  # price or rate per unit
RATIO = pl.Decimal(38, 12)  # shares, ratios and FX rates
CENTS = pl.Decimal(38, 2)  # money rounded to cents
Money = Annotated[pl.Decimal, 38, 18]
UnitPrice = Annotated[pl.Decimal, 38, 12]
Ratio = Annotated[pl.Decimal, 38, 12]
Cents = Annotated[pl.Decimal, 38, 2]

# Days costline accepts in a billing period; later steps add a day or a month to them.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def to_decimal(value: object) -> Decimal:
    """Parse a money value without passing through binary floats."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Vendors send JSON numbers; their shortest repr is the decimal they meant.
        return Decimal(repr(value))
    return Decimal(str(value).strip())


def round_cents(value: Decimal, quantum: Decimal = CENT) -> Decimal:
    """Round to cents (banker's rounding, as ledgers do)."""
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def largest_remainder(
    total: Decimal, weights: Sequence[Decimal], quantum: Decimal = CENT
) -> list[Decimal]:
    """Split `total` (already a multiple of `quantum`) in proportion to `weights`.

    The parts are multiples of `quantum` and sum exactly to `total`. Ties go to the earlier
    index, so the result is deterministic for a given order. With all-zero weights the total is
    split evenly. Negative totals (credits) are split the same way on their absolute value.
    """
    if not weights:
        raise ValueError("largest_remainder needs at least one weight")
    if total != total.quantize(quantum):
        raise ValueError(f"total {total} is not a multiple of {quantum}")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    sign = -1 if total < 0 else 1
    units = int((abs(total) / quantum).to_integral_value())
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    with localcontext() as ctx:
        ctx.prec = 80  # weights carry 18 decimals; keep every digit of the shares
        exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(e) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * quantum * f for f in floors]


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


def period_start(period: str) -> date:
    """First day of a `YYYY-MM` period the pipeline wrote itself (no range check)."""
    return date.fromisoformat(f"{period}-01")


def parse_month(text: str) -> tuple[date, date]:
    """`YYYY-MM` -> (first day, first day of next month); ValueError names a bad month."""
    try:
        year, month = (int(p) for p in text.strip().split("-")[:2])
        start = date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a billing month (YYYY-MM): {text!r}") from exc
    if not FIRST_DAY <= start <= LAST_DAY:
        raise ValueError(
            f"billing month {text.strip()!r} is out of range ({FIRST_DAY:%Y-%m} .. "
            f"{LAST_DAY:%Y-%m})"
        )
    return start, next_month(start)
