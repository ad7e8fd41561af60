"""Extra checks of the part-2 marts (routing, budgets, anomalies, scorecard), keyed by model name.

Merged by the lead into `MODEL_CHECKS`. Anomalies and flags warn (`AssetCheckSeverity.WARN`):
they are findings about spend, not errors in the data. Each fn(con, start, end, costline)
returns an AssetCheckResult without a check_name.
"""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb

from pipelines.defs.sql_assets import CheckList

WARN = dg.AssetCheckSeverity.WARN
_LIST_LIMIT = 50


def _md(rows: list[tuple], header: str) -> dg.MetadataValue:
    lines = [header] + [" | ".join("" if v is None else str(v) for v in r) for r in rows]
    return dg.MetadataValue.md("```\n" + "\n".join(lines) + "\n```")


def high_severity_anomalies(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns when the run window holds a high-severity token or cost spike in prod (production is
    the default view; staging/dev spikes are counted in the metadata, they do not fire)."""
    rows = con.execute(
        """select day, tenant_id || ' / ' || feature || ' / ' || environment, anomaly_kind,
                  round(tokens_ratio, 1), round(cost_ratio, 1)
           from mart_anomalies
           where severity = 'high' and day >= $s and day < $e and environment = 'prod'
           order by day, tenant_id, feature""",
        {"s": start, "e": end},
    ).fetchall()
    other = con.execute(
        """select count(*) from mart_anomalies
           where severity = 'high' and day >= $s and day < $e and environment <> 'prod'""",
        {"s": start, "e": end},
    ).fetchall()[0][0]
    return dg.AssetCheckResult(
        passed=not rows,
        severity=WARN,
        metadata={
            "high_severity": len(rows),
            "high_severity_non_prod": int(other),
            "anomalies": _md(
                rows[:_LIST_LIMIT],
                "day | tenant / feature / env | kind | tokens x median | cost x median",
            ),
        },
        description="high-severity spikes in the window" if rows else "no high-severity spike",
    )


def high_severity_runaway_sessions(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns when a high-severity runaway session was active in prod in the run window."""
    rows = con.execute(
        """select last_day, tenant_id, feature, environment, session_id, requests, tokens,
                  round(greatest(coalesce(requests_vs_p99, 0), coalesce(tokens_vs_p99, 0)), 1)
           from mart_runaway_sessions
           where severity = 'high' and last_day >= $s and first_day < $e
             and environment = 'prod'
           order by tenant_id, feature, session_id""",
        {"s": start, "e": end},
    ).fetchall()
    return dg.AssetCheckResult(
        passed=not rows,
        severity=WARN,
        metadata={
            "high_severity": len(rows),
            "tenants": ", ".join(sorted({r[1] for r in rows})) or "none",
            "sessions": _md(
                rows[:_LIST_LIMIT],
                "last day | tenant | feature | env | session | requests | tokens | x p99",
            ),
        },
    )


def budgets_breached(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns on hard breaches and unsupported currencies on the last day of the window."""
    rows = con.execute(
        """select tenant_id, coalesce(feature, '(all)'), status, guardrail_action,
                  round(month_to_date, 2), monthly_limit, currency, status_reason
           from mart_budget_status
           where as_of_date = cast($e as date) - 1
             and status in ('hard', 'unsupported_currency')
           order by tenant_id, feature nulls first""",
        {"e": end},
    ).fetchall()
    return dg.AssetCheckResult(
        passed=not rows,
        severity=WARN,
        metadata={
            "flagged_budgets": len(rows),
            "budgets": _md(
                rows[:_LIST_LIMIT],
                "tenant | feature | status | action | mtd | limit | currency | reason",
            ),
        },
    )


def freeze_or_rollback(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns when a prompt version / model got costlier and worse in a week of the window."""
    rows = con.execute(
        """select week_start, feature, environment, prompt_version, provider || '/' || model,
                  round(cost_per_execution_change_pct, 1), round(acceptance_change_pts, 1)
           from mart_weekly_scorecard_versions
           where freeze_or_rollback and environment = 'prod'
             and week_start + interval 7 day > $s and week_start < $e
           order by week_start, environment, feature, prompt_version""",
        {"s": start, "e": end},
    ).fetchall()
    return dg.AssetCheckResult(
        passed=not rows,
        severity=WARN,
        metadata={
            "flagged_versions": len(rows),
            "versions": _md(
                rows[:_LIST_LIMIT],
                "week | feature | env | prompt_version | model | cost/exec % | acceptance pts",
            ),
        },
    )


def extractive_on_expensive(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns when an extractive feature spends on an expensive model in prod (month of the
    window's last day)."""
    rows = con.execute(
        """select feature, provider || '/' || model, round(share_of_feature_spend * 100, 1),
                  round(output_price_multiple, 1)
           from mart_feature_model_mix
           where extractive_on_expensive_model and environment = 'prod'
             and month_start = date_trunc('month', cast($e as date) - 1)
           order by feature, provider, model""",
        {"e": end},
    ).fetchall()
    return dg.AssetCheckResult(
        passed=not rows,
        severity=WARN,
        metadata={
            "flagged": len(rows),
            "features": _md(rows, "feature | model | % of feature spend | x cheapest price"),
        },
    )


def _spec(name: str, asset: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, blocking=False, description=description)


CHECKS: dict[str, CheckList] = {
    "mart_anomalies": [
        (
            _spec(
                "no_high_severity_anomalies",
                "mart_anomalies",
                "warns when a high-severity token or cost spike falls in the run window",
            ),
            high_severity_anomalies,
        ),
    ],
    "mart_runaway_sessions": [
        (
            _spec(
                "no_high_severity_runaway_sessions",
                "mart_runaway_sessions",
                "warns when a high-severity runaway session is active in the run window",
            ),
            high_severity_runaway_sessions,
        ),
    ],
    "mart_budget_status": [
        (
            _spec(
                "no_hard_budget_breach",
                "mart_budget_status",
                "warns on hard breaches or unsupported budget currencies on the last day run",
            ),
            budgets_breached,
        ),
    ],
    "mart_weekly_scorecard_versions": [
        (
            _spec(
                "no_freeze_or_rollback",
                "mart_weekly_scorecard_versions",
                "warns when a prompt version costs more per execution and is accepted less",
            ),
            freeze_or_rollback,
        ),
    ],
    "mart_feature_model_mix": [
        (
            _spec(
                "no_extractive_feature_on_expensive_model",
                "mart_feature_model_mix",
                "warns when an extractive feature runs on an expensive model in prod",
            ),
            extractive_on_expensive,
        ),
    ],
}
