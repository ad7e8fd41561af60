"""Report sections per feature: unit costs, cache savings and the weekly scorecard."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import polars as pl

from pipelines.lib.report import charts, queries
from pipelines.lib.report import html as h
from pipelines.lib.report.currencies import other_currencies_note, primary_currency


def _ratio(numerator: Decimal | None, denominator: object) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return numerator / Decimal(int(denominator))  # type: ignore[call-overload]


def unit_costs(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The cost per unit of value section (mart_feature_unit_costs)."""
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
    currency = primary_currency(by_feature, "contracted_cost")
    rows, bars = [], []
    for r in by_feature.iter_rows(named=True):
        unit = _ratio(r["contracted_cost"], r["accepted_requests"])
        if unit is not None and r["currency"] == currency:
            bars.append((r["feature"], unit))
        rate = r["accepted_requests"] / r["rated_requests"] if r["rated_requests"] else None
        rows.append(
            [
                h.ident(r["feature"]),
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
    """The cache savings section."""
    section = h.Section(
        "cache",
        "Cache savings",
        "Money caching saved in production: exact and semantic app-cache hits save the cost of "
        "the request they reused; provider prefix caching saves on reads but pays a premium on "
        "writes, so its net can be negative (shown in red).",
    )
    frame = queries.cache_savings(con)
    currency = primary_currency(frame, "total_saved_cost")
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
    section.body.append(other_currencies_note(frame, currency))
    rows = []
    for r in frame.iter_rows(named=True):
        c = r["currency"]
        net = r["prefix_net_savings"]
        rows.append(
            [
                h.ident(r["feature"]),
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


def scorecard(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The weekly scorecard section (mart_weekly_scorecard)."""
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
    one = h.single_currency(frame["currency"].to_list())
    rows = []
    for r in frame.iter_rows(named=True):
        c = None if one else r["currency"]  # one currency: named in the headers
        change = r["cost_per_execution_change_pct"]
        acc = r["acceptance_change_pts"]
        rows.append(
            [
                h.Cell(f"{r['iso_year']}-W{int(r['iso_week']):02d}", css="nowrap"),
                h.ident(r["feature"]),
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
    unit = f" ({one})" if one else ""
    section.body.append(
        h.table(
            ["Week", "Feature", h.num("Requests"), h.num("Executions"), h.num(f"Cost{unit}"),
             h.num(f"Per 1,000 executions{unit}"), h.num("Δ cost / exec"),
             h.num("Acceptance"), h.num("Δ acceptance"), h.num("Escalation"), h.num("CSAT"),
             "Flag"],
            rows,
            row_classes=["flag" if f else "" for f in frame["freeze_or_rollback"].to_list()],
        )
    )  # fmt: skip
    return section


def _two_places(value: object) -> str:
    return h.DASH if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]
