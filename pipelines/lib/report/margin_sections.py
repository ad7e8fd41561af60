"""The margin section: margin per tenant for the last month (loss and thin tenants first), LLM
cost share over time, and the features whose internal price does not recover their cost.

Amounts stay in their currency (a tenant's revenue currency); nothing adds two currencies.
"""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.lib import warehouse
from pipelines.lib.report import charts, queries
from pipelines.lib.report import html as h

STATUS_TONE = {"loss": "bad", "thin": "warn", "ok": "ok", "no_revenue": "muted", "unknown": "muted"}
STATUS_ORDER = {"loss": 0, "thin": 1, "unknown": 2, "no_revenue": 3, "ok": 4}


def margin(con: duckdb.DuckDBPyConnection) -> h.Section:
    """Margin per tenant (last month), LLM cost share per month, under-recovered features."""
    section = h.Section(
        "margin",
        "Margin per tenant",
        "Revenue against all of each tenant's LLM cost (every environment; the allocated "
        "invoices when the month is final, else the contracted estimate), converted to the "
        "revenue's currency (mart_tenant_margin). Loss: cost above revenue; thin: LLM cost "
        "share above COSTLINE_THIN_MARGIN_SHARE.",
    )
    queries.require(con, "mart_tenant_margin")
    frame = warehouse.frame(
        con, "select * from mart_tenant_margin order by billing_period, tenant_id, currency"
    )
    if frame.is_empty():
        section.body.append(h.note("No revenue and no cost yet: add catalog/revenue.csv."))
        return section
    last = max(frame["billing_period"].to_list())
    section.body.append(f"<h3>{h.escape(last)}</h3>")
    month = sorted(
        (r for r in frame.iter_rows(named=True) if r["billing_period"] == last),
        key=lambda r: (
            STATUS_ORDER[r["margin_status"]],
            -(r["llm_cost_share"] or 0),
            r["tenant_id"],
        ),
    )
    section.body.append(
        h.table(
            ["Status", "Tenant", "Currency", h.num("Revenue"), h.num("LLM cost"),
             h.num("Gross margin"), h.num("LLM cost share"), "Cost basis"],
            [
                [h.badge(r["margin_status"].replace("_", " "), STATUS_TONE[r["margin_status"]]),
                 r["tenant_name"] or r["tenant_id"], r["currency"] or h.DASH,
                 h.num(h.money(r["revenue"])), h.num(h.money(r["llm_cost"])),
                 h.num(h.money(r["gross_margin"])), h.num(h.percent(r["llm_cost_share"])),
                 r["cost_basis"]]
                for r in month
            ],
        )
    )  # fmt: skip
    unknown = [r for r in month if r["llm_cost_reason"]]
    if unknown:
        reasons = sorted({r["llm_cost_reason"] for r in unknown})
        section.body.append(h.note("LLM cost unknown: " + "; ".join(reasons), "warn"))
    series: dict[str, list[tuple[date, float]]] = {}
    for r in frame.iter_rows(named=True):
        if r["llm_cost_share"] is not None:
            key = f"{r['tenant_name'] or r['tenant_id']} ({r['currency']})"
            point = (date.fromisoformat(f"{r['billing_period']}-01"), float(r["llm_cost_share"]))
            series.setdefault(key, []).append(point)
    section.body.append(
        h.figure(
            charts.line_chart(
                series, title="LLM cost share of revenue per month", value_format=h.percent
            ),
            "LLM cost / revenue per tenant and month (one point per month).",
        )
    )
    if warehouse.table_exists(con, "mart_internal_recovery"):
        section.body.append(_under_recovered(con, last))
    return section


def _under_recovered(con: duckdb.DuckDBPyConnection, period: str) -> str:
    rows = warehouse.frame(
        con,
        """select feature, unit, currency, sum(internal_charge) as internal_charge,
                  sum(llm_cost) as llm_cost, sum(recovery) as recovery
           from mart_internal_recovery
           where billing_period = $p and internal_charge is not null and llm_cost is not null
           group by all having sum(recovery) < 0 order by recovery""",
        {"p": period},
    )
    if rows.is_empty():
        return h.note(f"{period}: every internal price recovers its production LLM cost.")
    table = h.table(
        ["Feature", "Unit", "Currency", h.num("Internal charge"), h.num("LLM cost"),
         h.num("Recovery")],
        [
            [r["feature"], r["unit"], r["currency"], h.num(h.money(r["internal_charge"])),
             h.num(h.money(r["llm_cost"])), h.num(h.money(r["recovery"]))]
            for r in rows.iter_rows(named=True)
        ],
    )  # fmt: skip
    return f"<h3>{h.escape(period)}: internal prices below cost</h3>{table}"
