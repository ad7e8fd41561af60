"""Dated list prices from genai-prices as `dim_prices` rows (price_type `list`).

For each (provider, model, service_tier) seen in the logs we resolve the model with genai-prices'
own matching (`DataSnapshot.find_provider_model`, as `calc_price` does) and turn its price history
into SCD-2 rows, one per token kind, long-context tier and validity period. The semantics mirror
`ModelInfo.calc_price` exactly (tests compare our lines with `calc_price` totals):

- Dated prices: `ConditionalPrice` with `StartDateConstraint`; the last active one wins, the first
  one applies before any start date. A period boundary is every start date of a conditional price
  or of a variant for the tier; adjacent periods with an identical price are merged.
- Time-of-day prices (DeepSeek off-peak) cannot be expressed by a daily price table: they are
  treated as never active, i.e. the peak (standard) price is used.
- Token kinds: genai-prices prices the most specific unit it has a price for and bills the rest at
  the nearest priced ancestor unit (`decompose.compute_leaf_values`). So `cache_read` without
  `cache_read_mtok` costs `input_mtok`; a 5-minute `cache_write` uses `cache_write_5m_mtok`, else
  `cache_write_mtok`, else `input_mtok`; `cache_write_1h` uses `cache_write_1h_mtok`, else
  `cache_write_mtok`, else `input_mtok`. We emit that effective price for every kind, so a model
  with `input_mtok` has rows for all four input kinds.
- Long context: `TieredPrices(base, tiers)` switch the whole request to the tier price when the
  request's total input (`usage.input_tokens`, cache reads and writes included) is strictly greater
  than `tier.start` (`calc_unit_price`: `total_input_tokens > tier.start`). A tier row therefore has
  `min_input_tokens = start + 1`; the base row has 0.
- Service tiers: `standard` is priced without a price context. `batch` uses
  `{'processing': 'batch'}`, `flex` / `priority` use `{'service_tier': ...}`; a matching active
  `PriceVariant` overrides the standard price key by key (the keys it does not set keep the
  standard price, exactly as `get_prices` resolves them).
  Choice: genai-prices documents that a context matching no variant (a model without a batch
  rate, a date before the verified tier rates, a fallback provider's model) returns the
  *standard-price estimate*. For cost accounting that estimate is known to be wrong (batch is
  typically half price), so we emit NO row for such a tier and period: the request becomes
  `unpriced` (visible, blocking check) instead of silently costed at the standard rate. A
  contracted row in catalog/prices.csv (service tier `batch` or any) prices it. Set
  `STANDARD_FALLBACK_TIERS` to opt into genai-prices' estimate for some tiers.
- Unknown provider or model: no rows (never a $0 price). Per-request fees (`requests_kcount`) and
  non-token units (searches, audio, images) are not part of the five token kinds and are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import genai_prices
import polars as pl
from genai_prices import data_snapshot
from genai_prices import types as gt

from pipelines.lib.pricing.price_table import PRICING_UNIT, price_frame, price_id

GENAI_VERSION = genai_prices.__version__
# Our provider names -> genai-prices provider ids; others are tried as they are.
PROVIDER_IDS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "azure_openai": "azure",
    "aws_bedrock": "aws",
    "gcp_vertex": "google",
}
# Price context per service tier (None = standard prices).
TIER_CONTEXTS: dict[str, dict[str, str] | None] = {
    "standard": None,
    "batch": {"processing": "batch"},
    "flex": {"service_tier": "flex"},
    "priority": {"service_tier": "priority"},
}
# Tiers priced at genai-prices' standard-price estimate when no variant applies (see above).
STANDARD_FALLBACK_TIERS: frozenset[str] = frozenset()
# The day before any dated price: the valid_from of a model's first price period.
EPOCH = date(1970, 1, 1)
MODEL_COLUMNS = ("provider", "model", "service_tier", "first_date", "last_date")

# Our token kind -> genai price keys, most specific first (nearest priced ancestor wins).
KIND_PRICE_KEYS = {
    "input": ("input_mtok",),
    "cache_read": ("cache_read_mtok", "input_mtok"),
    "cache_write": ("cache_write_5m_mtok", "cache_write_mtok", "input_mtok"),
    "cache_write_1h": ("cache_write_1h_mtok", "cache_write_mtok", "input_mtok"),
    "output": ("output_mtok",),
}

Price = Decimal | gt.TieredPrices


@dataclass(frozen=True)
class _Period:
    start: date  # inclusive
    end: date | None  # exclusive, None = open
    prices: dict[str, Price]  # token kind -> effective price


def _day(value: date) -> datetime:
    return datetime.combine(value, time(12), UTC)


def _starts(constraint: object) -> date | None:
    return constraint.start_date if isinstance(constraint, gt.StartDateConstraint) else None


def _active(constraint: object, day: date) -> bool:
    if constraint is None:
        return True
    if isinstance(constraint, gt.StartDateConstraint):
        return constraint.active(_day(day))
    return False  # time-of-day prices: never active in a daily table (see module doc)


def _standard(model: gt.ModelInfo, day: date) -> gt.ModelPrice:
    if isinstance(model.prices, gt.ModelPrice):
        return model.prices
    for conditional in reversed(model.prices):
        if _active(conditional.constraint, day):
            return conditional.prices
    return model.prices[0].prices


def _variants(
    model: gt.ModelInfo, provider: gt.Provider, context: dict[str, str] | None
) -> list[gt.PriceVariant]:
    """Variants that can apply to this tier; none for a model reached through a fallback provider
    (calc_price ignores the context there)."""
    if not context or not any(model is m for m in provider.models):
        return []
    return [
        v
        for v in model.price_variants or ()
        if all(context.get(key) == value for key, value in v.when.items())
    ]


def _resolved(
    model: gt.ModelInfo, variants: list[gt.PriceVariant], day: date
) -> dict[str, object] | None:
    """Price keys on a day (standard, overridden first-to-last by active variants), or None when
    the tier needs a variant and none is active."""
    prices = {k: v for k, v in _standard(model, day).__dict__.items() if not k.startswith("_")}
    overrides: dict[str, object] = {}
    matched = False
    for variant in variants:
        if not _active(variant.constraint, day):
            continue
        set_keys = {k: v for k, v in variant.prices.__dict__.items() if v is not None}
        matched = matched or bool(set_keys)
        for key, value in set_keys.items():
            overrides.setdefault(key, value)
    return {**prices, **overrides} if matched else None


def _kind_prices(price_keys: dict[str, object]) -> dict[str, Price]:
    out: dict[str, Price] = {}
    for kind, keys in KIND_PRICE_KEYS.items():
        value = next((price_keys[k] for k in keys if price_keys.get(k) is not None), None)
        if isinstance(value, Decimal | gt.TieredPrices):
            out[kind] = value
    return out


def _periods(model: gt.ModelInfo, provider: gt.Provider, tier: str) -> Iterator[_Period]:
    context = TIER_CONTEXTS[tier]
    variants = _variants(model, provider, context)
    conditionals = [] if isinstance(model.prices, gt.ModelPrice) else model.prices
    bounds = sorted(
        {d for c in conditionals if (d := _starts(c.constraint))}
        | {d for v in variants if (d := _starts(v.constraint))}
    )
    starts = [EPOCH, *(b for b in bounds if b > EPOCH)]
    ends: list[date | None] = [*starts[1:], None]
    for start, end in zip(starts, ends, strict=True):
        keys = (
            {k: v for k, v in _standard(model, start).__dict__.items() if not k.startswith("_")}
            if context is None
            else _resolved(model, variants, start)
        )
        if keys is None and tier in STANDARD_FALLBACK_TIERS:
            keys = dict(_standard(model, start).__dict__)
        if keys is not None:
            yield _Period(start, end, _kind_prices(keys))


def _kind_spans(periods: list[_Period]) -> Iterator[tuple[str, date, date | None, Price]]:
    """Per token kind, merge adjacent periods with the same price: (kind, start, end, price)."""
    kinds = {k for p in periods for k in p.prices}
    for kind in sorted(kinds):
        current: list = []
        for period in periods:
            price = period.prices.get(kind)
            if current and price == current[3] and current[2] == period.start:
                current[2] = period.end
                continue
            if current:
                yield tuple(current)  # type: ignore[misc]
            current = [kind, period.start, period.end, price] if price is not None else []
        if current:
            yield tuple(current)  # type: ignore[misc]


def _bands(price: Price) -> list[tuple[int, Decimal]]:
    if isinstance(price, gt.TieredPrices):
        return [(0, price.base), *((t.start + 1, t.price) for t in price.tiers)]
    return [(0, price)]


def find_model(provider: str, model: str) -> tuple[gt.Provider, gt.ModelInfo] | None:
    """genai-prices' own match for a logged provider and model, or None if it has none."""
    snapshot = data_snapshot.get_snapshot()
    try:
        return snapshot.find_provider_model(model, None, PROVIDER_IDS.get(provider, provider), None)
    except LookupError:
        return None


