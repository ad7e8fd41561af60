"""Hand-built warehouse for the usage marts: stg_requests, dim_prices, dim_tenants and
fct_cost_lines with the exact contract columns (docs/design.md), in a tmp DuckDB.

Prices (provider `p`, model `m-a`, per 1000000 tokens), contracted / list:
    input 2 / 3, cache_read 0.2 / 0.3, cache_write 2.5 / 3.75, cache_write_1h 4 / 6, output 8 / 12
so every list cost is exactly 1.5 x the contracted cost. Model `m-x` has no price (unpriced).

contracted cost = (uncached*2 + read*0.2 + w5m*2.5 + w1h*4 + out*8) * 0.000001

 id  env  day  time  tenant feature  cache  src  tokens (unc/read/w5m/w1h/out)  cost
 r1  prod  03-01  10:00  t1  copilot  miss  -  1000/0/0/0/500  2000+4000  = 0.006
 r2  prod  03-01  11:00  t1  copilot  miss  -  1000/0/0/0/500  = 0.006
 r3  prod  03-01  12:00  t1  copilot  exact  r1  0 (no_provider_call)  = 0
 r4  prod  03-01  13:00  t1  copilot  prefix  -  200/1000/0/0/100  400+200+800  = 0.0014
 r5  prod  03-02  09:00  t1  copilot  miss  -  100/0/1000/1000/200
  200+2500+4000+1600  = 0.0083
 r6  prod  03-01  10:30  t2  copilot  semantic r1  0 (cross-tenant leak)  = 0
 r7  prod  03-01  10:00  t2  triage  miss  -  5000/0/0/0/1000  10000+8000  = 0.018
 r8  prod  03-02  10:00  t2  triage  miss  -  m-x 1000/0/0/0/100 (unpriced)  = NULL
 r9  prod  03-01  15:00  t3  triage  miss  -  2500/0/0/0/0  = 0.005
 r10  prod  04-01  00:30  t3  triage  miss  -  500/0/0/0/0  = 0.001
 r11  prod  03-01  16:00  t3  triage  exact  gone  0 (source not in warehouse)  = 0
 r12  prod  03-01  08:00  t4  summarize miss  -  500/0/0/0/0  = 0.001
 r13  prod  03-01  08:00  t5  summarize miss  -  1000  = 0.002
 r14  prod  03-01  08:00  t6  summarize miss  -  1500  = 0.003
 r15  prod  03-01  08:00  t7  summarize miss  -  250  = 0.0005
 r16  prod  03-01  08:00  t8  summarize miss  -  100  = 0.0002
 s1  staging  03-01  09:00  t1  copilot  miss  -  1000/0/0/0/500 (fingerprint f1)  = 0.006
 s2  staging  03-01  10:10  t2  copilot  exact  r1  0 (cross-tenant, staging)  = 0
 s3  staging  03-01  08:00  t8  summarize miss  -  1000000 (a big staging spender)  = 2.0

Fingerprints: r1, r2, r3, r5, s1 = f1; r4 = f2; r6 = f3; r8 = f4; r11 = f5; others NULL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import warehouse
from schemas.requests.canonical_request import CANONICAL_COLUMNS, TOKEN_KIND_COLUMNS, TOKEN_KINDS

CONTRACTED = {
    "input": Decimal("2"),
    "cache_read": Decimal("0.2"),
    "cache_write": Decimal("2.5"),
    "cache_write_1h": Decimal("4"),
    "output": Decimal("8"),
}
LIST = {k: v * Decimal("1.5") for k, v in CONTRACTED.items()}
PRICE = pl.Decimal(38, 12)
COST = pl.Decimal(38, 18)
MILLIONTH = Decimal("0.000001")


def _r(rid, env, ts, tenant, feature, cache="miss", src=None, tokens=(0, 0, 0, 0, 0), **kw):
    unc, read, w5m, w1h, out = tokens
    row = {
        "request_id": rid,
        "timestamp_utc": ts,
        "request_date": ts.date(),
        "tenant_id": tenant,
        "user_id": "u-" + tenant,
        "app": "app",
        "feature": feature,
        "environment": env,
        "provider": "p",
        "model": kw.pop("model", "m-a"),
        "service_tier": "standard",
        "prompt_version": "v1",
        "session_id": kw.pop("session", None),
        "action_id": kw.pop("action", None),
        "input_tokens": unc + read + w5m + w1h,
        "cache_read_tokens": read,
        "cache_write_tokens": w5m + w1h,
        "cache_write_1h_tokens": w1h,
        "output_tokens": out,
        "reasoning_tokens": 0,
        "input_uncached_tokens": unc,
        "cache_write_5m_tokens": w5m,
        "cache_status": cache,
        "cache_source_request_id": src,
        "latency_ms": kw.pop("latency", 100),
        "status": kw.pop("status", "success"),
        "error_type": None,
        "result_type": "text",
        "prompt_fingerprint": kw.pop("fp", None),
        "pii_detected": kw.pop("pii", False),
        "policy_blocked": kw.pop("blocked", False),
        "accepted": kw.pop("accepted", None),
        "edit_distance": None,
        "escalated": False,
        "csat": None,
        "source_format": "jsonl",
        "source_file": "requests/x.jsonl",
        "source_line": 1,
    }
    assert not kw, kw
    if row["status"] == "error":
        row["error_type"] = "server_error"
    return row


def _t(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-{day}T{hhmm}:00")


ROWS = [
    _r("r1", "prod", _t("03-01", "10:00"), "t1", "copilot", tokens=(1000, 0, 0, 0, 500),
       session="s1", action="a1", fp="f1", accepted=True, latency=1000),
    _r("r2", "prod", _t("03-01", "11:00"), "t1", "copilot", tokens=(1000, 0, 0, 0, 500),
       session="s1", action="a1", fp="f1", accepted=False, latency=2000),
    _r("r3", "prod", _t("03-01", "12:00"), "t1", "copilot", "exact", "r1",
       session="s2", fp="f1", accepted=True, latency=10),
    _r("r4", "prod", _t("03-01", "13:00"), "t1", "copilot", "prefix",
       tokens=(200, 1000, 0, 0, 100), fp="f2", latency=3000, pii=True),
    _r("r5", "prod", _t("03-02", "09:00"), "t1", "copilot", tokens=(100, 0, 1000, 1000, 200),
       session="s3", action="a2", fp="f1", latency=4000),
    _r("r6", "prod", _t("03-01", "10:30"), "t2", "copilot", "semantic", "r1",
       session="s4", action="a3", fp="f3", latency=20),
    _r("r7", "prod", _t("03-01", "10:00"), "t2", "triage", tokens=(5000, 0, 0, 0, 1000),
       session="s5", action="a4", status="blocked", blocked=True, latency=500),
    _r("r8", "prod", _t("03-02", "10:00"), "t2", "triage", tokens=(1000, 0, 0, 0, 100),
       model="m-x", session="s5", action="a5", fp="f4", status="error", latency=700),
    _r("r9", "prod", _t("03-01", "15:00"), "t3", "triage", tokens=(2500, 0, 0, 0, 0),
       session="s6", action="a6", accepted=True, latency=600),
    _r("r10", "prod", _t("04-01", "00:30"), "t3", "triage", tokens=(500, 0, 0, 0, 0),
       accepted=True),
    _r("r11", "prod", _t("03-01", "16:00"), "t3", "triage", "exact", "gone", fp="f5",
       accepted=False, pii=True),
    *[
        _r(f"r{12 + i}", "prod", _t("03-01", "08:00"), t, "summarize", tokens=(n, 0, 0, 0, 0))
        for i, (t, n) in enumerate([("t4", 500), ("t5", 1000), ("t6", 1500), ("t7", 250),
                                    ("t8", 100)])
    ],
    _r("s1", "staging", _t("03-01", "09:00"), "t1", "copilot", tokens=(1000, 0, 0, 0, 500),
       fp="f1", pii=True, blocked=True, status="blocked"),
    _r("s2", "staging", _t("03-01", "10:10"), "t2", "copilot", "exact", "r1", fp="f1"),
    _r("s3", "staging", _t("03-01", "08:00"), "t8", "summarize",
       tokens=(1_000_000, 0, 0, 0, 0)),
]  # fmt: skip

TENANTS = pl.DataFrame(
    {
        "tenant_id": [f"t{i}" for i in range(1, 9)],
        "tenant_name": [f"Tenant {i}" for i in range(1, 9)],
        "business_unit": ["bu-a"] * 4 + ["bu-b"] * 4,
        "cost_center": ["cc"] * 8,
    }
)


def stg_requests() -> pl.DataFrame:
    """The canonical rows, in contract column order and dtypes."""
    return pl.DataFrame(ROWS, schema=CANONICAL_COLUMNS)


def dim_prices() -> pl.DataFrame:
    """SCD-2 prices of model m-a (list and contracted), open-ended."""
    rows = []
    for price_type, prices in (("list", LIST), ("contracted", CONTRACTED)):
        for kind in TOKEN_KINDS:
            rows.append(
                {
                    "price_id": f"{price_type}:p:m-a:*:base:{kind}:2026-01-01",
                    "price_type": price_type,
                    "provider": "p",
                    "model": "m-a",
                    "service_tier": "*",
                    "token_kind": kind,
                    "min_input_tokens": 0,
                    "unit_price": prices[kind],
                    "pricing_unit": "1000000 Tokens",
                    "currency": "USD",
                    "valid_from": date(2026, 1, 1),
                    "valid_to": None,
                    "source": "fixture",
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "price_id": pl.String,
            "price_type": pl.String,
            "provider": pl.String,
            "model": pl.String,
            "service_tier": pl.String,
            "token_kind": pl.String,
            "min_input_tokens": pl.Int64,
            "unit_price": PRICE,
            "pricing_unit": pl.String,
            "currency": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
            "source": pl.String,
        },
    )


def _totals_and_status(line: dict, no_call: bool, priced: bool) -> None:
    """Set the line's list/contracted totals, price_status and unpriced_reason."""
    for price_type in ("list", "contracted"):
        if no_call:
            line[f"{price_type}_cost"] = Decimal(0)
        elif priced:
            line[f"{price_type}_cost"] = sum(line[f"{price_type}_cost_{k}"] for k in TOKEN_KINDS)
        else:
            line[f"{price_type}_cost"] = None
    if no_call:
        line["price_status"], line["unpriced_reason"] = "no_provider_call", None
    elif priced:
        line["price_status"], line["unpriced_reason"] = "priced", None
    else:
        line["price_status"], line["unpriced_reason"] = "unpriced", "no price for p/m-x"
        for kind in TOKEN_KINDS:
            line[f"list_cost_{kind}"] = line[f"contracted_cost_{kind}"] = None


