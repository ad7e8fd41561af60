"""A small published warehouse for the report and notebook tests.

Raw tables are built from polars frames with the real contract columns (`fct_cost_lines` from the
pandera model `schemas.pricing.cost_line`, `dim_tenants`, `dim_prices`, `dim_features`,
`quarantine_requests`), then the real SQL models of the usage marts (and the model mix) are run on
them, so the marts have exactly the published columns. `mart_budget_status` and
`mart_weekly_scorecard` are written from frames with the columns of their SQL models.

Data: 8 tenants, 3 features, 41 days (2026-03-01 .. 2026-04-10) of prod plus a little staging;
models `p/m-big` (expensive), `p/m-small`, and `p/m-x` with no price (unpriced lines).
Contracted prices are 0.8 x list. Finance: `chargeback_lines` (March final, April provisional)
derived from the cost lines, `mart_invoice_reconciliation` with known gaps, `dim_budgets` and the
real `int_spend_forecasted` model.
"""

from __future__ import annotations

import importlib
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import warehouse
from schemas.pricing.cost_line import MODEL as COST_LINE
from schemas.requests.canonical_request import QUARANTINE_COLUMNS, TOKEN_KIND_COLUMNS, TOKEN_KINDS

FIRST_DAY = date(2026, 3, 1)
DAYS = 41
TENANTS = [f"t{i:02d}" for i in range(1, 9)]
FEATURES = {"copilot": "generative", "triage": "extractive", "summarize": "generative"}
LIST_PRICES = {  # per 1000000 tokens
    "m-big": {"input": "10", "cache_read": "1", "cache_write": "12.5", "cache_write_1h": "20",
              "output": "40"},
    "m-small": {"input": "0.5", "cache_read": "0.05", "cache_write": "0.625",
                "cache_write_1h": "1", "output": "2"},
}  # fmt: skip
CONTRACT = Decimal("0.8")
MILLIONTH = Decimal("0.000001")
PRICE = pl.Decimal(38, 12)
COST = pl.Decimal(38, 18)

SQL_MODELS = (
    "int_settings_resolved",
    "int_cache_hits_resolved",
    "int_prompt_repeats_flagged",
    "mart_unit_economics",
    "mart_feature_unit_costs",
    "mart_cache_efficiency",
    "mart_prompt_repeats",
    "mart_risk",
    "mart_feature_model_mix",
)


def _cost_line_schema() -> dict[str, pl.DataType]:
    columns = COST_LINE.to_schema().columns
    return {name: col.dtype.type for name, col in columns.items()}


def _request(rng: random.Random, rid: str, env: str, ts: datetime, tenant: str, feature: str,
             history: list[dict]) -> dict:  # fmt: skip
    """One cost line (all CostLine columns)."""
    model = (
        "m-big" if feature == "copilot" or (feature == "triage" and tenant < "t04") else ("m-small")
    )
    if rng.random() < 0.03:
        model = "m-x"
    cache, source = _cache(rng, feature, history)
    tokens = _tokens(rng, cache, feature)
    row = {
        "request_id": rid,
        "timestamp_utc": ts,
        "request_date": ts.date(),
        "tenant_id": tenant,
        "user_id": f"u{rng.randint(1, 40)}",
        "app": "crm",
        "feature": feature,
        "environment": env,
        "provider": "p",
        "model": model,
        "service_tier": "standard",
        "prompt_version": "v1",
        "session_id": f"s{rng.randint(1, 400)}",
        "action_id": f"a{rid}",
        "input_tokens": tokens["input_uncached_tokens"] + tokens["cache_read_tokens"]
        + tokens["cache_write_5m_tokens"],
        "cache_read_tokens": tokens["cache_read_tokens"],
        "cache_write_tokens": tokens["cache_write_5m_tokens"],
        "cache_write_1h_tokens": 0,
        "output_tokens": tokens["output_tokens"],
        "reasoning_tokens": 0,
        "input_uncached_tokens": tokens["input_uncached_tokens"],
        "cache_write_5m_tokens": tokens["cache_write_5m_tokens"],
        "cache_status": cache,
        "cache_source_request_id": source["request_id"] if source else None,
        "latency_ms": rng.randint(50, 4000),
        "status": "success",
        "error_type": None,
        "result_type": "text",
        "prompt_fingerprint": f"fp-{feature}-{rng.randint(1, 60)}",
        "pii_detected": rng.random() < 0.05,
        "policy_blocked": False,
        "accepted": rng.choice([True, True, False, None]),
        "edit_distance": None,
        "escalated": rng.random() < 0.1,
        "csat": float(rng.randint(3, 5)),
    }  # fmt: skip
    _price(row, model, tokens, app_hit=cache in ("exact", "semantic"))
    return row


