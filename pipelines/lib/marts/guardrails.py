"""Budget guardrail decisions for one day, from `mart_budget_status`, as an atomic JSON file.

`<output>/exports/guardrails/<as_of>.json`:

    {"as_of": "2025-03-31",
     "decisions": [{"tenant_id", "feature" (null = all features), "action", "status",
                    "month_to_date", "limit", "forecast", "currency", ...}],
     "margin_decisions": [{"tenant_id", "billing_period", "action": "alert", "status": "loss",
                           "revenue", "llm_cost", "gross_margin", "currency", ...}]}

`margin_decisions` (loss-making tenants of the latest month of mart_tenant_margin up to as_of)
is present whenever the warehouse has that mart.

Decisions are sorted by tenant_id, feature (all-features first), currency. Money values are
decimal strings with 6 places (exact sums rounded half-even for display; the status itself is
decided on the exact values in SQL).
"""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import duckdb

MONEY_PLACES = Decimal("0.000001")


def _money(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(MONEY_PLACES, rounding=ROUND_HALF_EVEN))


def build_decisions(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any]:
    """The guardrails document for `as_of` (an empty decision list when no budget applies)."""
    rows = con.execute(
        """select tenant_id, feature, guardrail_action, status, month_to_date, monthly_limit,
                  forecast_month_total, currency, day_spend, daily_limit, status_reason
           from mart_budget_status
           where as_of_date = $d
           order by tenant_id, feature nulls first, currency""",
        {"d": as_of},
    ).fetchall()
    decisions = [
        {
            "tenant_id": tenant,
            "feature": feature,
            "action": action,
            "status": status,
            "month_to_date": _money(mtd),
            "limit": _money(limit),
            "forecast": _money(forecast),
            "currency": currency,
            "day_spend": _money(day_spend),
            "daily_limit": _money(daily_limit),
            "reason": reason,
        }
        for (
            tenant,
            feature,
            action,
            status,
            mtd,
            limit,
            forecast,
            currency,
            day_spend,
            daily_limit,
            reason,
        ) in rows
    ]
    document: dict[str, Any] = {"as_of": as_of.isoformat(), "decisions": decisions}
    if _has_margin(con):  # the key exists wherever the margin is computed (every costline run)
        document["margin_decisions"] = margin_decisions(con, as_of)
    return document


def _has_margin(con: duckdb.DuckDBPyConnection) -> bool:
    query = "select count(*) from information_schema.tables where table_name = 'mart_tenant_margin'"
    return bool(con.execute(query).fetchone()[0])


def margin_decisions(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict[str, Any]]:
    """Loss-making tenants (LLM cost above revenue) of the latest month up to `as_of` that
    mart_tenant_margin has: action `alert`, sorted by tenant and currency ([] without the mart)."""
    if not _has_margin(con):
        return []
    rows = con.execute(
        """with latest as (
               select max(billing_period) as period from mart_tenant_margin
               where billing_period <= strftime($d, '%Y-%m'))
           select billing_period, tenant_id, currency, revenue, llm_cost, gross_margin,
                  llm_cost_share, cost_basis
           from mart_tenant_margin
           where billing_period = (select period from latest) and margin_status = 'loss'
           order by tenant_id, currency""",
        {"d": as_of},
    ).fetchall()
    return [
        {
            "tenant_id": tenant,
            "billing_period": period,
            "action": "alert",
            "status": "loss",
            "revenue": _money(revenue),
            "llm_cost": _money(cost),
            "gross_margin": _money(margin),
            "llm_cost_share": _money(share),
            "currency": currency,
            "cost_basis": basis,
            "reason": "LLM cost exceeds revenue",
        }
        for period, tenant, currency, revenue, cost, margin, share, basis in rows
    ]


def write_atomic(document: dict[str, Any], target: Path) -> Path:
    """Write JSON so readers never see a half-written file (temp file, fsync, rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, sort_keys=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def guardrails_path(output_dir: Path, as_of: date) -> Path:
    """`<output>/exports/guardrails/<as_of>.json`."""
    return output_dir / "exports" / "guardrails" / f"{as_of.isoformat()}.json"
