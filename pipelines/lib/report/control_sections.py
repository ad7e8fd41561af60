"""Report sections on controls: budget status, and unpriced and quarantined requests."""

from __future__ import annotations

import duckdb

from pipelines.lib.report import html as h
from pipelines.lib.report import queries


def _over(pct: float | None) -> str:
    return "neg" if pct is not None and pct >= 100 else ""


STATUS_TONE = {"hard": "bad", "soft": "warn", "unsupported_currency": "muted", "ok": "ok"}


def budgets(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The budget status section (mart_budget_status)."""
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
    one = h.single_currency(frame["currency"].to_list())
    unit = f" ({one})" if one else ""
    rows = []
    for r in frame.iter_rows(named=True):
        c = None if one else r["currency"]  # one currency: named in the headers
        rows.append(
            [
                h.Cell(r["tenant_id"], css="nowrap"),
                r["feature"] or "all features",
                h.num(h.money(r["month_to_date"], c)),
                h.num(h.money(r["monthly_limit"], c)),
                h.num(h.pct_value(r["monthly_used_pct"]), _over(r["monthly_used_pct"])),
                h.num(h.money(r["forecast_month_total"], c)),
                h.num(h.pct_value(r["forecast_used_pct"]), _over(r["forecast_used_pct"])),
                h.num(h.money(r["day_spend"], c)),
                h.badge(r["status"], STATUS_TONE.get(r["status"], "muted")),
                r["guardrail_action"],
                h.wrap(r["status_reason"]),
            ]
        )
    section.body.append(
        h.table(
            ["Tenant", "Feature", h.num("Month to date" + unit), h.num("Monthly limit" + unit),
             h.num("Used"), h.num("Forecast" + unit), h.num("Forecast used"),
             h.num("Day spend" + unit), "Status", "Guardrail", "Reason"],
            rows,
        )
    )  # fmt: skip
    return section


def data_quality(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The unpriced and quarantined section."""
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
                    [r["provider"], h.wrap(r["model"]), r["environment"],
                     h.num(h.count(r["requests"])), h.num(h.count(r["tokens"])),
                     h.when(r["first_day"]), h.when(r["last_day"]), h.wrap(r["reason"] or h.DASH)]
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
                ["Field", "Reason", h.num("Rows"), h.num("Files"), "First example"],
                [
                    [r["field"], h.wrap(r["reason"]), h.num(h.count(r["rows"])),
                     h.num(h.count(r["files"])), h.wrap(r["example"] or h.DASH)]
                    for r in reasons.iter_rows(named=True)
                ],
                "The ten most frequent kinds of reason; the example is a file and line.",
            )
        )  # fmt: skip
    return section