def _cache(rng: random.Random, feature: str, history: list[dict]) -> tuple[str, dict | None]:
    """The cache status and, for an app-cache hit, the earlier request it reused."""
    roll = rng.random()
    same = [h for h in history if h["feature"] == feature and h["price_status"] == "priced"]
    if same and roll < 0.08:
        return "exact", rng.choice(same)
    if same and roll < 0.13:
        return "semantic", rng.choice(same)
    if roll < 0.35:
        return "prefix", None
    return "miss", None


def _tokens(rng: random.Random, cache: str, feature: str) -> dict[str, int]:
    """Token counts by column; an app-cache hit uses none."""
    tokens = dict.fromkeys(TOKEN_KIND_COLUMNS.values(), 0)
    if cache in ("miss", "prefix"):
        size = {"copilot": 3000, "triage": 1200, "summarize": 6000}[feature]
        tokens["input_uncached_tokens"] = rng.randint(size // 2, size * 2)
        tokens["output_tokens"] = rng.randint(100, 900)
        if cache == "prefix":
            tokens["cache_read_tokens"] = rng.randint(500, 4000)
        elif rng.random() < 0.3:
            tokens["cache_write_5m_tokens"] = rng.randint(500, 3000)
    return tokens


def _price(row: dict, model: str, tokens: dict[str, int], app_hit: bool) -> None:
    """Add the price, cost and status columns to the row."""
    prices = LIST_PRICES.get(model)
    for kind in TOKEN_KINDS:
        n = tokens[TOKEN_KIND_COLUMNS[kind]]
        for which, factor in (("list", Decimal(1)), ("contracted", CONTRACT)):
            price = Decimal(prices[kind]) * factor if prices else None
            row[f"{which}_price_{kind}"] = price
            row[f"{which}_price_id_{kind}"] = f"{which}:p:{model}:{kind}" if price else None
            row[f"{which}_cost_{kind}"] = n * price * MILLIONTH if price is not None else None
    if app_hit:
        status, reason = "no_provider_call", None
    elif prices is None:
        status, reason = "unpriced", "no list or contract price for p/m-x"
    else:
        status, reason = "priced", None
    for which in ("list", "contracted"):
        if status == "no_provider_call":
            row[f"{which}_cost"] = Decimal(0)
        elif status == "priced":
            row[f"{which}_cost"] = sum(row[f"{which}_cost_{k}"] for k in TOKEN_KINDS)
        else:
            row[f"{which}_cost"] = None
    row["list_currency"] = "USD"
    row["contracted_currency"] = None if status == "unpriced" else "USD"
    row["context_tier"] = "base"
    row["price_status"] = status
    row["unpriced_reason"] = reason


def cost_lines() -> pl.DataFrame:
    """fct_cost_lines with every contract column."""
    rng = random.Random(7)
    rows: list[dict] = []
    weights = {t: 1 + 3 * (len(TENANTS) - i) for i, t in enumerate(TENANTS)}
    for d in range(DAYS):
        day = FIRST_DAY + timedelta(days=d)
        for tenant in TENANTS:
            for _ in range(rng.randint(0, weights[tenant] // 4 + 1)):
                feature = rng.choice(list(FEATURES))
                ts = datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59))
                env = "staging" if rng.random() < 0.1 else "prod"
                rows.append(_request(rng, f"r{len(rows) + 1:05d}", env, ts, tenant, feature,
                                     rows[-200:]))  # fmt: skip
    return pl.DataFrame(rows, schema=_cost_line_schema(), orient="row")


def dim_tenants() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "tenant_id": TENANTS,
            "tenant_name": [f"Acme {t.upper()}" for t in TENANTS],
            "business_unit": ["Sales" if i % 2 else "Support" for i in range(len(TENANTS))],
            "cost_center": [f"CC-{100 + i}" for i in range(len(TENANTS))],
        }
    )


