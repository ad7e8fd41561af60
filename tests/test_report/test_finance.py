"""The report's finance view: chargeback, billed against logged, budget burn-down, the headline
spend, unpriced and quarantined reasons, daily points and small amounts."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.cli.report import render_report
from pipelines.lib.report import finance_queries
from pipelines.lib.report import html as h


def _query(warehouse: Path, sql: str, params: object = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _section(page: str, anchor: str) -> str:
    start = page.index(f"<section id='{anchor}'>")
    return page[start : page.index("</section>", start)]


def _cells(row_html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html)]


def _rows(html: str, css: str = "") -> list[list[str]]:
    opening = f"<tr class='{css}'>" if css else "<tr>"
    found = [_cells(r) for r in re.findall(re.escape(opening) + r"(.*?)</tr>", html)]
    return [cells for cells in found if cells]  # header rows have no <td>


@pytest.fixture(scope="module")
def page(full_warehouse: Path) -> str:
    return render_report(full_warehouse)


def test_chargeback_per_month_business_unit_and_currency(page: str, full_warehouse: Path):
    section = _section(page, "chargeback")
    assert "<h3>2026-03 · final (issue 1)</h3>" in section
    assert "<h3>2026-04 · provisional</h3>" in section
    march = section[: section.index("<h3>2026-04")]
    subtotals = {(r[1], r[3]): r for r in _rows(march, "subtotal")}
    for unit, currency in (("Sales", "USD"), ("Support", "USD"), ("Sales", "EUR")):
        (expected,) = _query(
            full_warehouse,
            "select sum(allocated_cost) from chargeback_lines where billing_period = '2026-03' "
            "and business_unit = ? and currency = ?",
            [unit, currency],
        )[0]
        assert subtotals[(f"{unit} total", currency)][6] == h.money(expected)
    # the month total is per currency: the EUR line is never added to the USD total
    usd_total, eur_total = _query(
        full_warehouse,
        "select sum(allocated_cost) filter (where currency = 'USD'), "
        "sum(allocated_cost) filter (where currency = 'EUR') from chargeback_lines "
        "where billing_period = '2026-03'",
    )[0]
    assert subtotals[("Month total", "USD")][6] == h.money(usd_total)
    assert subtotals[("Month total", "EUR")][6] == h.money(eur_total) == "12.34"
    assert "unallocated" in march and "INV-P-2026-03" in march
    tenants = [r for r in _rows(march) if r[0] == "final"]
    assert len({r[2] for r in tenants}) == 9  # eight tenants and the unallocated lines
    april = section[section.index("<h3>2026-04") : section.index("Statements in each")]
    t03 = next(r for r in _rows(april) if r[2] == "Acme T03")
    (known,) = _query(
        full_warehouse,
        "select sum(allocated_cost) from chargeback_lines where billing_period = '2026-04' "
        "and tenant_id = 't03'",
    )[0]
    assert t03[6] == f"{h.money(known)} + n/a"  # unpriced usage: unknown, never added as 0
    assert {r[1]: r[6] for r in _rows(april, "subtotal")}["Month total"].endswith(" + n/a")


def test_statements_in_the_tenants_currency(page: str, full_warehouse: Path) -> None:
    section = _section(page, "chargeback")
    statements = section[section.index("Statements in each tenant's currency") :]
    rows = {(r[0], r[1], r[2]): r for r in _rows(statements)}
    (sales,) = _query(
        full_warehouse,
        "select sum(statement_allocated_cost) from chargeback_lines "
        "where billing_period = '2026-03' and business_unit = 'Sales'",
    )[0]
    # the EUR invoice line joins Sales' USD statement total at its rate (12.34 x 1.1 = 13.57)
    sales_total = next(
        r for r in _rows(statements, "subtotal") if r[:2] == ["2026-03", "Sales total"]
    )
    assert sales_total[3:] == ["USD", h.money(sales)]
    (t02,) = _query(
        full_warehouse,
        "select sum(statement_allocated_cost) from chargeback_lines "
        "where billing_period = '2026-03' and tenant_id = 't02'",
    )[0]
    assert rows[("2026-03", "Sales", "Acme T02")][3:] == ["USD", h.money(t02)]
    assert rows[("2026-04", "Support", "Acme T03")][4].endswith(" + n/a")


def test_chargeback_reads_warehouses_published_before_one_invoice_per_row(
    full_warehouse: Path, tmp_path: Path
) -> None:
    older = tmp_path / "older.duckdb"
    shutil.copy(full_warehouse, older)
    con = duckdb.connect(str(older))
    try:  # the column as published before: `invoice_ids`, several invoices joined by ';'
        con.execute("alter table chargeback_lines rename column invoice_id to invoice_ids")
        con.execute(
            "update chargeback_lines set invoice_ids = 'INV-P-2026-03;INV-P-2026-04' "
            "where tenant_id = 't01' and billing_period = '2026-03'"
        )
    finally:
        con.close()
    section = _section(render_report(older), "chargeback")
    assert "Could not be read" not in section
    t01 = next(r for r in _rows(section) if r[2] == "Acme T01")
    assert t01[7] == "INV-P-2026-03, INV-P-2026-04"


def test_billed_against_logged_splits_the_gap(page: str, full_warehouse: Path) -> None:
    section = _section(page, "reconciliation")
    summary = section[: section.index("The gap by cause")]
    rows = {(r[0], r[1], r[2]): r for r in _rows(summary)}
    p_march = rows[("p", "2026-03", "USD")]
    # billed, logged, gap, explained, unexplained (fixture: 191.30 - 177.50 = 11.30 + 2.50)
    assert p_march[4:9] == ["191.30", "177.50", "13.80", "11.30", "2.50"]
    q_march = rows[("q", "2026-03", "EUR")]
    assert q_march[5] == "13.00 USD" and q_march[6] == "n/a" and q_march[8] == "n/a"
    assert rows[("p", "2026-04", "USD")][3] == "no invoice yet"
    assert rows[("p", "2026-04", "USD")][6] == "-40.25"
    flagged = _rows(section, "flag")
    assert [r[3] for r in flagged] == [
        "billed above logged cost: price above contract or untracked usage"
    ]
    con = duckdb.connect(str(full_warehouse), read_only=True)
    try:
        frame = finance_queries.reconciliation_summary(con)
    finally:
        con.close()
    for r in frame.iter_rows(named=True):
        if r["incomparable_rows"] == 0:
            assert r["explained"] + r["unexplained"] == r["billed"] - r["logged"], r


def test_budget_burndown_draws_each_budget(page: str, full_warehouse: Path) -> None:
    section = _section(page, "budgets")
    assert section.count("<svg") == 3
    assert "aria-label='Budget burn-down, t01 (USD)'" in section
    assert "aria-label='Budget burn-down, t02 · copilot (USD)'" in section
    # the hard budget first, its limit drawn dashed red, its forecast dashed to the month's end
    assert section.index("t01 <span class='badge bad'>hard") < section.index("t05 <span")
    assert "61.20 USD to date of 50.00 USD; forecast 180.00 USD" in section
    assert "stroke='#dc2626' stroke-width='1.5' stroke-dasharray" in section
    assert section.count("<li>") == 3  # the legend: month to date, forecast, limit
    free = dict(
        _query(
            full_warehouse,
            "select tenant_id, month_to_date from int_spend_forecasted where feature is null "
            "and day = date '2026-04-10' and tenant_id not in ('t01', 't05')",
        )
    )
    listed = section[section.index("Tenants without a tenant-wide budget") :]
    shown = {r[0]: r[1] for r in _rows(listed)}
    assert shown == {t: h.money(v, "USD") for t, v in free.items()}


def test_without_budgets_every_tenant_shows_month_to_date_and_forecast(
    full_warehouse: Path, tmp_path: Path
) -> None:
    unbudgeted = tmp_path / "no_budgets.duckdb"
    shutil.copy(full_warehouse, unbudgeted)
    con = duckdb.connect(str(unbudgeted))
    try:
        con.execute("delete from mart_budget_status")
    finally:
        con.close()
    section = _section(render_report(unbudgeted), "budgets")
    assert "No budgets are defined" in section and "<svg" not in section
    listed = section[section.index("Tenants without a tenant-wide budget, 2026-04-10") :]
    expected = _query(
        unbudgeted,
        "select tenant_id, month_to_date from int_spend_forecasted "
        "where feature is null and day = date '2026-04-10'",
    )
    assert {r[0]: r[1] for r in _rows(listed)} == {t: h.money(v, "USD") for t, v in expected}
    assert len(expected) == 8


def test_headline_says_invoiced_or_estimate(page: str, full_warehouse: Path) -> None:
    final_usd, final_eur, provisional, estimate = _query(
        full_warehouse,
        """select (select sum(allocated_cost) from chargeback_lines where environment = 'prod'
                   and status = 'final' and currency = 'USD'),
                  (select sum(allocated_cost) from chargeback_lines where environment = 'prod'
                   and status = 'final' and currency = 'EUR'),
                  (select sum(allocated_cost) from chargeback_lines where environment = 'prod'
                   and status = 'provisional'),
                  (select sum(contracted_cost) from fct_cost_lines where environment = 'prod')""",
    )[0]
    header = page[: page.index("<main>")]

    def card(label: str) -> str:
        found = re.search(
            re.escape(f"<div class='card-label'>{label}</div>")
            + r"<div class='card-value'>(.*?)</div>",
            header,
        )
        assert found, label
        return found.group(1)

    assert card("Prod spend, invoiced (USD)") == h.money(final_usd, "USD")
    assert card("Prod spend, invoiced (EUR)") == h.money(final_eur, "EUR")
    assert card("Prod spend, provisional (USD)") == h.money(provisional, "USD")
    assert card("Prod spend, log estimate (USD)") == h.money(estimate, "USD")
    assert "allocated invoices, final months 2026-03" in header
    assert "estimate: logged tokens x contracted prices" in header
    assert "log estimate until the invoice arrives: 2026-04; unpriced usage not included" in header
    assert "<div class='card-label'>Prod spend (USD)</div>" not in header


def test_unpriced_and_quarantined_reasons(page: str) -> None:
    section = _section(page, "quality")
    assert "no list or contract price for p/m-x" in section
    reasons = {r[1]: r for r in _rows(section[section.index("<h3>Quarantine") :])}
    assert set(reasons) == {"timestamp without offset", "duplicate request_id", "not valid JSON"}
    assert reasons["timestamp without offset"][4] == "requests/day1.jsonl:3"


def test_cost_over_time_has_daily_points_up_to_120_days(
    full_warehouse: Path, bare_warehouse: Path, tmp_path: Path
) -> None:
    tenants = _section(render_report(full_warehouse), "tenants")
    assert "Cost per day, USD." in tenants
    days = _query(
        full_warehouse,
        "select count(distinct request_date) from fct_cost_lines where environment = 'prod'",
    )[0][0]
    lines = re.findall(r"<polyline [^>]*points='([^']*)'", tenants)
    assert lines and all(len(points.split()) == days for points in lines)  # one point a day
    longer = tmp_path / "long.duckdb"
    shutil.copy(bare_warehouse, longer)
    con = duckdb.connect(str(longer))
    try:  # the same data again 150 days later: a 191-day window is averaged by week
        con.execute(
            "insert into fct_cost_lines select * replace (request_date + 150 as request_date) "
            "from fct_cost_lines"
        )
    finally:
        con.close()
    weekly = _section(render_report(longer), "tenants")
    assert "Average contracted cost per day, by week (Monday)" in weekly


def test_small_amounts_keep_their_digits() -> None:
    assert h.money(Decimal("0.0034"), "USD") == "0.0034 USD"
    assert h.money(Decimal("0.00000335")) == "0.0000034"
    assert h.money(Decimal("-0.001")) == "-0.0010"
    assert h.money(Decimal("0.005")) == "0.0050"  # half-even would print 0.00
    assert h.money(Decimal("0.000000001")) == "< 0.00000001"
    assert h.money(Decimal("0")) == h.money(Decimal("-0.0000")) == "0.00"
    assert h.money(None) == h.DASH  # unknown stays blank, never 0.00
