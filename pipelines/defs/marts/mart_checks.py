"""Extra checks of the steering marts (routing, budgets, anomalies, scorecard), keyed by model name.

`pipelines.defs.marts.assets` attaches them to the SQL model assets. Anomalies and flags warn
(`AssetCheckSeverity.WARN`): they are findings about spend, not errors in the data. Each
fn(con, start, end, costline) returns an AssetCheckResult without a check_name.
"""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb

from pipelines.defs.sql_assets import CheckList
from pipelines.lib.marts import findings

WARN = dg.AssetCheckSeverity.WARN
_LIST_LIMIT = 50


def _md(rows: list[tuple], header: str) -> dg.MetadataValue:
    lines = [header] + [" | ".join("" if v is None else str(v) for v in r) for r in rows]
    return dg.MetadataValue.md("```\n" + "\n".join(lines) + "\n```")


def _warning(
    rows: list[tuple],
    count: str,
    listing: str,
    header: str,
    extra: dict[str, object] | None = None,
    limit: int | None = _LIST_LIMIT,
    description: str | None = None,
) -> dg.AssetCheckResult:
    """A WARN result that fires when there are `rows`: their count, any `extra` metadata, and the
    first `limit` of them listed under `header`."""
    listed = rows if limit is None else rows[:limit]
    return dg.AssetCheckResult(
        passed=not rows,
        severity=WARN,
        metadata={count: len(rows), **(extra or {}), listing: _md(listed, header)},
        description=description,
    )


def high_severity_anomalies(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns when the run window holds a high-severity token or cost spike in prod (production is
    the default view; staging/dev spikes are counted in the metadata, they do not fire)."""
    rows = findings.high_severity_anomalies(con, start, end)
    return _warning(
        rows,
        "high_severity",
        "anomalies",
        "day | tenant / feature / env | kind | tokens x median | cost x median",
        extra={
            "high_severity_non_prod": findings.non_prod_high_severity_anomalies(con, start, end)
        },
        description="high-severity spikes in the window" if rows else "no high-severity spike",
    )


def high_severity_runaway_sessions(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns when a high-severity runaway session was active in prod in the run window."""
    rows = findings.high_severity_runaway_sessions(con, start, end)
    return _warning(
        rows,
        "high_severity",
        "sessions",
        "last day | tenant | feature | env | session | requests | tokens | x p99",
        extra={"tenants": ", ".join(sorted({r[1] for r in rows})) or "none"},
    )


def budgets_breached(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns on hard breaches and unsupported currencies on the last day of the window."""
    return _warning(
        findings.breached_budgets(con, end),
        "flagged_budgets",
        "budgets",
        "tenant | feature | status | action | mtd | limit | currency | reason",
    )


def freeze_or_rollback(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns when a prompt version / model got costlier and worse in a week of the window."""
    return _warning(
        findings.freeze_or_rollback_versions(con, start, end),
        "flagged_versions",
        "versions",
        "week | feature | env | prompt_version | model | cost/exec % | acceptance pts",
    )


def extractive_on_expensive(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: object
) -> dg.AssetCheckResult:
    """Warns when an extractive feature spends on an expensive model in prod (month of the
    window's last day)."""
    return _warning(
        findings.extractive_on_expensive_models(con, end),
        "flagged",
        "features",
        "feature | model | % of feature spend | x cheapest price",
        limit=None,
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