def dim_prices() -> pl.DataFrame:
    rows = []
    for model, prices in LIST_PRICES.items():
        for kind, text in prices.items():
            for which, factor in (("list", Decimal(1)), ("contracted", CONTRACT)):
                rows.append({
                    "price_id": f"{which}:p:{model}:{kind}", "price_type": which,
                    "provider": "p", "model": model, "service_tier": "*", "token_kind": kind,
                    "min_input_tokens": 0, "unit_price": Decimal(text) * factor,
                    "pricing_unit": "1000000 Tokens", "currency": "USD",
                    "valid_from": date(2026, 1, 1), "valid_to": None, "source": "fixture",
                })  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={"price_id": pl.String, "price_type": pl.String, "provider": pl.String,
                "model": pl.String, "service_tier": pl.String, "token_kind": pl.String,
                "min_input_tokens": pl.Int64, "unit_price": PRICE, "pricing_unit": pl.String,
                "currency": pl.String, "valid_from": pl.Date, "valid_to": pl.Date,
                "source": pl.String},
    )  # fmt: skip


def quarantine() -> pl.DataFrame:
    rows = [
        ("requests/day1.jsonl", 3, None, date(2026, 3, 1), "timestamp", "timestamp without offset"),
        ("requests/day1.jsonl", 9, "r-dup", date(2026, 3, 1), "request_id", "duplicate request_id"),
        ("requests/day2.jsonl", 1, None, None, "record", "not valid JSON"),
    ]
    return pl.DataFrame(rows, schema=QUARANTINE_COLUMNS, orient="row")


# (tenant, feature, monthly limit, month to date and forecast on April 10, status, reason, action)
BUDGETS = (
    ("t01", None, "50", "61.2", "180.0", "hard", "month-to-date >= monthly limit", "block"),
    ("t02", "copilot", "40", "33.5", "95.0", "soft", "forecast >= monthly limit", "alert"),
    ("t05", None, "500", "12.25", "38.0", "ok", "within budget", "none"),
)


def dim_budgets() -> pl.DataFrame:
    """dim_budgets for the budgets above (int_spend_forecasted reads it)."""
    return pl.DataFrame(
        [{"tenant_id": t, "feature": f, "monthly_limit": Decimal(limit), "daily_limit": None,
          "currency": "USD", "soft_threshold": Decimal("0.8"), "action": action,
          "source_line": i + 2}
         for i, (t, f, limit, _, _, _, _, action) in enumerate(BUDGETS)],
        schema={"tenant_id": pl.String, "feature": pl.String, "monthly_limit": pl.Decimal(38, 18),
                "daily_limit": pl.Decimal(38, 18), "currency": pl.String,
                "soft_threshold": pl.Decimal(5, 4), "action": pl.String,
                "source_line": pl.Int64},
    )  # fmt: skip


def budget_status() -> pl.DataFrame:
    """mart_budget_status rows (columns of sql/marts/mart_budget_status.sql), April 1 to 10."""
    money = pl.Decimal(38, 18)
    rows = []
    for day in range(1, 11):  # April 1..10: month to date grows to its value on the 10th
        as_of = date(2026, 4, day)
        for tenant, feature, limit, final_mtd, final_forecast, status, reason, action in BUDGETS:
            mtd = Decimal(final_mtd) * day / 10
            forecast = mtd + (Decimal(final_forecast) - Decimal(final_mtd)) * (30 - day) / 20
            rows.append({
                "as_of_date": as_of, "month_start": date(2026, 4, 1), "tenant_id": tenant,
                "feature": feature, "currency": "USD", "monthly_limit": Decimal(limit),
                "daily_limit": None, "soft_threshold": Decimal("0.8"), "action": action,
                "day_spend": Decimal("3.1"), "month_to_date": mtd,
                "trailing_7d_median": Decimal("2.9"), "days_remaining": 30 - day,
                "forecast_month_total": forecast,
                "monthly_used_pct": float(mtd / Decimal(limit) * 100),
                "forecast_used_pct": float(forecast / Decimal(limit) * 100),
                "daily_used_pct": None, "other_currencies": None, "status": status,
                "status_reason": reason, "guardrail_action": action,
            })  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={"as_of_date": pl.Date, "month_start": pl.Date, "tenant_id": pl.String,
                "feature": pl.String, "currency": pl.String, "monthly_limit": money,
                "daily_limit": money, "soft_threshold": pl.Decimal(5, 4), "action": pl.String,
                "day_spend": money, "month_to_date": money, "trailing_7d_median": money,
                "days_remaining": pl.Int64, "forecast_month_total": money,
                "monthly_used_pct": pl.Float64, "forecast_used_pct": pl.Float64,
                "daily_used_pct": pl.Float64, "other_currencies": pl.String,
                "status": pl.String, "status_reason": pl.String, "guardrail_action": pl.String},
    )  # fmt: skip


