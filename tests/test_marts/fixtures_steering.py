"""Hand-built warehouse fixtures for the steering marts (routing, budgets, anomalies, scorecard).

Tables are created with the contract dtypes of docs/design.md; only the columns the marts read
are filled with meaningful values, the rest take neutral defaults. Expected figures in the tests
are computed by hand from the rows here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.lib import warehouse

D = Decimal
COST_LINE_COLUMNS = {
    "request_id": "VARCHAR",
    "timestamp_utc": "TIMESTAMP",
    "request_date": "DATE",
    "tenant_id": "VARCHAR",
    "user_id": "VARCHAR",
    "app": "VARCHAR",
    "feature": "VARCHAR",
    "environment": "VARCHAR",
    "provider": "VARCHAR",
    "model": "VARCHAR",
    "service_tier": "VARCHAR",
    "prompt_version": "VARCHAR",
    "session_id": "VARCHAR",
    "action_id": "VARCHAR",
    "input_tokens": "BIGINT",
    "cache_read_tokens": "BIGINT",
    "cache_write_tokens": "BIGINT",
    "cache_write_1h_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "reasoning_tokens": "BIGINT",
    "input_uncached_tokens": "BIGINT",
    "cache_write_5m_tokens": "BIGINT",
    "cache_status": "VARCHAR",
    "status": "VARCHAR",
    "accepted": "BOOLEAN",
    "edit_distance": "DOUBLE",
    "escalated": "BOOLEAN",
    "csat": "DOUBLE",
    "list_cost": "DECIMAL(38,18)",
    "contracted_cost": "DECIMAL(38,18)",
    "list_currency": "VARCHAR",
    "contracted_currency": "VARCHAR",
    "context_tier": "VARCHAR",
    "price_status": "VARCHAR",
}
_DEFAULTS = {
    "user_id": "u1",
    "app": "crm",
    "environment": "prod",
    "provider": "openai",
    "model": "gpt-big",
    "service_tier": "standard",
    "prompt_version": "v1",
    "session_id": None,
    "action_id": None,
    "input_tokens": 0,
    "cache_read_tokens": 0,
    "cache_write_tokens": 0,
    "cache_write_1h_tokens": 0,
    "output_tokens": 0,
    "reasoning_tokens": 0,
    "cache_status": "miss",
    "status": "success",
    "accepted": None,
    "edit_distance": None,
    "escalated": None,
    "csat": None,
    "list_cost": D("0"),
    "contracted_cost": D("0"),
    "list_currency": "USD",
    "contracted_currency": "USD",
    "context_tier": "base",
    "price_status": "priced",
}

PRICE_COLUMNS = {
    "price_id": "VARCHAR",
    "price_type": "VARCHAR",
    "provider": "VARCHAR",
    "model": "VARCHAR",
    "service_tier": "VARCHAR",
    "token_kind": "VARCHAR",
    "min_input_tokens": "BIGINT",
    "unit_price": "DECIMAL(38,12)",
    "pricing_unit": "VARCHAR",
    "currency": "VARCHAR",
    "valid_from": "DATE",
    "valid_to": "DATE",
    "source": "VARCHAR",
}

_counter = iter(range(1, 10**9))
# The steering SQL models; anything else they read (fct_cost_lines, dim_prices...) is a fixture.
STEERING_MODELS = {
    "int_settings_resolved",
    "int_feedback_latest",
    "int_spend_forecasted",
    "int_feature_tokens_aggregated",
    "mart_routing_whatif",
    "mart_feature_model_mix",
    "mart_budget_status",
    "mart_forecast_backtest",
    "mart_anomalies",
    "mart_runaway_sessions",
    "mart_weekly_scorecard",
    "mart_weekly_scorecard_versions",
}


def line(request_date: date, **values) -> dict:
    """One fct_cost_lines row; tokens: give input_uncached/cache/output, input_tokens is derived."""
    row = dict(_DEFAULTS)
    row.update(values)
    row["request_date"] = request_date
    row.setdefault("request_id", f"r{next(_counter):06d}")
    row.setdefault("tenant_id", "t1")
    row.setdefault("feature", "f1")
    row.setdefault("timestamp_utc", datetime.combine(request_date, datetime.min.time()))
    row["input_uncached_tokens"] = values.get("input_uncached_tokens", row["input_tokens"])
    row["cache_write_5m_tokens"] = values.get("cache_write_5m_tokens", 0)
    row["cache_write_tokens"] = row["cache_write_5m_tokens"] + row["cache_write_1h_tokens"]
    row["input_tokens"] = (
        row["input_uncached_tokens"] + row["cache_read_tokens"] + row["cache_write_tokens"]
    )
    if row["price_status"] == "unpriced":
        row["list_cost"] = row["contracted_cost"] = None
    return row


def create_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict, rows: list[dict]):
    """(Re)create `name` with the given DDL and rows."""
    ddl = ", ".join(f"{c} {t}" for c, t in columns.items())
    con.execute(f"create or replace table {name} ({ddl})")
    if rows:
        incoming = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        con.register("incoming_fixture", incoming)
        con.execute(f"insert into {name} by name select * from incoming_fixture")
        con.unregister("incoming_fixture")


def cost_lines(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """fct_cost_lines, plus stg_requests holding the same request ids and dates."""
    create_table(con, "fct_cost_lines", COST_LINE_COLUMNS, rows)
    con.execute(
        "create or replace table stg_requests as "
        "select request_id, request_date from fct_cost_lines"
    )


def price(
    provider,
    model,
    kind,
    unit_price,
    price_type="list",
    tier="standard",
    min_input=0,
    valid_from=date(2025, 1, 1),
    valid_to=None,
    currency="USD",
) -> dict:
    """One dim_prices row (unit price per 1000000 tokens)."""
    return {
        "price_id": f"{price_type}:{provider}:{model}:{tier}:{min_input}:{kind}:{valid_from}",
        "price_type": price_type,
        "provider": provider,
        "model": model,
        "service_tier": tier,
        "token_kind": kind,
        "min_input_tokens": min_input,
        "unit_price": D(str(unit_price)),
        "pricing_unit": "1000000 Tokens",
        "currency": currency,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "source": "fixture",
    }


def prices(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """dim_prices."""
    create_table(con, "dim_prices", PRICE_COLUMNS, rows)


def budgets(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """dim_budgets (limits as strings or Decimals)."""
    cols = {
        "tenant_id": "VARCHAR",
        "feature": "VARCHAR",
        "monthly_limit": "DECIMAL(38,18)",
        "daily_limit": "DECIMAL(38,18)",
        "currency": "VARCHAR",
        "soft_threshold": "DECIMAL(5,4)",
        "action": "VARCHAR",
        "source_line": "BIGINT",
    }
    full = [
        {
            "feature": None,
            "daily_limit": None,
            "currency": "USD",
            "soft_threshold": D("0.8"),
            "action": "block",
            "source_line": i + 2,
            **r,
        }
        for i, r in enumerate(rows)
    ]
    create_table(con, "dim_budgets", cols, full)


def features(con: duckdb.DuckDBPyConnection, kinds: dict[str, str]) -> None:
    """dim_features."""
    create_table(
        con,
        "dim_features",
        {"feature": "VARCHAR", "kind": "VARCHAR", "source": "VARCHAR"},
        [{"feature": f, "kind": k, "source": "fixture"} for f, k in kinds.items()],
    )


def settings(con: duckdb.DuckDBPyConnection, values: dict[str, str] | None = None) -> None:
    """costline_settings (key, value)."""
    create_table(
        con,
        "costline_settings",
        {"key": "VARCHAR", "value": "VARCHAR"},
        [{"key": k, "value": v} for k, v in (values or {}).items()],
    )


def empty_feedback(con: duckdb.DuckDBPyConnection) -> None:
    """stg_feedback with no rows."""
    con.execute(
        """create or replace table stg_feedback (request_id VARCHAR, event_time TIMESTAMP,
           accepted BOOLEAN, edit_distance DOUBLE, escalated BOOLEAN, csat DOUBLE,
           is_known_request BOOLEAN, source_file VARCHAR, source_line BIGINT)"""
    )


def base_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Empty reference tables every steering model may read."""
    settings(con)
    empty_feedback(con)
    budgets(con, [])
    features(con, {})
    prices(con, [])


def build(con: duckdb.DuckDBPyConnection, name: str, end_date: date | None = None) -> None:
    """Run `name` after the SQL models it reads (depth first), as the Dagster graph would."""
    models = warehouse.discover_models()
    done: set[str] = set()

    def visit(model_name: str) -> None:
        if model_name in done or model_name not in STEERING_MODELS:
            return
        for dep in warehouse.model_dependencies(models[model_name], models):
            visit(dep)
        start = end_date - timedelta(days=1) if end_date else None
        warehouse.run_model(con, models[model_name], start, end_date)
        done.add(model_name)

    visit(name)


def rows(con: duckdb.DuckDBPyConnection, query: str, params=None) -> list[dict]:
    """Query result as a list of dicts."""
    cur = con.execute(query, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def connect(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh warehouse file with the empty reference tables."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    base_tables(con)
    return con
