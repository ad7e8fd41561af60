"""`<input>/catalog/internal_rates.csv`: the internal price of each feature.

Columns `feature, unit, rate, currency, valid_from, valid_to`. `unit` is one of `request` (every
production request of the feature, app-cache hits included), `accepted_output` (a production
request whose accepted flag is true) or `1000000 Tokens` (input + output tokens of production
requests). `valid_from` inclusive, `valid_to` exclusive or empty. One feature keeps one unit and
one currency over time, and its validity windows never overlap (so a day has at most one rate).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.lib.margin.csv_rows import read_rows
from pipelines.lib.margin.lines import (
    RevenueError,
    parse_amount,
    parse_currency,
    require_text,
    where,
)
from pipelines.money import UNIT_PRICE
from schemas.margin.dim_internal_rates import UNITS

REQUIRED = ("feature", "unit", "rate", "currency", "valid_from", "valid_to")
RATE_COLUMNS: dict[str, pl.DataType] = {
    "feature": pl.String(),
    "unit": pl.String(),
    "rate": UNIT_PRICE,
    "currency": pl.String(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
    "source_line": pl.Int64(),
}


def _day(text: str, at: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RevenueError(f"{at}: not a date (YYYY-MM-DD)") from exc


def _rate_row(rec: dict[str, str], line: int, label: str) -> dict:
    """One checked row of the file (`RATE_COLUMNS`)."""
    feature = require_text(rec["feature"], where(label, line, "feature"))
    unit = rec["unit"]
    if unit not in UNITS:
        raise RevenueError(f"{where(label, line, 'unit')}: unit must be one of {UNITS}")
    rate = parse_amount(rec["rate"], where(label, line, "rate"))
    if rate < 0 or rate != rate.quantize(Decimal("1e-12")):
        raise RevenueError(f"{where(label, line, 'rate')}: must be >= 0 with at most 12 decimals")
    start = _day(rec["valid_from"], where(label, line, "valid_from"))
    end = _day(rec["valid_to"], where(label, line, "valid_to")) if rec["valid_to"] else None
    if end is not None and end <= start:
        raise RevenueError(f"{where(label, line, 'valid_to')}: must be after valid_from")
    return {
        "feature": feature,
        "unit": unit,
        "rate": rate,
        "currency": parse_currency(rec["currency"], where(label, line, "currency")),
        "valid_from": start,
        "valid_to": end,
        "source_line": line,
    }


def _check_against(row: dict, other: dict, label: str) -> None:
    """A feature keeps one unit and currency, and its windows do not overlap."""
    line, feature = row["source_line"], row["feature"]
    for name in ("unit", "currency"):
        if other[name] != row[name]:
            raise RevenueError(
                f"{where(label, line, name)}: feature {feature!r} already has {name} "
                f"{other[name]!r} (line {other['source_line']}); one {name} per feature"
            )
    start, end = row["valid_from"], row["valid_to"]
    if start < (other["valid_to"] or date.max) and other["valid_from"] < (end or date.max):
        raise RevenueError(
            f"{where(label, line, 'valid_from')}: overlaps the window of line "
            f"{other['source_line']} for feature {feature!r}"
        )


def load_internal_rates(path: Path, label: str = "catalog/internal_rates.csv") -> pl.DataFrame:
    """The rates (`RATE_COLUMNS`); an empty frame when the file is absent."""
    if not path.exists():
        return pl.DataFrame(schema=RATE_COLUMNS)
    rows: list[dict] = []
    for line, rec in read_rows(path, REQUIRED):
        row = _rate_row(rec, line, label)
        for other in rows:
            if other["feature"] == row["feature"]:
                _check_against(row, other, label)
        rows.append(row)
    return pl.DataFrame(rows, schema=RATE_COLUMNS, orient="row")


def rates_by_feature(rates: pl.DataFrame) -> dict[str, list[dict]]:
    """feature -> its rate rows (read once, looked up per day with `rate_on`)."""
    out: dict[str, list[dict]] = {}
    for row in rates.iter_rows(named=True):
        out.setdefault(row["feature"], []).append(row)
    return out


def rate_on(rows: list[dict], day: date) -> dict | None:
    """The rate row (of one feature's `rows`) valid on `day`, or None."""
    for row in rows:
        if row["valid_from"] <= day and (row["valid_to"] is None or day < row["valid_to"]):
            return row
    return None