def weekly_scorecard() -> pl.DataFrame:
    """mart_weekly_scorecard rows (columns of its SQL model): 3 features x 5 weeks, one flag."""
    rows = []
    for w in range(5):
        week = date(2026, 3, 2) + timedelta(weeks=w)
        for i, feature in enumerate(FEATURES):
            flagged = feature == "copilot" and w == 4
            cost = Decimal("12.5") + Decimal(i) + (Decimal(9) if flagged else Decimal(w) / 4)
            acc = 0.7 - (0.12 if flagged else 0.01 * i)
            prev = None if w == 0 else 0.7 - 0.01 * i
            rows.append({
                "week_start": week, "iso_year": 2026, "iso_week": week.isocalendar().week,
                "feature": feature, "environment": "prod", "requests": 400 + 10 * w,
                "executions": 380 + 10 * w, "currency": "USD", "contracted_cost": cost,
                "unpriced_requests": i, "cost_per_1000_executions": float(cost) * 1000 / 380,
                "rated_requests": 300, "acceptance_rate": acc, "mean_edit_distance": 3.0,
                "escalation_rate": 0.05, "mean_csat": 4.2, "late_feedback_requests": 0,
                "prev_cost_per_1000_executions": None if w == 0 else 33.0,
                "prev_acceptance_rate": prev,
                "cost_per_execution_change_pct": None if w == 0 else (45.0 if flagged else 2.0),
                "acceptance_change_pts": None if prev is None else (acc - prev) * 100,
                "edit_distance_change": None, "escalation_change_pts": None,
                "csat_change": None, "freeze_or_rollback": flagged,
            })  # fmt: skip
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("contracted_cost").cast(pl.Decimal(38, 18))
    )


# March is invoiced (final, issue 1): allocated = usage + 5% residual + 10% tax, invoice
# INV-P-2026-03; April is provisional (logged usage at contracted prices). One EUR invoice line
# for t02 (provider q) and one unallocated USD line in March: currencies are never added.
CHARGEBACK_SQL = """
with lines as (
    select strftime(c.request_date, '%Y-%m') as billing_period,
           c.request_date < date '2026-04-01' as final,
           c.tenant_id, t.tenant_name, t.business_unit, t.cost_center, c.feature, c.environment,
           c.provider, c.model, count(*) as requests,
           sum(c.input_uncached_tokens) as input_tokens,
           sum(c.cache_read_tokens) as cache_read_tokens,
           sum(c.cache_write_tokens) as cache_write_tokens,
           sum(c.cache_write_1h_tokens) as cache_write_1h_tokens,
           sum(c.output_tokens) as output_tokens,
           cast(round(sum(c.list_cost), 2) as decimal(38, 2)) as list_cost,
           cast(round(sum(c.contracted_cost), 2) as decimal(38, 2)) as contracted_cost
    from fct_cost_lines as c join dim_tenants as t using (tenant_id)
    where c.price_status = 'priced'
    group by all
),
parts as (
    select *,
           case when final then cast(round(contracted_cost * 0.05, 2) as decimal(38, 2))
                else 0 end as residual_cost,
           case when final then cast(round(contracted_cost * 0.10, 2) as decimal(38, 2))
                else 0 end as tax_cost
    from lines
)
select billing_period, case when final then 'final' else 'provisional' end as status,
       case when final then 1 else 0 end as issue, tenant_id, tenant_name, business_unit,
       cost_center, feature, environment, provider, model, requests, input_tokens,
       cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, list_cost,
       contracted_cost, 'USD' as log_currency, contracted_cost as usage_cost, residual_cost,
       cast(0 as decimal(38, 2)) as correction_cost, tax_cost,
       cast(0 as decimal(38, 2)) as credit_cost,
       cast(contracted_cost + residual_cost + tax_cost as decimal(38, 2)) as allocated_cost,
       'USD' as currency, cast(null as decimal(38, 2)) as previous_allocated_cost,
       cast(null as decimal(38, 2)) as change, 'USD' as statement_currency,
       cast(1 as decimal(38, 12)) as fx_rate,
       cast(contracted_cost + residual_cost + tax_cost as decimal(38, 2))
           as statement_allocated_cost,
       case when final then 'INV-P-2026-03' end as invoice_id,
       case when final then '2026-03' end as invoice_billing_period
from parts
"""
CHARGEBACK_EXTRA = [  # tenant, business unit, environment, provider, currency, allocated, invoice,
    # fx rate to the USD statement
    ("t02", "Sales", "prod", "q", "EUR", "12.34", "INV-Q-2026-03", "1.1"),
    ("__unallocated__", None, "__unallocated__", "p", "USD", "0.50", "INV-P-2026-03", "1"),
]