def fct_cost_lines() -> pl.DataFrame:
    """One line per request with the design.md cost columns (prices looked up by hand)."""
    out = []
    for row in ROWS:
        line = {k: v for k, v in row.items() if not k.startswith("source_")}
        app_hit = row["cache_status"] in ("exact", "semantic")
        priced = row["model"] == "m-a" and not app_hit
        total_tokens = sum(row[c] for c in TOKEN_KIND_COLUMNS.values())
        for kind in TOKEN_KINDS:
            tokens = row[TOKEN_KIND_COLUMNS[kind]]
            for price_type, prices in (("list", LIST), ("contracted", CONTRACTED)):
                price = prices[kind] if row["model"] == "m-a" else None
                line[f"{price_type}_price_{kind}"] = price
                line[f"{price_type}_price_id_{kind}"] = (
                    f"{price_type}:p:m-a:*:base:{kind}:2026-01-01" if price is not None else None
                )
                line[f"{price_type}_cost_{kind}"] = (
                    tokens * price * MILLIONTH if price is not None else None
                )
        _totals_and_status(line, no_call=app_hit or total_tokens == 0, priced=priced)
        line["list_currency"] = "USD"
        line["contracted_currency"] = "USD" if (priced or app_hit) else None
        line["context_tier"] = "base"
        out.append(line)
    schema = {k: v for k, v in CANONICAL_COLUMNS.items() if not k.startswith("source_")}
    for kind in TOKEN_KINDS:
        for price_type in ("list", "contracted"):
            schema[f"{price_type}_price_{kind}"] = PRICE
            schema[f"{price_type}_price_id_{kind}"] = pl.String()
            schema[f"{price_type}_cost_{kind}"] = COST
    schema |= {
        "list_cost": COST,
        "contracted_cost": COST,
        "list_currency": pl.String(),
        "contracted_currency": pl.String(),
        "context_tier": pl.String(),
        "price_status": pl.String(),
        "unpriced_reason": pl.String(),
    }
    return pl.DataFrame(out, schema=schema)


