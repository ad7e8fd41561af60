"""Margin per tenant (and per tenant x feature): revenue against all LLM cost, exactly.

For one key (billing_period x tenant_id [x feature]) and one revenue currency:

- `revenue`: the sum of the revenue lines in that currency.
- `llm_cost`: every cost part of the key (all environments), each converted from its currency to
  the revenue currency with the fx.csv rate dated on or before the month's first day
  (`FxRates.rate`: the pair's latest rate, else 1 / the reverse pair's), summed exactly and
  rounded half-even to 18 decimals. NULL with `llm_cost_reason` when a rate is missing, when the
  estimate holds unpriced requests, or when the key has revenue in several currencies (its cost
  is not split between them, nor counted twice). 0 when the key has no cost at all.
- `llm_cost_prod`: the part of `llm_cost` from environment `prod`.
- `gross_margin` = revenue - llm_cost; `llm_cost_share` = llm_cost / revenue, the exact quotient
  rounded half-even to 12 decimals (Python Decimal, never a binary float; NULL when revenue <= 0).
- `margin_status`: `loss` (gross_margin < 0), `thin` (llm_cost_share > the threshold), `ok`;
  `no_revenue` for cost without revenue; `unknown` when llm_cost is NULL.

Cost without revenue keeps its own currency (one row per cost currency, revenue NULL), so
nothing on either side is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import polars as pl

from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.money import period_start

COST_QUANTUM = Decimal("1e-18")
SHARE_QUANTUM = Decimal("1e-12")
INVOICED = "invoiced"
ESTIMATED = "estimated"
LOSS, THIN, OK, NO_REVENUE, UNKNOWN = "loss", "thin", "ok", "no_revenue", "unknown"
PROD = "prod"


def exact_ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator rounded half-even to 12 decimals (exact Decimal arithmetic)."""
    with localcontext() as ctx:
        ctx.prec = 80
        return (numerator / denominator).quantize(SHARE_QUANTUM, rounding=ROUND_HALF_EVEN)


def convert(
    parts: Iterable[dict], target: str, day: date, fx: FxRates
) -> tuple[Decimal | None, Decimal | None, str | None]:
    """(total, prod part, reason) of cost parts converted to `target` with the rate of `day`.

    A part is {currency, environment, cost, unpriced_requests}. Any missing rate or unpriced
    request makes both totals NULL with the reason.
    """
    total, prod = Decimal(0), Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 80
        for part in parts:
            if part["unpriced_requests"]:
                return None, None, "unpriced requests in the estimate: cost unknown"
            if part["cost"] is None or part["cost"] == 0:
                continue
            rate = fx.rate(day, part["currency"], target)
            if rate is None:
                return (
                    None,
                    None,
                    f"no fx rate {part['currency']}->{target} on or before {day.isoformat()}",
                )
            value = part["cost"] * rate
            total += value
            if part["environment"] == PROD:
                prod += value
    return (
        total.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN),
        prod.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN),
        None,
    )


def status_of(
    revenue: Decimal | None,
    llm_cost: Decimal | None,
    share: Decimal | None,
    threshold: Decimal,
) -> str:
    """loss / thin / ok, or no_revenue / unknown when a side is missing."""
    if revenue is None:
        return NO_REVENUE
    if llm_cost is None:
        return UNKNOWN
    if revenue - llm_cost < 0:
        return LOSS
    if share is not None and share > threshold:
        return THIN
    return OK


def margin_rows(
    revenue: pl.DataFrame,
    costs: pl.DataFrame,
    key: tuple[str, ...],
    fx: FxRates,
    final_periods: set[str],
    threshold: Decimal,
) -> list[dict]:
    """One dict per key x currency, revenue and cost joined with nothing dropped.

    `revenue`: key columns + amount, currency. `costs`: key columns + environment, currency,
    cost, unpriced_requests, cost_basis. `key` starts with billing_period, tenant_id.
    """
    revenue_by: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for rec in revenue.iter_rows(named=True):
        revenue_by[tuple(rec[k] for k in key)][rec["currency"]] += rec["amount"]
    costs_by: dict[tuple, list[dict]] = defaultdict(list)
    for rec in costs.iter_rows(named=True):
        costs_by[tuple(rec[k] for k in key)].append(rec)
    rows = []
    for k in sorted(set(revenue_by) | set(costs_by), key=lambda t: tuple(map(str, t))):
        period = k[0]
        parts = costs_by.get(k, [])
        basis = _basis(parts, period, final_periods)
        base = dict(zip(key, k, strict=True))
        if k in revenue_by:
            for currency, amount in sorted(revenue_by[k].items()):
                if parts and len(revenue_by[k]) > 1:  # the cost is not split between them
                    cost, prod, reason = None, None, "revenue in several currencies: cost not split"
                else:
                    cost, prod, reason = convert(parts, currency, period_start(period), fx)
                rows.append(_row(base, currency, amount, cost, prod, reason, basis, threshold))
            continue
        for currency, cost, prod, reason in _costs_alone(parts, period, fx):
            rows.append(_row(base, currency, None, cost, prod, reason, basis, threshold))
    return rows


def _costs_alone(parts: list[dict], period: str, fx: FxRates) -> list[tuple]:
    """(currency, cost, prod part, reason) per cost currency of a key without revenue."""
    by_currency: dict[str | None, list[dict]] = defaultdict(list)
    for part in parts:
        by_currency[part["currency"]].append(part)
    out: list[tuple] = []
    for currency, same in sorted(by_currency.items(), key=lambda t: str(t[0])):
        if currency is None:  # only unpriced or zero-cost lines carry no currency
            if any(p["unpriced_requests"] for p in same):
                reason = "unpriced requests in the estimate: cost unknown"
                out.append((None, None, None, reason))
        else:
            out.append((currency, *convert(same, currency, period_start(period), fx)))
    return out


def _basis(parts: list[dict], period: str, final_periods: set[str]) -> str:
    if parts:
        return INVOICED if all(p["cost_basis"] == INVOICED for p in parts) else ESTIMATED
    return INVOICED if period in final_periods else ESTIMATED


def _row(
    base: dict,
    currency: str | None,
    revenue: Decimal | None,
    cost: Decimal | None,
    prod: Decimal | None,
    reason: str | None,
    basis: str,
    threshold: Decimal,
) -> dict:
    margin = revenue - cost if revenue is not None and cost is not None else None
    share = exact_ratio(cost, revenue) if cost is not None and revenue and revenue > 0 else None
    return {
        **base,
        "currency": currency,
        "revenue": revenue,
        "llm_cost": cost,
        "llm_cost_prod": prod,
        "llm_cost_reason": reason,
        "cost_basis": basis,
        "gross_margin": margin,
        "llm_cost_share": share,
        "margin_status": status_of(revenue, cost, share, threshold),
        "thin_margin_share": threshold,
    }