def chargeback_extra(con: duckdb.DuckDBPyConnection) -> None:
    # provisional unpriced usage of t03 in April: its amount is unknown (NULL), never 0
    con.execute(
        """insert into chargeback_lines by name
           select '2026-04' as billing_period, 'provisional' as status, 0 as issue,
                  't03' as tenant_id, 'Acme T03' as tenant_name, 'Support' as business_unit,
                  'copilot' as feature, 'prod' as environment, 'p' as provider, 'm-x' as model,
                  3 as requests, 900 as input_tokens, 0 as cache_read_tokens,
                  0 as cache_write_tokens, 0 as cache_write_1h_tokens, 300 as output_tokens,
                  0 as residual_cost, 0 as correction_cost, 0 as tax_cost, 0 as credit_cost,
                  'USD' as currency"""
    )
    for tenant, unit, env, provider, currency, amount, invoice, rate in CHARGEBACK_EXTRA:
        con.execute(
            """insert into chargeback_lines by name
               select '2026-03' as billing_period, 'final' as status, 1 as issue,
                      $tenant as tenant_id, $unit as business_unit,
                      (select tenant_name from dim_tenants where tenant_id = $tenant)
                          as tenant_name, $env as feature,
                      $env as environment, $provider as provider, 0 as requests,
                      0 as input_tokens, 0 as cache_read_tokens, 0 as cache_write_tokens,
                      0 as cache_write_1h_tokens, 0 as output_tokens, 0 as list_cost,
                      0 as contracted_cost, 0 as usage_cost, $amount::decimal(38, 2)
                      as residual_cost, 0 as correction_cost, 0 as tax_cost, 0 as credit_cost,
                      $amount::decimal(38, 2) as allocated_cost, $currency as currency,
                      $invoice as invoice_id, '2026-03' as invoice_billing_period,
                      'USD' as statement_currency, $rate::decimal(38, 12) as fx_rate,
                      round($amount::decimal(38, 2) * $rate::decimal(38, 12), 2)
                          as statement_allocated_cost""",
            {"tenant": tenant, "unit": unit, "env": env, "provider": provider,
             "currency": currency, "amount": amount, "invoice": invoice, "rate": rate},
        )  # fmt: skip


# mart_invoice_reconciliation: provider, month, category, class, billing and log currency,
# billed, logged, explanation, invoice lines. Provider p March (USD): billed 191.30, logged
# 177.50, gap 13.80 = explained 11.30 (discount -5, untracked +8, tax 18.30, credit -10) +
# unexplained 2.50. Provider q March: billed in EUR, logged in USD (not comparable). April: p
# logged 40.25 and not invoiced yet.
RECONCILIATION = [
    ("p", "2026-03", "Usage", None, "USD", "USD", "100", "100", "matched", 4),
    ("p", "2026-03", "Usage", None, "USD", "USD", "45", "50",
     "discount: the same usage billed below the contracted price", 2),
    ("p", "2026-03", "Usage", None, "USD", None, "8", "0",
     "untracked usage: a line item with no model (tools, storage, other services)", 1),
    ("p", "2026-03", "Usage", None, "USD", "USD", "30", "27.5",
     "billed above logged cost: price above contract or untracked usage", 1),
    ("p", "2026-03", "Tax", None, "USD", None, "18.3", "0",
     "tax: not in the logs; allocated in proportion to the invoice usage", 1),
    ("p", "2026-03", "Credit", None, "USD", None, "-10", "0",
     "credit: allocated in proportion to the invoice usage", 1),
    ("q", "2026-03", "Usage", None, "EUR", "USD", "12.34", "13",
     "billed in EUR, logged in USD: compare after fx (fct_allocated_costs)", 1),
    ("q", "2026-03", "Tax", None, "EUR", None, "2", "0",
     "tax: not in the logs; allocated in proportion to the invoice usage", 1),
    ("p", "2026-04", "Usage", None, "USD", "USD", "0", "40.25", "logged but not invoiced (yet)", 0),
]  # fmt: skip