def _rows(
    provider: str, model: str, tier: str, first: date, last: date
) -> Iterator[dict[str, object]]:
    found = find_model(provider, model)
    if found is None or tier not in TIER_CONTEXTS:
        return
    genai_provider, genai_model = found
    periods = list(_periods(genai_model, genai_provider, tier))
    for kind, start, end, price in _kind_spans(periods):
        if start > last or (end is not None and end <= first):
            continue
        for min_tokens, unit_price in _bands(price):
            yield {
                "price_id": price_id("list", provider, model, tier, min_tokens, kind, start),
                "price_type": "list",
                "provider": provider,
                "model": model,
                "service_tier": tier,
                "token_kind": kind,
                "min_input_tokens": min_tokens,
                "unit_price": unit_price,
                "pricing_unit": PRICING_UNIT,
                "currency": "USD",
                "valid_from": start,
                "valid_to": end,
                "source": f"genai-prices {GENAI_VERSION} ({genai_model.id})",
            }


def list_prices_for(models: pl.DataFrame) -> pl.DataFrame:
    """models: distinct (provider, model, service_tier, first_date, last_date) seen in the logs
    -> dim_prices rows (price_type 'list') for every price version overlapping those dates."""
    rows: list[dict[str, object]] = []
    for provider, model, tier, first, last in models.select(MODEL_COLUMNS).unique().iter_rows():
        rows.extend(_rows(provider, model, tier, first, last))
    return price_frame(rows).sort("price_id")
