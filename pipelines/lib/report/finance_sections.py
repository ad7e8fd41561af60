"""Finance sections: chargeback from the allocated invoices, and billed against logged.

Every amount stays in its currency: subtotals and totals are per currency, never across two.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import duckdb
import polars as pl

from pipelines.lib.report import finance_queries as fq
from pipelines.lib.report import html as h

UNALLOCATED = "__unallocated__"
STATUS_TONE = {"final": "ok", "provisional": "warn", "partly provisional": "warn"}


def _status(statuses: str | None) -> str:
    found = set((statuses or "").split(", ")) - {""}
    if found == {"final"}:
        return "final"
    return "provisional" if found == {"provisional"} else "partly provisional"


def _invoices(*texts: str | None) -> str:
    ids = {i for t in texts if t for i in re.split(r"[;,]\s*", t) if i}
    return ", ".join(sorted(ids)) or h.DASH


def _sum(values: list[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def chargeback(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The chargeback section per business unit and tenant (chargeback_lines)."""
    section = h.Section(
        "chargeback",
        "Chargeback per business unit and tenant",
        "What each tenant is charged per billing month, from the allocated invoices "
        "(chargeback_lines): final once the provider's invoice for the month is allocated, "
        "provisional (logged usage at contracted prices) until then. Amounts are in the "
        "invoice currency; subtotals are per business unit and currency.",
    )
    frame = fq.chargeback_by_tenant(con)
    if frame.is_empty():
        section.body.append(h.note("No chargeback line yet: no month has been charged back."))
        return section
    months: dict[str, set[str]] = defaultdict(set)
    for r in frame.iter_rows(named=True):
        months[r["billing_period"]].update((r["statuses"] or "").split(", "))
    for month in sorted(months):
        in_month = [r for r in frame.iter_rows(named=True) if r["billing_period"] == month]
        status = _status(", ".join(sorted(months[month])))
        issue = max((r["issue"] for r in in_month), default=0)
        heading = f"{month} · {status}" + (f" (issue {issue})" if status == "final" else "")
        section.body.append(f"<h3>{h.escape(heading)}</h3>")
        rows, classes = _month_rows(in_month)
        section.body.append(
            h.table(
                ["Status", "Business unit", "Tenant", "Currency", h.num("Production"),
                 h.num("Other environments"), h.num("Allocated"), "Invoices"],
                rows,
                row_classes=classes,
            )
        )  # fmt: skip
    statements = fq.statements_by_tenant(con)
    if statements is not None and statements.height:
        section.body.append("<h3>Statements in each tenant's currency</h3>")
        section.body.append(_statement_table(statements))
    section.body.append(
        h.note(
            "Allocated = production + staging + dev, tax and credits included; unallocated "
            "invoice lines are a tenant of their own. Subtotals never add two currencies. "
            "'+ n/a': some provisional usage has no price, so part of the amount is unknown."
        )
    )
    return section


def _statement_total(group: list[dict]) -> str:
    text = h.money(_sum([r["statement_cost"] for r in group]))
    if any(r["unconverted_rows"] for r in group):
        text += " + n/a (no fx rate)"
    elif any(r["unknown_rows"] for r in group):
        text += " + n/a"
    return text


def _statement_table(frame: pl.DataFrame) -> str:
    """Per month: each tenant's statement total in its statement currency, a subtotal per
    business unit and statement currency (one currency per subtotal, converted by the
    chargeback's fx rate)."""
    rows: list[list[str | h.Cell]] = []
    classes: list[str] = []
    all_rows = list(frame.iter_rows(named=True))
    for month in sorted({r["billing_period"] for r in all_rows}):
        in_month = [r for r in all_rows if r["billing_period"] == month]
        for unit in sorted({r["business_unit"] or "" for r in in_month}):
            group = [r for r in in_month if (r["business_unit"] or "") == unit]
            for r in group:
                name = "unallocated" if r["tenant_id"] == UNALLOCATED else (
                    r["tenant_name"] or r["tenant_id"]
                )  # fmt: skip
                currency = r["statement_currency"] or h.DASH
                rows.append([h.when(month), unit or h.DASH, name, currency,
                             h.num(_statement_total([r]))])  # fmt: skip
                classes.append("")
            for currency in sorted({r["statement_currency"] or "" for r in group}):
                same = [r for r in group if (r["statement_currency"] or "") == currency]
                rows.append([h.when(month), f"{unit or 'no business unit'} total", "",
                             currency or h.DASH, h.num(_statement_total(same))])  # fmt: skip
                classes.append("subtotal")
    return h.table(
        ["Month", "Business unit", "Tenant", "Statement currency", h.num("Statement total")],
        rows,
        "The tenant's statement: every invoice currency converted at the month's rate.",
        row_classes=classes,
    )