def reconciliation() -> pl.DataFrame:
    """mart_invoice_reconciliation rows (columns of its pandera model)."""
    exact = pl.Decimal(38, 18)
    rows = []
    for row in RECONCILIATION:
        provider, month, category, klass, billing, log, billed, logged, why, lines = row
        b, g = Decimal(billed), Decimal(logged)
        comparable = category == "Usage" and klass is None and billing == (log or billing)
        start = date(int(month[:4]), int(month[5:]), 1)
        rows.append({
            "provider": provider, "billing_period": month, "charge_period_start": start,
            "charge_period_end": start + timedelta(days=1), "charge_date": start,
            "model": "m-big" if log else None, "token_kind": "input" if log else None,
            "charge_category": category, "charge_class": klass, "billing_currency": billing,
            "invoice_ids": f"INV-{provider.upper()}-{month}" if lines else None,
            "invoice_lines": lines, "billed_quantity": None, "logged_tokens": 1000 if log else 0,
            "logged_list_cost": g, "logged_cost": g, "log_currency": log, "billed_cost": b,
            "gap": b - g if comparable else None, "untracked_tokens": 0, "gap_pct": None,
            "explanation": why,
        })  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={"provider": pl.String, "billing_period": pl.String,
                "charge_period_start": pl.Date, "charge_period_end": pl.Date,
                "charge_date": pl.Date, "model": pl.String, "token_kind": pl.String,
                "charge_category": pl.String, "charge_class": pl.String,
                "billing_currency": pl.String, "invoice_ids": pl.String,
                "invoice_lines": pl.Int64, "billed_quantity": pl.Int64,
                "logged_tokens": pl.Int64, "logged_list_cost": exact, "logged_cost": exact,
                "log_currency": pl.String, "billed_cost": exact, "gap": exact,
                "untracked_tokens": pl.Int64, "gap_pct": pl.Decimal(38, 2),
                "explanation": pl.String},
    )  # fmt: skip


def empty_margin_marts() -> dict[str, pl.DataFrame]:
    """The margin marts with their published columns and no row: the fixture has no revenue
    (catalog/revenue.csv), so the margin section says so instead of a missing table."""
    frames = {}
    for module in ("mart_tenant_margin", "mart_feature_margin"):
        schema = importlib.import_module(f"schemas.margin.{module}")
        columns = schema.MODEL.to_schema().columns
        frames[schema.TABLE] = pl.DataFrame(
            schema={name: col.dtype.type for name, col in columns.items()}
        )
    return frames


def _write(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.register("incoming", frame.to_arrow())
    con.execute(f"create or replace table {name} as select * from incoming")
    con.unregister("incoming")


def build_warehouse(path: Path, *, full: bool = True) -> Path:
    """Write the fixture warehouse at `path`; `full=False` leaves out everything but the cost
    lines (to check that missing tables degrade gracefully)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        _write(con, "fct_cost_lines", cost_lines())
        if not full:
            return path
        _write(con, "dim_tenants", dim_tenants())
        _write(con, "dim_prices", dim_prices())
        _write(con, "dim_features", pl.DataFrame(
            {"feature": list(FEATURES), "kind": list(FEATURES.values()),
             "source": ["fixture"] * len(FEATURES)}))  # fmt: skip
        _write(con, "costline_settings", pl.DataFrame(schema={"key": pl.String,
                                                             "value": pl.String}))  # fmt: skip
        _write(con, "quarantine_requests", quarantine())
        # No invoice has arrived in the fixture: allocations exist but are empty.
        _write(con, "fct_allocated_costs", pl.DataFrame(schema={
            "charge_date": pl.Date, "tenant_id": pl.String, "feature": pl.String,
            "environment": pl.String, "billing_currency": pl.String,
            "allocated_cost": pl.Decimal(38, 2)}))  # fmt: skip
        models = warehouse.discover_models()
        for name in SQL_MODELS:
            warehouse.run_model(con, models[name], FIRST_DAY, FIRST_DAY + timedelta(days=DAYS))
        _write(con, "mart_budget_status", budget_status())
        _write(con, "mart_weekly_scorecard", weekly_scorecard())
        _write(con, "dim_budgets", dim_budgets())
        warehouse.run_model(con, models["int_spend_forecasted"], FIRST_DAY,
                            FIRST_DAY + timedelta(days=DAYS))  # fmt: skip
        con.execute(f"create table chargeback_lines as {CHARGEBACK_SQL}")
        chargeback_extra(con)
        _write(con, "mart_invoice_reconciliation", reconciliation())
        for name, frame in empty_margin_marts().items():
            _write(con, name, frame)
    finally:
        con.close()
    return path
