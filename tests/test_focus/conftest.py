"""A small but realistic warehouse: fct_cost_lines (as design.md specifies it) and dim_tenants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.warehouse import SQL_ROOT, load_model, run_model

KINDS = {
    "input": "input_uncached_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_5m_tokens",
    "cache_write_1h": "cache_write_1h_tokens",
    "output": "output_tokens",
}
# provider, model, service_tier, context_tier -> list prices per kind (USD / 1000000 Tokens)
LIST = {
    ("openai", "gpt-4.1-mini", "standard", "base"): ("0.40", "0.10", None, None, "1.60"),
    ("openai", "gpt-4.1-mini", "batch", "base"): ("0.20", "0.05", None, None, "0.80"),
    ("anthropic", "claude-sonnet-4-5", "standard", "base"): ("3", "0.30", "3.75", "6", "15"),
    ("anthropic", "claude-sonnet-4-5", "standard", "long_context"): (
        "6",
        "0.60",
        "7.50",
        "12",
        "22.50",
    ),
    ("aws_bedrock", "eu.anthropic.claude-haiku-4-5-20251001-v1:0", "standard", "base"): (
        "0.80",
        "0.08",
        "1",
        None,
        "4",
    ),
}
CONTRACT_DISCOUNT = {"openai": Decimal("0.9")}  # a negotiated 10 % off list for OpenAI
TENANTS = [
    ("acme", "Acme Corp", "Enterprise", "CC-100"),
    ("globex", "Globex", "Mid-market", "CC-200"),
]  # "initech" is deliberately missing from dim_tenants


def _cost_line(n, day, key, tenant, feature, env, app, tokens, status="priced"):
    provider, model, tier, ctx = key
    row = {
        "request_id": f"r{n}",
        "request_date": day,
        "tenant_id": tenant,
        "app": app,
        "feature": feature,
        "environment": env,
        "provider": provider,
        "model": model,
        "service_tier": tier,
        "context_tier": ctx,
        "price_status": status,
        "list_currency": "USD",
        "contracted_currency": "USD",
    }
    for (kind, col), count, price in zip(KINDS.items(), tokens, LIST[key], strict=True):
        row[col] = count
        listed = Decimal(price) if price is not None and status == "priced" else None
        contracted = (
            listed * CONTRACT_DISCOUNT[provider]
            if listed and provider in CONTRACT_DISCOUNT
            else listed
        )
        row[f"list_price_{kind}"] = listed
        row[f"list_price_id_{kind}"] = (
            f"list:{provider}:{model}:{tier}:{ctx}:{kind}:2025-04-14"
            if listed is not None
            else None
        )
        row[f"contracted_price_{kind}"] = contracted
        row[f"contracted_price_id_{kind}"] = (
            (
                f"contract:{provider}:{model}:{tier}:{ctx}:{kind}:2025-05-01"
                if provider in CONTRACT_DISCOUNT
                else row[f"list_price_id_{kind}"]
            )
            if contracted is not None
            else None
        )
    return row


def cost_lines() -> list[dict]:
    keys = list(LIST)
    rows = []
    n = 0
    for day in (date(2025, 6, 1), date(2025, 6, 2), date(2025, 6, 30)):
        for i, key in enumerate(keys):
            for tenant, feature, env, app in (
                ("acme", "search", "prod", "web"),
                ("globex", "chat", "prod", None),
                ("initech", "summarize", "staging", "api"),
            ):
                for j in range(3):
                    n += 1
                    has_cw = LIST[key][2] is not None
                    has_cw1h = LIST[key][3] is not None
                    tokens = (
                        1234 + 17 * n + i,
                        (512 * j) if j else 0,
                        (300 + n) if has_cw and j == 2 else 0,
                        (77 + n) if has_cw1h and j == 1 else 0,
                        333 + 5 * n,
                    )
                    rows.append(_cost_line(n, day, key, tenant, feature, env, app, tokens))
    # lines that must not reach FOCUS: unpriced usage, and an app-cache hit without provider call
    n += 1
    rows.append(
        _cost_line(
            n,
            date(2025, 6, 1),
            keys[0],
            "acme",
            "search",
            "prod",
            "web",
            (999, 0, 0, 0, 99),
            status="unpriced",
        )
    )
    n += 1
    rows.append(
        _cost_line(
            n,
            date(2025, 6, 1),
            keys[0],
            "acme",
            "search",
            "prod",
            "web",
            (0, 0, 0, 0, 0),
            status="no_provider_call",
        )
    )
    return rows


def build_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    price_cols = ", ".join(
        f"list_price_{k} decimal(38,12), list_price_id_{k} varchar, "
        f"contracted_price_{k} decimal(38,12), contracted_price_id_{k} varchar"
        for k in KINDS
    )
    token_cols = ", ".join(f"{c} bigint" for c in KINDS.values())
    con.execute(
        "create table fct_cost_lines (request_id varchar, request_date date, tenant_id varchar, "
        "app varchar, feature varchar, environment varchar, provider varchar, model varchar, "
        "service_tier varchar, context_tier varchar, price_status varchar, list_currency varchar, "
        f"contracted_currency varchar, {token_cols}, {price_cols})"
    )
    rows = cost_lines()
    cols = list(rows[0])
    con.executemany(
        f"insert into fct_cost_lines ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
        [[r[c] for c in cols] for r in rows],
    )
    con.execute(
        "create table dim_tenants (tenant_id varchar, tenant_name varchar, "
        "business_unit varchar, cost_center varchar)"
    )
    con.executemany("insert into dim_tenants values (?, ?, ?, ?)", TENANTS)


MODEL_PATH = SQL_ROOT / "marts" / "fct_focus_cost_and_usage.sql"


@pytest.fixture
def focus_con() -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with fct_focus_cost_and_usage built for June 2025."""
    con = duckdb.connect()
    build_warehouse(con)
    run_model(con, load_model(MODEL_PATH), date(2025, 6, 1), date(2025, 7, 1))
    yield con
    con.close()


CORPUS = Path(__file__).parent / "broken"


@pytest.fixture
def priced_lines() -> list[dict]:
    """The fct_cost_lines rows that must reach FOCUS, with KINDS to read their tokens."""
    return [line for line in cost_lines() if line["price_status"] == "priced"]


@pytest.fixture
def empty_window_con() -> duckdb.DuckDBPyConnection:
    """The same warehouse, nothing run yet."""
    con = duckdb.connect()
    build_warehouse(con)
    yield con
    con.close()
