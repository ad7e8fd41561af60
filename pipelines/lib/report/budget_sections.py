"""Budget burn-down: each budget's month to date against its limit, with the forecast, plus the
status and guardrail table and the tenants that have no budget."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import polars as pl

from pipelines.lib.report import charts
from pipelines.lib.report import finance_queries as fq
from pipelines.lib.report import html as h
from pipelines.lib.report.control_sections import STATUS_TONE, budgets
from pipelines.money import next_month

LEGEND = charts.legend(
    [("Month to date", charts.PALETTE[0]), ("Forecast to month end", charts.PALETTE[1]),
     ("Monthly limit", charts.NEGATIVE)],
    dashed=[False, True, True],
)  # fmt: skip


SEVERITY = {"hard": 0, "soft": 1, "unsupported_currency": 2, "ok": 3}  # worst first


def _month_end(first: date) -> date:
    return next_month(first) - timedelta(days=1)


def _small_multiple(one: pl.DataFrame) -> str:
    last = one.row(-1, named=True)
    scope = last["tenant_id"] + (f" · {last['feature']}" if last["feature"] else "")
    currency = last["currency"]
    svg = charts.burndown_chart(
        list(one.select("as_of_date", "month_to_date").iter_rows()),
        month=(last["month_start"], _month_end(last["month_start"])),
        limit=last["monthly_limit"],
        forecast=last["forecast_month_total"],
        title=f"Budget burn-down, {scope} ({currency})",
        value_format=lambda v: h.money(v),
    )
    tone = STATUS_TONE.get(last["status"], "muted")
    spent = h.money(last["month_to_date"], currency)
    limit = h.money(last["monthly_limit"], currency)
    caption = (
        f"month complete: {spent} of {limit}"
        if last["as_of_date"] >= _month_end(last["month_start"])
        else f"{spent} to date of {limit}; forecast "
        f"{h.money(last['forecast_month_total'], currency)}"
    )
    return (
        f"<figure><h4>{h.escape(scope)} <span class='badge {tone}'>"
        f"{h.escape(last['status'])}</span></h4>{svg}"
        f"<figcaption>{h.escape(caption)}</figcaption></figure>"
    )


def budget_burndown(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The budget burn-down section: month-to-date spend against each monthly limit."""
    section = h.Section(
        "budgets",
        "Budget burn-down",
        "Each budget in the month of the latest day of data: production month-to-date spend "
        "day by day against the monthly limit, the end-of-month forecast (month to date + "
        "the trailing 7-day median x days left), then status and guardrail action "
        "(mart_budget_status, int_spend_forecasted).",
    )
    days = fq.budget_burndown(con)
    status = budgets(con)
    if days.height:
        budgets_days = [
            one for _, one in days.group_by(["tenant_id", "feature", "currency"],
                                            maintain_order=True)
        ]  # fmt: skip
        budgets_days.sort(key=lambda one: SEVERITY.get(one["status"][-1], len(SEVERITY)))
        figures = [_small_multiple(one) for one in budgets_days]
        section.body.append(f"{LEGEND}<div class='burndown'>{''.join(figures)}</div>")
    section.body += status.body
    try:
        as_of = days["as_of_date"].max() if days.height else fq.forecast_as_of(con)
        free = fq.unbudgeted_tenants(con, as_of) if as_of is not None else None
    except fq.MissingTable:
        section.body.append(h.note("int_spend_forecasted is not in the warehouse."))
        return section
    if free is None:
        return section
    if free.height:
        section.body.append(f"<h3>Tenants without a tenant-wide budget, {h.day(as_of)}</h3>")
        section.body.append(
            h.table(
                ["Tenant", h.num("Month to date"), h.num("Forecast"), h.num("Monthly limit")],
                [
                    [r["tenant_id"], h.num(h.money(r["month_to_date"], r["currency"])),
                     h.num(h.money(r["forecast_month_total"], r["currency"])),
                     h.num("none")]
                    for r in free.iter_rows(named=True)
                ],
            )
        )  # fmt: skip
    return section
