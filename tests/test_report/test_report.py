"""`write_report`: a self-contained page with every section, degrading when tables are missing."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.cli.report import render_report, write_report
from pipelines.lib.report import charts, sections
from pipelines.lib.report import html as h


def test_writes_index_html_under_output_report(full_warehouse: Path, tmp_path: Path) -> None:
    written = write_report(full_warehouse, tmp_path / "out")
    assert written == tmp_path / "out" / "report" / "index.html"
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    explicit = write_report(full_warehouse, tmp_path / "elsewhere" / "page.html")
    assert explicit.is_file()


def test_every_section_heading_and_no_error(full_warehouse: Path) -> None:
    page = render_report(full_warehouse)
    for title in sections.SECTION_TITLES:
        assert f"<h2>{h.escape(title)}</h2>" in page
    assert "Not available" not in page
    assert "Could not be read" not in page
    assert "Data window 2026-03-01 to 2026-04-10 (41 days, UTC)" in page
    assert "generated at" in page


def test_self_contained_no_network_reference(full_warehouse: Path) -> None:
    page = render_report(full_warehouse)
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)
    assert "<script" not in page
    assert page.count("<svg") >= 5


def test_money_is_right_aligned_and_negative_savings_shown(full_warehouse: Path) -> None:
    page = render_report(full_warehouse)
    assert re.search(r"<td class='num'>[\d,]+\.\d\d USD</td>", page)
    # the prefix write premium is a cost: drawn as a negative (red) bar
    assert "Prefix write premium" in page
    assert re.search(r"fill='#dc2626'>-\d+\.\d\d USD</text>", page)


def test_flags_and_budgets_rendered(full_warehouse: Path) -> None:
    page = render_report(full_warehouse)
    assert "freeze</span>" in page
    assert "<tr class='flag'>" in page
    assert "<span class='badge bad'>hard</span>" in page
    assert "3 budgets" in page


def test_header_totals_match_the_warehouse(full_warehouse: Path) -> None:
    con = duckdb.connect(str(full_warehouse), read_only=True)
    try:
        spend, unpriced = con.execute(
            "select sum(contracted_cost), count(*) filter (where price_status = 'unpriced') "
            "from fct_cost_lines where environment = 'prod'"
        ).fetchall()[0]
    finally:
        con.close()
    page = render_report(full_warehouse)
    assert f"<div class='card-value'>{h.money(spend, 'USD')}</div>" in page
    assert f"<div class='card-value'>{unpriced}</div>" in page


def test_missing_tables_degrade_to_a_message(bare_warehouse: Path, tmp_path: Path) -> None:
    page = write_report(bare_warehouse, tmp_path).read_text(encoding="utf-8")
    for title in sections.SECTION_TITLES:
        assert f"<h2>{h.escape(title)}</h2>" in page
    for table in ("mart_feature_unit_costs", "mart_cache_efficiency", "mart_budget_status",
                  "mart_weekly_scorecard", "mart_risk", "chargeback_lines",
                  "mart_invoice_reconciliation"):  # fmt: skip
        assert f"table {table} is not in the warehouse" in page
    assert "Cost per tenant over time</h2><p class='intro'>Production" in page
    assert "Table quarantine_requests is not in the warehouse." in page


def test_report_opens_the_warehouse_read_only(full_warehouse: Path, tmp_path: Path) -> None:
    writer = duckdb.connect(str(full_warehouse), read_only=True)  # another reader at the same time
    try:
        write_report(full_warehouse, tmp_path)
    finally:
        writer.close()


def test_money_display_rounding() -> None:
    assert h.money(Decimal("1234.565"), "USD") == "1,234.56 USD"  # half-even, display only
    assert h.money(Decimal("-0.0001"), places=2) == "-0.00010"  # small, never shown as 0.00
    assert h.money(Decimal("-0.0000")) == "0.00"
    assert h.unit_money(Decimal("0.012345"), "EUR") == "0.0123 EUR"
    assert h.money(None) == h.DASH


def test_charts_escape_labels_and_handle_empty() -> None:
    svg = charts.bar_chart([("<b>", Decimal("-1")), ("ok", 2)], title="t", value_format=str)
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert "no data" in charts.line_chart({}, title="t", value_format=str)
