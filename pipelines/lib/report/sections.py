"""The report's sections: each reads its data (`queries`), draws (`charts`) and lays out (`html`).

A builder never lets one broken table take the page down: a missing table becomes a section that
says which table is not built yet, any other database error a section that says it could not be
read.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import duckdb
import polars as pl

from pipelines.lib.report import charts, queries
from pipelines.lib.report import html as h

TOP_TENANT_LINES = 6


def _primary_currency(frame: pl.DataFrame, money_column: str) -> str | None:
    """The currency with the most money (charts draw one currency; tables show all)."""
    if frame.is_empty():
        return None
    totals = (
        frame.filter(pl.col("currency").is_not_null())
        .group_by("currency")
        .agg(pl.col(money_column).sum().abs().alias("m"))
        .sort(["m", "currency"], descending=[True, False])
    )
    return totals["currency"][0] if totals.height else None


def _other_currencies_note(frame: pl.DataFrame, shown: str | None) -> str:
    others = sorted({c for c in frame["currency"].to_list() if c and c != shown})
    if not others:
        return ""
    return h.note(f"Charts show {shown} only; amounts in {', '.join(others)} are in the tables.")


def _ratio(numerator: Decimal | None, denominator: object) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return numerator / Decimal(int(denominator))  # type: ignore[call-overload]


def tenants_over_time(con: duckdb.DuckDBPyConnection) -> h.Section:
    section = h.Section(
        "tenants",
        "Cost per tenant over time",
        "Production contracted cost of priced requests per day (averaged by week when the "
        "window is longer than a month). The largest tenants get a line each; all others are "
        "summed.",
    )
    daily = queries.tenant_daily_cost(con)
    totals = queries.tenant_totals(con)
    currency = _primary_currency(daily, "cost")
    one = daily.filter(pl.col("currency") == currency) if currency else daily
    ranked = (
        one.group_by("tenant_id")
        .agg(pl.col("cost").sum())
        .sort(["cost", "tenant_id"], descending=[True, False])
    )
    top = ranked["tenant_id"].head(TOP_TENANT_LINES).to_list()
    weekly = one.height > 0 and (one["request_date"].max() - one["request_date"].min()).days > 31
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
    section.body.append(_other_currencies_note(daily, currency))
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


def unit_costs(con: duckdb.DuckDBPyConnection) -> h.Section:
    section = h.Section(
        "unit-costs",
        "Cost per unit of value per feature",
        "Unit of value = an accepted output. Cost per accepted output = contracted cost of all "
        "the feature's production requests / accepted requests (mart_feature_unit_costs).",
    )
    frame = queries.feature_unit_costs(con)
    by_feature = (
        frame.group_by(["feature", "currency"])
        .agg(
            pl.col("requests", "rated_requests", "accepted_requests", "unpriced_requests").sum(),
            pl.col("contracted_cost").sum(),
            pl.col("month").max().alias("last_month"),
        )
        .sort("feature")
    )
    latest = frame.filter(pl.col("month") == frame["month"].max()) if frame.height else frame
    latest_unit = {
        (r["feature"], r["currency"]): _ratio(r["contracted_cost"], r["accepted_requests"])
        for r in latest.iter_rows(named=True)
    }
    currency = _primary_currency(by_feature, "contracted_cost")
    rows, bars = [], []
    for r in by_feature.iter_rows(named=True):
        unit = _ratio(r["contracted_cost"], r["accepted_requests"])
        if unit is not None and r["currency"] == currency:
            bars.append((r["feature"], unit))
        rate = r["accepted_requests"] / r["rated_requests"] if r["rated_requests"] else None
        rows.append(
            [
                r["feature"],
                h.num(h.count(r["requests"])),
                h.num(h.count(r["accepted_requests"])),
                h.num(h.percent(rate)),
                h.num(h.money(r["contracted_cost"], r["currency"])),
                h.num(h.unit_money(unit, r["currency"])),
                h.num(h.unit_money(latest_unit.get((r["feature"], r["currency"])),
                                   r["currency"])),
            ]
        )  # fmt: skip
    bars.sort(key=lambda item: item[1], reverse=True)
    section.body.append(
        h.figure(
            charts.bar_chart(
                bars,
                title="Cost per accepted output by feature",
                value_format=lambda v: h.unit_money(v, currency),
            ),
            "Whole window; features with no accepted output have no bar.",
        )
    )
    month = latest["month"].max() if latest.height else None
    section.body.append(
        h.table(
            ["Feature", h.num("Requests"), h.num("Accepted"), h.num("Acceptance"),
             h.num("Contracted cost"), h.num("Per accepted output"),
             h.num(f"Per accepted output, {month:%b %Y}" if month else "Latest month")],
            rows,
        )
    )  # fmt: skip
    return section


def cache(con: duckdb.DuckDBPyConnection) -> h.Section:
    section = h.Section(
        "cache",
        "Cache savings",
        "Money caching saved in production: exact and semantic app-cache hits save the cost of "
        "the request they reused; provider prefix caching saves on reads but pays a premium on "
        "writes, so its net can be negative (shown in red).",
    )
    frame = queries.cache_savings(con)
    currency = _primary_currency(frame, "total_saved_cost")
    one = frame.filter(pl.col("currency") == currency) if currency else frame

    def total(column: str) -> Decimal:
        return sum((v for v in one[column] if v is not None), Decimal(0))

    bars: list[tuple[str, Decimal]] = []
    split_note = ""
    try:
        kinds = queries.app_cache_savings_by_kind(con).filter(pl.col("currency") == currency)
        saved = {r["cache_status"]: r["saved_cost"] for r in kinds.iter_rows(named=True)}
        bars += [
            ("Exact hits (app cache)", saved.get("exact") or Decimal(0)),
            ("Semantic hits (app cache)", saved.get("semantic") or Decimal(0)),
        ]
    except queries.MissingTable:
        bars.append(("Exact + semantic (app cache)", total("app_cache_saved_cost")))
        split_note = "int_cache_hits_resolved is missing: exact and semantic shown together."
    bars += [
        ("Prefix reads saved", total("prefix_read_savings")),
        ("Prefix write premium", -total("prefix_write_premium")),
        ("Prefix net", total("prefix_net_savings")),
        ("Total saved", total("total_saved_cost")),
    ]
    section.body.append(
        h.figure(
            charts.bar_chart(
                bars, title="Cache savings", value_format=lambda v: h.money(v, currency)
            ),
            f"Production, whole window, {currency or '-'}.",
        )
    )
    if split_note:
        section.body.append(h.note(split_note))
    section.body.append(_other_currencies_note(frame, currency))
    rows = []
    for r in frame.iter_rows(named=True):
        c = r["currency"]
        net = r["prefix_net_savings"]
        rows.append(
            [
                r["feature"],
                h.num(h.count(r["requests"])),
                h.num(h.count(r["exact_hits"])),
                h.num(h.count(r["semantic_hits"])),
                h.num(h.count(r["prefix_hits"])),
                h.num(h.money(r["app_cache_saved_cost"], c)),
                h.num(h.money(net, c), "neg" if net is not None and net < 0 else ""),
                h.num(h.money(r["total_saved_cost"], c),
                      "neg" if (r["total_saved_cost"] or 0) < 0 else ""),
                h.num(h.count(r["cross_tenant_hits"]), "neg" if r["cross_tenant_hits"] else ""),
            ]
        )  # fmt: skip
    section.body.append(
        h.table(
            ["Feature", h.num("Requests"), h.num("Exact"), h.num("Semantic"), h.num("Prefix"),
             h.num("App-cache saved"), h.num("Prefix net"), h.num("Total saved"),
             h.num("Cross-tenant hits")],
            rows,
        )
    )  # fmt: skip
    return section


def _over(pct: float | None) -> str:
    return "neg" if pct is not None and pct >= 100 else ""


STATUS_TONE = {"hard": "bad", "soft": "warn", "unsupported_currency": "muted", "ok": "ok"}


def budgets(con: duckdb.DuckDBPyConnection) -> h.Section:
    section = h.Section(
        "budgets",
        "Budget status",
        "Each budget on the latest day of data: month-to-date production spend against the "
        "monthly limit, the end-of-month forecast and the guardrail action (mart_budget_status).",
    )
    frame = queries.budget_status(con)
    if frame.is_empty():
        section.body.append(h.note("No budgets are defined (dim_budgets is empty)."))
        return section
    counts = frame.group_by("status").len()
    summary = ", ".join(
        f"{n} {s}" for s, n in sorted(counts.iter_rows(), key=lambda x: (-x[1], x[0]))
    )
    section.body.append(
        h.note(f"As of {h.day(frame['as_of_date'][0])}: {frame.height} budgets, {summary}.")
    )
    rows = []
    for r in frame.iter_rows(named=True):
        c = r["currency"]
        rows.append(
            [
                r["tenant_id"],
                r["feature"] or "all features",
                h.num(h.money(r["month_to_date"], c)),
                h.num(h.money(r["monthly_limit"], c)),
                h.num(h.pct_value(r["monthly_used_pct"]), _over(r["monthly_used_pct"])),
                h.num(h.money(r["forecast_month_total"], c)),
                h.num(h.pct_value(r["forecast_used_pct"]), _over(r["forecast_used_pct"])),
                h.num(h.money(r["day_spend"], c)),
                h.badge(r["status"], STATUS_TONE.get(r["status"], "muted")),
                r["guardrail_action"],
                r["status_reason"],
            ]
        )
    section.body.append(
        h.table(
            ["Tenant", "Feature", h.num("Month to date"), h.num("Monthly limit"), h.num("Used"),
             h.num("Forecast"), h.num("Forecast used"), h.num("Day spend"), "Status",
             "Guardrail", "Reason"],
            rows,
        )
    )  # fmt: skip
    return section


def scorecard(con: duckdb.DuckDBPyConnection) -> h.Section:
    section = h.Section(
        "scorecard",
        "Weekly scorecard",
        "Production cost and quality per feature and ISO week, week over week; a feature-week is "
        "flagged freeze / rollback when its cost per execution rose and its acceptance fell past "
        "the thresholds (mart_weekly_scorecard). Last four weeks.",
    )
    frame = queries.weekly_scorecard(con)
    flags = queries.weekly_flags(con)
    recent = int(frame["freeze_or_rollback"].sum()) if frame.height else 0
    section.body.append(
        h.note(
            f"{flags} feature-week(s) flagged freeze / rollback in the whole history, "
            f"{recent} in the weeks shown.",
            "warn" if recent else "",
        )
    )
    rows = []
    for r in frame.iter_rows(named=True):
        c = r["currency"]
        change = r["cost_per_execution_change_pct"]
        acc = r["acceptance_change_pts"]
        rows.append(
            [
                h.Cell(f"{r['iso_year']}-W{int(r['iso_week']):02d}", css="nowrap"),
                r["feature"],
                h.num(h.count(r["requests"])),
                h.num(h.count(r["executions"])),
                h.num(h.money(r["contracted_cost"], c)),
                h.num(h.unit_money(r["cost_per_1000_executions"], c)),
                h.num(h.signed(change, "%"), "neg" if r["freeze_or_rollback"] else ""),
                h.num(h.percent(r["acceptance_rate"])),
                h.num(h.signed(acc, " pts"), "neg" if r["freeze_or_rollback"] else ""),
                h.num(h.percent(r["escalation_rate"])),
                h.num(_two_places(r["mean_csat"])),
                h.badge("freeze", "bad") if r["freeze_or_rollback"] else h.badge("ok", "ok"),
            ]
        )
    section.body.append(
        h.table(
            ["Week", "Feature", h.num("Requests"), h.num("Executions"), h.num("Cost"),
             h.num("Per 1,000 executions"), h.num("Δ cost / exec"), h.num("Acceptance"),
             h.num("Δ acceptance"), h.num("Escalation"), h.num("CSAT"), "Flag"],
            rows,
            row_classes=["flag" if f else "" for f in frame["freeze_or_rollback"].to_list()],
        )
    )  # fmt: skip
    return section


def _two_places(value: object) -> str:
    return h.DASH if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]


def concentration(con: duckdb.DuckDBPyConnection) -> h.Section:
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


def data_quality(con: duckdb.DuckDBPyConnection) -> h.Section:
    section = h.Section(
        "quality",
        "Unpriced and quarantined",
        "Requests with no price are never costed at 0: they are counted here and left out of "
        "every amount above. Quarantined rows were rejected at ingest (file, line, field, reason).",
    )
    statuses = queries.price_status_counts(con)
    section.body.append(
        h.table(
            ["Environment", h.num("Requests"), h.num("Priced"), h.num("App-cache / no call"),
             h.num("Unpriced"), h.num("Unpriced tokens")],
            [
                [r["environment"], h.num(h.count(r["requests"])), h.num(h.count(r["priced"])),
                 h.num(h.count(r["no_provider_call"])),
                 h.num(h.count(r["unpriced"]), "neg" if r["unpriced"] else ""),
                 h.num(h.count(r["unpriced_tokens"] or 0))]
                for r in statuses.iter_rows(named=True)
            ],
        )
    )  # fmt: skip
    unpriced = queries.unpriced_models(con)
    if unpriced.height:
        section.body.append("<h3>Models without a price</h3>")
        section.body.append(
            h.table(
                ["Provider", "Model", "Environment", h.num("Requests"), h.num("Tokens"),
                 "First day", "Last day", "Reason"],
                [
                    [r["provider"], r["model"], r["environment"], h.num(h.count(r["requests"])),
                     h.num(h.count(r["tokens"])), h.day(r["first_day"]), h.day(r["last_day"]),
                     r["reason"] or h.DASH]
                    for r in unpriced.iter_rows(named=True)
                ],
            )
        )  # fmt: skip
    section.body.append("<h3>Quarantine</h3>")
    try:
        reasons = queries.quarantine_reasons(con)
    except queries.MissingTable:
        section.body.append(h.note("Table quarantine_requests is not in the warehouse."))
        return section
    if reasons.is_empty():
        section.body.append(h.note("No row was quarantined."))
    else:
        section.body.append(
            h.table(
                ["Field", "Reason", h.num("Rows"), h.num("Files")],
                [
                    [r["field"], r["reason"], h.num(h.count(r["rows"])),
                     h.num(h.count(r["files"]))]
                    for r in reasons.iter_rows(named=True)
                ],
                "The ten most frequent reasons.",
            )
        )  # fmt: skip
    return section


Builder = Callable[[duckdb.DuckDBPyConnection], h.Section]
# (builder, anchor, title): the title is repeated so a failing builder still gets its heading.
SECTIONS: tuple[tuple[Builder, str, str], ...] = (
    (tenants_over_time, "tenants", "Cost per tenant over time"),
    (unit_costs, "unit-costs", "Cost per unit of value per feature"),
    (cache, "cache", "Cache savings"),
    (budgets, "budgets", "Budget status"),
    (scorecard, "scorecard", "Weekly scorecard"),
    (concentration, "top5", "Top-5 tenants' share"),
    (data_quality, "quality", "Unpriced and quarantined"),
)
SECTION_TITLES = tuple(title for _, _, title in SECTIONS)


def build_all(con: duckdb.DuckDBPyConnection) -> list[h.Section]:
    """Every section, in page order; a broken one says why instead of failing the page."""
    built = []
    for builder, anchor, title in SECTIONS:
        try:
            built.append(builder(con))
        except queries.MissingTable as missing:
            names = ", ".join(missing.names)
            built.append(
                h.Section(anchor, title, "", missing=f"Not available: table {names} is not in "
                          "the warehouse (not built yet by this run).")
            )  # fmt: skip
        except duckdb.Error as error:
            built.append(
                h.Section(anchor, title, "", missing=f"Could not be read: "
                          f"{type(error).__name__}: {str(error).splitlines()[0]}")
            )  # fmt: skip
    return built