def _month_rows(in_month: list[dict]) -> tuple[list[list[str | h.Cell]], list[str]]:
    """One month's tenant rows, a subtotal per business unit and currency, then the month's
    total per currency."""
    rows: list[list[str | h.Cell]] = []
    classes: list[str] = []

    def subtotal(label: str, group: list[dict]) -> None:
        for currency in sorted({r["currency"] for r in group if r["currency"]}):
            same = [r for r in group if r["currency"] == currency]
            total = h.money(_sum([r["allocated_cost"] for r in same]))
            if any(r["unknown_rows"] for r in same):
                total += " + n/a"
            rows.append(
                ["", label, "", currency,
                 h.num(h.money(_sum([r["prod_cost"] for r in same]))),
                 h.num(h.money(_sum([r["other_cost"] for r in same]))), h.num(total), ""]
            )  # fmt: skip
            classes.append("subtotal")

    for unit in sorted({r["business_unit"] or "" for r in in_month}):
        group = [r for r in in_month if (r["business_unit"] or "") == unit]
        for r in group:
            tenant = r["tenant_id"]
            name = "unallocated" if tenant == UNALLOCATED else (r["tenant_name"] or tenant)
            status = _status(r["statuses"])
            allocated = h.money(r["allocated_cost"])
            if r["unknown_rows"]:  # known part + an unknown (unpriced) part, never a 0
                allocated = f"{allocated} + n/a" if r["allocated_cost"] is not None else "n/a"
            rows.append(
                [h.badge(status, STATUS_TONE[status]), unit or h.DASH, name,
                 r["currency"] or h.DASH, h.num(h.money(r["prod_cost"])),
                 h.num(h.money(r["other_cost"])), h.num(allocated),
                 h.Cell(_invoices(r["invoice_ids"]), css="muted")]
            )  # fmt: skip
            classes.append("")
        subtotal(f"{unit or 'no business unit'} total", group)
    subtotal("Month total", in_month)
    return rows, classes


def billed_vs_logged(con: duckdb.DuckDBPyConnection) -> h.Section:
    """The billed against logged section (mart_invoice_reconciliation)."""
    section = h.Section(
        "reconciliation",
        "Billed against logged",
        "Per provider and billing month: what the invoices billed next to what our logs priced "
        "at contracted prices (all environments; mart_invoice_reconciliation). Gap = billed - "
        "logged; explained = the part with a named cause (tax, credits, corrections, "
        "untracked usage, discounts, rounding, unpriced usage, usage not invoiced yet); "
        "unexplained = billed above or below the logged cost with no such cause.",
    )
    summary = fq.reconciliation_summary(con)
    if summary.is_empty():
        section.body.append(h.note("No invoice and no logged usage to compare."))
        return section
    rows: list[list[str | h.Cell]] = []
    for r in summary.iter_rows(named=True):
        comparable = r["incomparable_rows"] == 0
        gap = r["billed"] - r["logged"] if comparable else None
        unexplained = r["unexplained"] if comparable else None
        logged = h.money(r["logged"])
        if r["logged_other"] is not None:  # another currency: shown with its code, never added
            other = f"{h.money(r['logged_other'])} {r['other_currency']}"
            logged = f"{logged} + {other}" if r["logged"] else other
        rows.append(
            [h.ident(r["provider"]), h.when(r["billing_period"]), r["currency"],
             h.Cell(_invoices(r["invoice_ids"]) if r["invoice_lines"] else "no invoice yet",
                    css="muted"),
             h.num(h.money(r["billed"])), h.num(logged),
             h.num(h.money(gap) if comparable else "n/a"),
             h.num(h.money(r["explained"])),
             h.num(h.money(unexplained) if comparable else "n/a",
                   "neg" if unexplained else "")]
        )  # fmt: skip
    section.body.append(
        h.table(
            ["Provider", "Month", "Currency", "Invoices", h.num("Billed"),
             h.num("Logged (contracted)"), h.num("Gap"), h.num("Explained"),
             h.num("Unexplained")],
            rows,
            "n/a: billed and logged in different currencies, compared only after fx in the "
            "allocation (fct_allocated_costs).",
        )
    )  # fmt: skip
    causes = fq.reconciliation_causes(con)
    section.body.append("<h3>The gap by cause</h3>")
    section.body.append(
        h.table(
            ["Provider", "Month", "Currency", "Cause", h.num("Rows"), h.num("Billed"),
             h.num("Gap")],
            [
                [h.ident(r["provider"]), h.when(r["billing_period"]), r["currency"],
                 h.wrap(r["explanation"]),
                 h.num(h.count(r["rows"])), h.num(h.money(r["billed"])),
                 h.num(h.money(r["gap"]) if r["gap"] is not None else "n/a")]
                for r in causes.iter_rows(named=True)
            ],
            "Unexplained causes are highlighted.",
            row_classes=["flag" if u else "" for u in causes["unexplained"].to_list()],
        )
    )  # fmt: skip
    return section
