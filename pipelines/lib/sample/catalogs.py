"""catalog/*.csv of the sample: tenants, negotiated prices, budgets, FX rates."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

from pipelines.lib.sample import stories as st
from pipelines.lib.sample.revenue_catalog import BILLING_CUSTOMERS, write_revenue_inputs

PRICE_COLUMNS = (
    "provider",
    "model",
    "token_kind",
    "service_tier",
    "unit_price",
    "unit",
    "currency",
    "valid_from",
    "valid_to",
    "min_input_tokens",
)
UNIT = "1000000 Tokens"
KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")
CONTRACT_START = "2026-01-01"
# Negotiated prices (USD per 1M tokens). gpt-4.1-mini and the Bedrock model stay at list.
# (provider, model, service_tier, valid_from, valid_to, {kind: price}[, min_input_tokens])
# The sonnet contract is 15% off list, its long-context tier (> 200k input tokens) included.
CONTRACTS = (
    (
        *st.SONNET,
        "",
        CONTRACT_START,
        "",
        {
            "input": "2.55",
            "cache_read": "0.255",
            "cache_write": "3.1875",
            "cache_write_1h": "5.10",
            "output": "12.75",
        },
    ),
    (
        *st.HAIKU,
        "standard",
        CONTRACT_START,
        st.PRICE_CHANGE_DAY.isoformat(),
        {
            "input": "0.90",
            "cache_read": "0.09",
            "cache_write": "1.125",
            "cache_write_1h": "1.80",
            "output": "4.50",
        },
    ),
    (
        *st.HAIKU,
        "standard",
        st.PRICE_CHANGE_DAY.isoformat(),
        "",
        {
            "input": "0.80",
            "cache_read": "0.08",
            "cache_write": "1.00",
            "cache_write_1h": "1.60",
            "output": "4.00",
        },
    ),
    (
        *st.HAIKU,
        "batch",
        CONTRACT_START,
        "",
        {
            "input": "0.45",
            "cache_read": "0.045",
            "cache_write": "0.5625",
            "cache_write_1h": "0.90",
            "output": "2.25",
        },
    ),
    (
        *st.SONNET,
        "",
        CONTRACT_START,
        "",
        {
            "input": "5.10",
            "cache_read": "0.51",
            "cache_write": "6.375",
            "cache_write_1h": "10.20",
            "output": "19.125",
        },
        "200001",
    ),
    (*st.GPT41, "", CONTRACT_START, "", {"input": "1.70", "cache_read": "0.425", "output": "6.80"}),
)


def _csv(rows: list[tuple], header: tuple[str, ...]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def tenants_csv() -> str:
    """catalog/tenants.csv."""
    rows = [
        (t.tenant_id, t.name, t.business_unit, t.cost_center, BILLING_CUSTOMERS.get(t.tenant_id))
        for t in st.TENANTS
    ]
    header = ("tenant_id", "tenant_name", "business_unit", "cost_center", "billing_customer_id")
    return _csv(rows, header)


def prices_csv() -> str:
    """catalog/prices.csv: the contracted prices."""
    rows = []
    for provider, model, tier, start, end, prices, *tier_floor in CONTRACTS:
        floor = tier_floor[0] if tier_floor else ""
        for kind in KINDS:
            if kind in prices:
                rows.append(
                    (provider, model, kind, tier, prices[kind], UNIT, "USD", start, end, floor)
                )
    return _csv(rows, PRICE_COLUMNS)


def fx_csv(start: date, end: date, seed: int) -> str:
    """Daily USD->EUR and USD->GBP rates (a small deterministic random walk)."""
    rng = random.Random(f"{seed}:fx")
    rates = {"EUR": Decimal("0.9150"), "GBP": Decimal("0.7820")}
    rows = []
    day = start
    while day < end:
        for cur in ("EUR", "GBP"):
            step = Decimal(str(round(rng.gauss(0, 0.0025), 6)))
            rates[cur] = (rates[cur] * (1 + step)).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)
            rows.append((day.isoformat(), "USD", cur, str(rates[cur])))
        day += timedelta(days=1)
    return _csv(rows, ("date", "from_currency", "to_currency", "rate"))


@cache
def _rates(provider: str, model: str) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """List USD per token for uncached input, cache read, cache write, output (base tier)."""
    from genai_prices import Usage, calc_price

    pid = {"aws_bedrock": "aws"}.get(provider, provider)
    mtok = 1_000_000
    probes = (
        Usage(input_tokens=mtok),
        Usage(input_tokens=mtok, cache_read_tokens=mtok),
        Usage(input_tokens=mtok, cache_write_tokens=mtok),
        Usage(output_tokens=mtok),
    )
    try:
        prices = [calc_price(u, model_ref=model, provider_id=pid).total_price for u in probes]
    except LookupError:
        return None
    return tuple(p / mtok for p in prices)  # type: ignore[return-value]


def estimate_cost(rec: dict) -> Decimal:
    """Rough list cost of one record (budget sizing only; the pipeline prices exactly)."""
    rates = _rates(rec["provider"], rec["model"])
    if rates is None:
        return Decimal(0)
    read, write = rec["cache_read_tokens"], rec["cache_write_tokens"]
    uncached = rec["input_tokens"] - read - write
    return (
        uncached * rates[0] + read * rates[1] + write * rates[2] + rec["output_tokens"] * rates[3]
    )


def budgets_csv(daily_costs: dict[tuple[str, str, date], Decimal]) -> str:
    """Budgets sized from normal usage, so only the runaway tenant breaches.

    Monthly limit: 36 median days; daily limit: 1.3 x the costliest day outside the runaway
    window (feature budget of the runaway: 35 and 2.5 median days).

    `daily_costs` maps (tenant, feature, day) -> estimated prod cost.
    """
    per_tenant: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    per_feature: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for (tenant, feature, day), cost in daily_costs.items():
        per_tenant[tenant][day] += cost
        per_feature[tenant, feature][day] += cost

    def median(values: dict[date, Decimal]) -> Decimal:
        xs = sorted(values.values())
        return xs[len(xs) // 2] if xs else Decimal(0)

    def normal_peak(values: dict[date, Decimal]) -> Decimal:
        xs = [v for d, v in values.items() if not st.RUNAWAY_START <= d < st.RUNAWAY_END]
        return max(xs, default=Decimal(0))

    def money(x: Decimal) -> str:
        return str(max(Decimal("0.01"), x).quantize(Decimal("0.01"), ROUND_CEILING))

    actions = {st.VIP_TENANT: "alert", "wayne-ent": "block", "stark-industries": "degrade"}
    rows = []
    for t in st.TENANTS:
        m = median(per_tenant[t.tenant_id])
        action = actions.get(t.tenant_id, "alert")
        daily = normal_peak(per_tenant[t.tenant_id]) * Decimal("1.3")
        rows.append((t.tenant_id, "", money(m * 36), money(daily), "USD", "0.8", action))
    rf = median(per_feature[st.RUNAWAY_TENANT, st.RUNAWAY_FEATURE])
    rows.append(
        (
            st.RUNAWAY_TENANT,
            st.RUNAWAY_FEATURE,
            money(rf * 35),
            money(rf * Decimal("2.5")),
            "USD",
            "0.75",
            "degrade",
        )
    )
    header = ("tenant_id", "feature", "monthly_limit", "daily_limit", "currency")
    return _csv(rows, (*header, "soft_threshold", "action"))


def utc_day(rec: dict) -> date:
    """The UTC date of a record's RFC 3339 timestamp."""
    ts = rec["timestamp"].replace("Z", "+00:00")
    return datetime.fromisoformat(ts).astimezone(UTC).date()


def features_csv() -> str:
    """What kind of work each feature does; extractive work should run on a cheap model."""
    rows = [
        ("email_copilot", "generative"),
        ("account_summary", "generative"),
        ("ticket_classification", "extractive"),
        ("faq_assistant", "conversational"),
    ]
    return _csv(rows, ("feature", "kind"))


def write_catalog(out_dir: Path, start: date, end: date, seed: int, budgets: str) -> list[Path]:
    """Write the catalog files; returns their paths."""
    cat = out_dir / "catalog"
    cat.mkdir(parents=True, exist_ok=True)
    files = {
        "tenants.csv": tenants_csv(),
        "prices.csv": prices_csv(),
        "budgets.csv": budgets,
        "fx.csv": fx_csv(start, end, seed),
        "features.csv": features_csv(),
    }
    paths = []
    for name, text in files.items():
        (cat / name).write_text(text, encoding="utf-8", newline="")
        paths.append(cat / name)
    return paths + write_revenue_inputs(out_dir, start, end)
