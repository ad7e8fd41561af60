"""Negotiated prices from `<input>/catalog/prices.csv` as `dim_prices` rows (`contracted`).

Columns: provider, model, token_kind, service_tier, unit_price, unit, currency, valid_from, valid_to
(and optionally min_input_tokens, for a contracted long-context tier; absent = 0). Every error
names the file, the line (the header is line 1) and the field.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path

import polars as pl

from pipelines.lib.catalog import CatalogError, read_csv_strings
from pipelines.lib.pricing.price_table import (
    ANY_TIER,
    PRICING_UNIT,
    TOKENS_PER_UNIT,
    fits_unit_price,
    price_frame,
    price_id,
)
from schemas.requests.canonical_request import SERVICE_TIERS, TOKEN_KINDS

CONTRACT_COLUMNS = (
    "provider",
    "model",
    "token_kind",
    "service_tier",
    "unit_price",
    "unit",
    "currency",
    "valid_from",
    "valid_to",
)
_UNIT = re.compile(r"^(\d+)\s*tokens?$", re.IGNORECASE)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PRICE = re.compile(r"^\d+(\.\d+)?$")


def _fail(path: Path, line: int, field: str, message: str) -> CatalogError:
    return CatalogError(f"{path}: line {line}, {field}: {message}")


def _text(row: dict, field: str) -> str:
    value = row.get(field)
    return "" if value is None else str(value)


def _date(path: Path, line: int, field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(path, line, field, "not a date (expected YYYY-MM-DD)") from None


def _per_million(path: Path, line: int, price_text: str, unit_text: str) -> Decimal:
    """The price per 1000000 Tokens, converted exactly (no rounding) from the row's unit."""
    if not _PRICE.match(price_text):
        raise _fail(path, line, "unit_price", "not a plain non-negative decimal number")
    try:
        price = Decimal(price_text)
    except InvalidOperation:
        raise _fail(path, line, "unit_price", "not a plain decimal number") from None
    match = _UNIT.match(unit_text)
    if not match or int(match.group(1)) == 0:
        raise _fail(path, line, "unit", "expected a unit like '1000000 Tokens'")
    per = int(match.group(1))
    with localcontext() as ctx:
        ctx.prec = 80
        converted = price * TOKENS_PER_UNIT / per
        exact = converted * per == price * TOKENS_PER_UNIT
    if not exact or not fits_unit_price(converted):
        raise _fail(
            path,
            line,
            "unit_price",
            f"price per {PRICING_UNIT} is not exact with 12 decimals (unit {per} Tokens)",
        )
    return converted


def _row(path: Path, row: dict) -> dict[str, object]:
    line = int(row["line"])
    provider, model = _text(row, "provider"), _text(row, "model")
    for field, value in (("provider", provider), ("model", model)):
        if not value:
            raise _fail(path, line, field, "empty")
    kind = _text(row, "token_kind")
    if kind not in TOKEN_KINDS:
        kinds = ", ".join(TOKEN_KINDS)
        raise _fail(path, line, "token_kind", f"unknown token kind (one of {kinds})")
    tier = _text(row, "service_tier") or ANY_TIER
    if tier not in (*SERVICE_TIERS, ANY_TIER):
        raise _fail(path, line, "service_tier", f"unknown tier (one of {', '.join(SERVICE_TIERS)})")
    unit_price = _per_million(path, line, _text(row, "unit_price"), _text(row, "unit"))
    currency = _text(row, "currency")
    if not _CURRENCY.match(currency):
        raise _fail(path, line, "currency", "expected an ISO 4217 code like 'USD'")
    valid_from = _date(path, line, "valid_from", _text(row, "valid_from"))
    valid_to_text = _text(row, "valid_to")
    valid_to = _date(path, line, "valid_to", valid_to_text) if valid_to_text else None
    if valid_to is not None and valid_to <= valid_from:
        raise _fail(path, line, "valid_to", "must be after valid_from (valid_to is exclusive)")
    min_tokens_text = _text(row, "min_input_tokens") or "0"
    if not min_tokens_text.isdigit():
        raise _fail(path, line, "min_input_tokens", "not a non-negative integer")
    min_tokens = int(min_tokens_text)
    return {
        "price_id": price_id("contracted", provider, model, tier, min_tokens, kind, valid_from),
        "price_type": "contracted",
        "provider": provider,
        "model": model,
        "service_tier": tier,
        "token_kind": kind,
        "min_input_tokens": min_tokens,
        "unit_price": unit_price,
        "pricing_unit": PRICING_UNIT,
        "currency": currency,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "source": f"catalog/prices.csv line {line}",
    }


def _check_overlaps(path: Path, rows: list[dict[str, object]], lines: list[int]) -> None:
    """Two rows for the same key may not be valid on the same day (one price per request)."""
    keys = ("provider", "model", "service_tier", "token_kind", "min_input_tokens")
    by_key: dict[tuple, list[tuple[date, date | None, int]]] = {}
    for row, line in zip(rows, lines, strict=True):
        span = (row["valid_from"], row["valid_to"], line)
        by_key.setdefault(tuple(row[k] for k in keys), []).append(span)  # type: ignore[arg-type]
    for spans in by_key.values():
        spans.sort(key=lambda s: (s[0], s[2]))
        for (_, end, earlier), (start, _, line) in itertools.pairwise(spans):
            if end is None or end > start:
                raise _fail(
                    path,
                    line,
                    "valid_from",
                    f"validity overlaps line {earlier} for the same provider, model, "
                    "service_tier and token_kind",
                )


def load_contract_prices(path: Path) -> pl.DataFrame:
    """catalog/prices.csv -> dim_prices rows (price_type 'contracted'), validated."""
    df = read_csv_strings(path, CONTRACT_COLUMNS)
    records = list(df.iter_rows(named=True))
    rows = [_row(path, record) for record in records]
    _check_overlaps(path, rows, [int(record["line"]) for record in records])
    return price_frame(rows)
