"""Internal recovery: what each feature's internal price charges against what it costs.

Per billing_period x tenant x feature, production only:

- `units`: per day, the feature's units for the rate valid that day (`request`: requests;
  `accepted_output`: requests with accepted = true; `1000000 Tokens`: (input + output tokens)
  x 0.000001), summed over the month.
- `internal_charge` = sum over days of units x rate (exact). NULL with a reason when the feature
  has usage on a day no rate covers.
- `llm_cost`: the feature's production cost (invoiced when the month is final, else the
  contracted estimate) converted to the rate's currency like the margin (`margin.convert`).
- `recovery` = internal_charge - llm_cost; `recovery_ratio` = internal_charge / llm_cost rounded
  half-even to 12 decimals (NULL when llm_cost is NULL or <= 0).
- `recovery_status`: `under_recovered` (recovery < 0), `recovered`, or `unknown`.

A feature with cost or usage but no internal rate at all keeps a row per cost currency with
`unit`, `units` and `internal_charge` NULL and the reason `no internal rate`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import polars as pl

from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.margin.internal_rates import rate_on, rates_by_feature
from pipelines.lib.margin.margin import PROD, convert, exact_ratio
from pipelines.money import period_start

TOKEN_UNIT = Decimal("0.000001")
UNDER, RECOVERED, UNKNOWN = "under_recovered", "recovered", "unknown"


def day_units(unit: str, requests: int, accepted: int, tokens: int) -> Decimal:
    """One day's units of a feature for `unit`."""
    if unit == "request":
        return Decimal(requests)
    if unit == "accepted_output":
        return Decimal(accepted)
    return Decimal(tokens) * TOKEN_UNIT


def recovery_rows(
    units: pl.DataFrame, rates: pl.DataFrame, costs: pl.DataFrame, fx: FxRates
) -> list[dict]:
    """One dict per billing_period x tenant x feature (x cost currency when unrated).

    `units`: request_date, tenant_id, feature, requests, accepted_outputs, tokens (production).
    `rates`: `internal_rates.RATE_COLUMNS`. `costs`: billing_period, tenant_id, feature,
    environment, currency, cost, unpriced_requests (only production parts are used).
    """
    daily: dict[tuple, list[dict]] = defaultdict(list)
    for rec in units.iter_rows(named=True):
        period = rec["request_date"].strftime("%Y-%m")
        daily[(period, rec["tenant_id"], rec["feature"])].append(rec)
    parts: dict[tuple, list[dict]] = defaultdict(list)
    for rec in costs.filter(pl.col("environment") == PROD).iter_rows(named=True):
        parts[(rec["billing_period"], rec["tenant_id"], rec["feature"])].append(rec)
    rated = rates_by_feature(rates)
    rows = []
    for key in sorted(set(daily) | set(parts), key=lambda t: tuple(map(str, t))):
        period, tenant, feature = key
        base = {"billing_period": period, "tenant_id": tenant, "feature": feature}
        if feature not in rated:
            rows += _unrated(base, parts.get(key, []), fx)
            continue
        unit, currency = rated[feature][0]["unit"], rated[feature][0]["currency"]
        total_units, charge, reason = Decimal(0), Decimal(0), None
        for rec in sorted(daily.get(key, []), key=lambda r: r["request_date"]):
            n = day_units(unit, rec["requests"], rec["accepted_outputs"], rec["tokens"])
            rate = rate_on(rated[feature], rec["request_date"])
            total_units += n
            if rate is None:
                if n:
                    reason = f"no internal rate on {rec['request_date'].isoformat()}"
                continue
            charge += n * rate["rate"]
        cost, _, cost_reason = convert(parts.get(key, []), currency, period_start(period), fx)
        internal_charge = None if reason else charge
        rows.append(
            _row(base, unit, currency, total_units, internal_charge, cost, reason or cost_reason)
        )
    return rows


def _unrated(base: dict, parts: list[dict], fx: FxRates) -> list[dict]:
    by_currency: dict[str | None, list[dict]] = defaultdict(list)
    for part in parts:
        by_currency[part["currency"]].append(part)
    out = []
    for currency, same in sorted(by_currency.items(), key=lambda t: str(t[0])):
        if currency is None and not any(p["unpriced_requests"] for p in same):
            continue
        cost = None
        if currency is not None:
            cost, _, _ = convert(same, currency, period_start(base["billing_period"]), fx)
        out.append(_row(base, None, currency, None, None, cost, "no internal rate"))
    if not out:  # usage without cost and without a rate: still one row
        out.append(_row(base, None, None, None, None, None, "no internal rate"))
    return out


def _row(
    base: dict,
    unit: str | None,
    currency: str | None,
    units: Decimal | None,
    charge: Decimal | None,
    cost: Decimal | None,
    reason: str | None,
) -> dict:
    recovery = charge - cost if charge is not None and cost is not None else None
    ratio = exact_ratio(charge, cost) if charge is not None and cost and cost > 0 else None
    status = UNKNOWN if recovery is None else UNDER if recovery < 0 else RECOVERED
    return {
        **base,
        "unit": unit,
        "currency": currency,
        "units": units,
        "internal_charge": charge,
        "llm_cost": cost,
        "recovery": recovery,
        "recovery_ratio": ratio,
        "recovery_status": status,
        "reason": reason,
    }