USAGE_MODELS = (
    "int_cache_hits_resolved",
    "int_prompt_repeats_flagged",
    "mart_unit_economics",
    "mart_feature_unit_costs",
    "mart_token_observability",
    "mart_cache_efficiency",
    "fct_cross_tenant_cache_hits",
    "mart_prompt_repeats",
    "mart_risk",
)


def fct_allocated_costs() -> pl.DataFrame:
    """Two invoice allocations for t1/copilot/prod in March: 0.03 USD on 03-01 and 0.01 USD on
    03-02 (0.04 in all), and 5.00 EUR that a USD mart row must not add in."""
    return pl.DataFrame(
        {
            "charge_date": [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 2)],
            "tenant_id": ["t1", "t1", "t1"],
            "feature": ["copilot", "copilot", "copilot"],
            "environment": ["prod", "prod", "prod"],
            "billing_currency": ["USD", "USD", "EUR"],
            "allocated_cost": [Decimal("0.03"), Decimal("0.01"), Decimal("5.00")],
        },
        schema_overrides={"allocated_cost": pl.Decimal(38, 2)},
    )


def load(con: duckdb.DuckDBPyConnection, rows_filter=None) -> None:
    """Create the input tables; `rows_filter(frame)` may drop rows (e.g. staging)."""
    frames = {
        "stg_requests": stg_requests(),
        "fct_cost_lines": fct_cost_lines(),
        "dim_prices": dim_prices(),
        "dim_tenants": TENANTS,
        "fct_allocated_costs": fct_allocated_costs(),
    }
    for name, frame in frames.items():
        if rows_filter is not None and "environment" in frame.columns:
            frame = rows_filter(frame)
        con.register("incoming", frame.to_arrow())
        con.execute(f"create or replace table {name} as select * from incoming")
        con.unregister("incoming")


def build(path: Path, rows_filter=None, variables: dict[str, object] | None = None):
    """A warehouse at `path` with the fixture loaded and every usage model run in order."""
    con = duckdb.connect(str(path))
    load(con, rows_filter)
    for name, value in (variables or {}).items():
        con.execute(f"set variable {name} = {value!r}")
    models = warehouse.discover_models()
    for name in USAGE_MODELS:
        warehouse.run_model(con, models[name], date(2026, 3, 1), date(2026, 5, 1))
    return con


def rows(con: duckdb.DuckDBPyConnection, query: str, params=None) -> list[dict]:
    """Query result as dicts."""
    cur = con.execute(query, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
