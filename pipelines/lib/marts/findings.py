"""What the steering marts' warning checks look for: the rows of a run window worth a warning.

Each function returns plain rows (tuples) in the column order its check lists them in; prod only,
as the marts' default view.
"""

from __future__ import annotations

from datetime import date

import duckdb


def high_severity_anomalies(con: duckdb.DuckDBPyConnection, start: date, end: date) -> list[tuple]:
    """High-severity token or cost spikes in prod in [start, end)."""
    return con.execute(
        """select day, tenant_id || ' / ' || feature || ' / ' || environment, anomaly_kind,
                  round(tokens_ratio, 1), round(cost_ratio, 1)
           from mart_anomalies
           where severity = 'high' and day >= $s and day < $e and environment = 'prod'
           order by day, tenant_id, feature""",
        {"s": start, "e": end},
    ).fetchall()


def non_prod_high_severity_anomalies(con: duckdb.DuckDBPyConnection, start: date, end: date) -> int:
    """How many high-severity spikes in [start, end) are outside prod (counted, never fired)."""
    return int(
        con.execute(
            """select count(*) from mart_anomalies
               where severity = 'high' and day >= $s and day < $e and environment <> 'prod'""",
            {"s": start, "e": end},
        ).fetchall()[0][0]
    )


def high_severity_runaway_sessions(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> list[tuple]:
    """High-severity runaway sessions active in prod in [start, end)."""
    return con.execute(
        """select last_day, tenant_id, feature, environment, session_id, requests, tokens,
                  round(greatest(coalesce(requests_vs_p99, 0), coalesce(tokens_vs_p99, 0)), 1)
           from mart_runaway_sessions
           where severity = 'high' and last_day >= $s and first_day < $e
             and environment = 'prod'
           order by tenant_id, feature, session_id""",
        {"s": start, "e": end},
    ).fetchall()


def breached_budgets(con: duckdb.DuckDBPyConnection, end: date) -> list[tuple]:
    """Budgets hard-breached or in an unsupported currency on the day before `end`."""
    return con.execute(
        """select tenant_id, coalesce(feature, '(all)'), status, guardrail_action,
                  round(month_to_date, 2), monthly_limit, currency, status_reason
           from mart_budget_status
           where as_of_date = cast($e as date) - 1
             and status in ('hard', 'unsupported_currency')
           order by tenant_id, feature nulls first""",
        {"e": end},
    ).fetchall()


def freeze_or_rollback_versions(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> list[tuple]:
    """Prompt versions / models flagged freeze_or_rollback in a week overlapping [start, end)."""
    return con.execute(
        """select week_start, feature, environment, prompt_version, provider || '/' || model,
                  round(cost_per_execution_change_pct, 1), round(acceptance_change_pts, 1)
           from mart_weekly_scorecard_versions
           where freeze_or_rollback and environment = 'prod'
             and week_start + interval 7 day > $s and week_start < $e
           order by week_start, environment, feature, prompt_version""",
        {"s": start, "e": end},
    ).fetchall()


def extractive_on_expensive_models(con: duckdb.DuckDBPyConnection, end: date) -> list[tuple]:
    """Extractive features spending on an expensive model in prod, month of the day before
    `end`."""
    return con.execute(
        """select feature, provider || '/' || model, round(share_of_feature_spend * 100, 1),
                  round(output_price_multiple, 1)
           from mart_feature_model_mix
           where extractive_on_expensive_model and environment = 'prod'
             and month_start = date_trunc('month', cast($e as date) - 1)
           order by feature, provider, model""",
        {"e": end},
    ).fetchall()
