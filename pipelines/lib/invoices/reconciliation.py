"""Reconciliation of billed usage against the logged contracted cost, per provider and month."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import polars as pl

from pipelines.lib.invoices.allocation import FxRates
from pipelines.money import month_start, next_month, round_cents


def reconciliation_gaps(lines: pl.DataFrame, cells: pl.DataFrame, fx: FxRates) -> list[dict]:
    """Per provider and billing month: usage billed (non-correction Usage lines) vs the logged
    contracted cost of the same month, converted to the invoice currency at the month's end."""
    billed: dict[tuple, Decimal] = defaultdict(Decimal)
    currency: dict[tuple, str] = {}
    for provider, period, category, cls, cost, ccy in lines.select(
        "provider",
        "BillingPeriodStart",
        "ChargeCategory",
        "ChargeClass",
        "billed_cost",
        "billing_currency",
    ).iter_rows():
        if category == "Usage" and cls is None:
            billed[(provider, period)] += cost
            currency[(provider, period)] = ccy
    logged: dict[tuple, Decimal] = defaultdict(Decimal)
    for provider, day, cost, ccy in cells.select(
        "provider", "charge_date", "contracted_cost", "currency"
    ).iter_rows():
        key = (provider, month_start(day))
        if key in billed and cost is not None:
            rate = fx.rate(next_month(day) - timedelta(days=1), ccy or currency[key], currency[key])
            logged[key] += cost * (rate or Decimal(0))
    out = []
    for key in sorted(billed):
        gap = billed[key] - logged[key]
        share = (gap / logged[key]).quantize(Decimal("0.0001")) if logged[key] else None
        out.append(
            {
                "provider": key[0],
                "month": key[1].strftime("%Y-%m"),
                "currency": currency[key],
                "billed_usage": round_cents(billed[key]),
                "logged_usage": round_cents(logged[key]),
                "gap_share": share,
            }
        )
    return out
