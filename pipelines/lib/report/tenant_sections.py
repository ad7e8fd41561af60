"""Report sections about tenants: cost per tenant over time and the top-5 tenants' share."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import polars as pl

from pipelines.lib.report import charts, queries
from pipelines.lib.report import html as h
from pipelines.lib.report.currencies import other_currencies_note, primary_currency

TOP_TENANT_LINES = 6
# Daily points up to this window: weekly averaging would flatten a few-day runaway into a bump.
DAILY_MAX_DAYS = 120


def tenants_over_time(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The cost per tenant over time section."""
    section = h.Section(
        "tenants",
        "Cost per tenant over time",
        f"Production contracted cost of priced requests per day (averaged by week when the "
        f"window is longer than {DAILY_MAX_DAYS} days). The largest tenants get a line each; "
        "all others are summed.",
    )
    daily = queries.tenant_daily_cost(con)
    totals = queries.tenant_totals(con)
    currency = primary_currency(daily, "cost")
    one = daily.filter(pl.col("currency") == currency) if currency else daily
    ranked = (
        one.group_by("tenant_id")
        .agg(pl.col("cost").sum())
        .sort(["cost", "tenant_id"], descending=[True, False])
    )
    # one tenant left over gets its own line rather than an "all other tenants" of one
    lines = ranked.height if ranked.height == TOP_TENANT_LINES + 1 else TOP_TENANT_LINES
    top = ranked["tenant_id"].head(lines).to_list()
    weekly = (
        one.height > 0
        and (one["request_date"].max() - one["request_date"].min()).days + 1 > DAILY_MAX_DAYS
    )
    if weekly:  # average cost per day of each week: a partial first or last week is no dip
        first, last = one["request_date"].min(), one["request_date"].max()
        week = pl.col("request_date").dt.truncate("1w")
        one = one.with_columns(
            week.alias("request_date"),
            (
                pl.min_horizontal(week + pl.duration(days=6), pl.lit(last))
                - pl.max_horizontal(week, pl.lit(first))
            )
            .dt.total_days()
            .add(1)
            .alias("days_in_window"),
        ).with_columns(pl.col("cost") / pl.col("days_in_window").cast(pl.Decimal(38, 0)))
    labelled = one.with_columns(
        pl.when(pl.col("tenant_id").is_in(top))
        .then(pl.col("tenant_id"))
        .otherwise(pl.lit("all other tenants"))
        .alias("series")
    )
    per_period = labelled.group_by(["series", "request_date"]).agg(pl.col("cost").sum())
    if not weekly and per_period.height:  # a day without spend is a 0 point, not a straight line
        calendar = pl.DataFrame(
            {"request_date": pl.date_range(one["request_date"].min(), one["request_date"].max(),
                                           eager=True)}
        ).join(per_period.select("series").unique(), how="cross")  # fmt: skip
        per_period = calendar.join(
            per_period, on=["series", "request_date"], how="left"
        ).with_columns(pl.col("cost").fill_null(pl.lit(0).cast(per_period.schema["cost"])))
    present = set(per_period["series"].to_list())
    names = dict(zip(totals["tenant_id"], totals["tenant_name"], strict=True))
    series = {
        (names.get(name) or name): list(
            per_period.filter(pl.col("series") == name)
            .sort("request_date")
            .select("request_date", "cost")
            .iter_rows()
        )
        for name in [*top, "all other tenants"]
        if name in present
    }
    what = "Average contracted cost per day, by week (Monday)" if weekly else "Cost per day"
    section.body.append(
        h.figure(
            charts.line_chart(
                series,
                title=f"Production cost per tenant: {what} ({currency or 'no currency'})",
                value_format=lambda v: h.money(v, places=2),
            ),
            f"{what}, {currency or '-'}."
            + (" A partial first or last week averages its days in the window." if weekly else ""),
        )
    )
    section.body.append(other_currencies_note(daily, currency))
    grand = {
        c: sum((x for x in totals.filter(pl.col("currency") == c)["cost"] if x), Decimal(0))
        for c in set(totals["currency"].drop_nulls().to_list())
    }
    rows = []
    for r in totals.head(15).iter_rows(named=True):
        share = (
            r["cost"] / grand[r["currency"]]
            if r["cost"] is not None and grand.get(r["currency"])
            else None
        )
        rows.append(
            [
                r["tenant_id"],
                r["tenant_name"] or h.DASH,
                r["business_unit"] or h.DASH,
                h.num(h.count(r["requests"])),
                h.num(h.count(r["unpriced_requests"]), "neg" if r["unpriced_requests"] else ""),
                h.num(h.money(r["cost"], r["currency"])),
                h.num(h.percent(share)),
            ]
        )
    section.body.append("<h3>Largest tenants over the window</h3>")
    section.body.append(
        h.table(
            ["Tenant", "Name", "Business unit", h.num("Requests"), h.num("Unpriced"),
             h.num("Contracted cost"), h.num("Share")],
            rows,
            f"{totals.height} production tenants; the 15 largest shown.",
        )
    )  # fmt: skip
    return section


def concentration(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The top-5 tenants' share section (mart_risk)."""
    section = h.Section(
        "top5",
        "Top-5 tenants' share",
        "Share of production spend taken by the five largest tenants of each month (mart_risk): "
        "how much of the bill depends on a few customers.",
    )
    months = queries.top5_by_month(con)
    columns = []
    for r in months.iter_rows(named=True):
        share = (
            r["top5_spend"] / r["environment_spend"]
            if r["environment_spend"] and r["top5_spend"] is not None
            else None
        )
        if share is not None:
            columns.append((f"{r['month']:%b %Y}", share))
    top = queries.top_tenants_latest_month(con)
    parts: list[tuple[str, Decimal]] = []
    rows = []
    if top.height:
        month_spend = top["environment_spend"][0] or Decimal(0)
        for r in top.iter_rows(named=True):
            parts.append((r["tenant_name"] or r["tenant_id"], r["spend"] or Decimal(0)))
            rows.append(
                [
                    h.num(str(r["spend_rank"])),
                    r["tenant_id"],
                    r["tenant_name"] or h.DASH,
                    r["business_unit"] or h.DASH,
                    h.num(h.money(r["spend"], r["currency"])),
                    h.num(h.percent(r["spend"] / month_spend if month_spend else None)),
                ]
            )
        parts.append(("all other tenants", month_spend - sum((p for _, p in parts), Decimal(0))))
    left = h.figure(
        charts.column_chart(
            columns,
            title="Top-5 share per month",
            value_format=lambda v: h.percent(v),
            max_value=1.0,
            width=560,
        ),
        "Top-5 tenants' share of the month's production spend.",
    )
    label = f"{top['month'][0]:%B %Y}" if top.height else "latest month"
    right = h.figure(
        charts.share_bar(parts, title=f"Spend split, {label}", width=560),
        f"Largest tenants, {label}.",
    )
    section.body.append(f"<div class='split'><div>{left}</div><div>{right}</div></div>")
    section.body.append(
        h.table(
            [h.num("Rank"), "Tenant", "Name", "Business unit", h.num("Spend"), h.num("Share")],
            rows,
            f"Top 5, {label}.",
        )
    )
    return section
