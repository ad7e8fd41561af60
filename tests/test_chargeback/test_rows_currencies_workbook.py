"""Chargeback rows finance can use: one invoice per row, unknown costs blank, statements in one
currency per business unit with the fx rate really applied, per-currency manifest totals, the
workbook, and never a USD amount under an EUR label."""

import json
from datetime import date
from decimal import Decimal as D

import openpyxl
import polars as pl

from pipelines.lib.chargeback.workbook import LINES, SUMMARY
from pipelines.lib.invoices.allocation import FxRates
from tests.test_chargeback.test_chargeback import OCT1, SEP1, SEP30, cell, line, run

USD_EUR = D("0.9")  # 1 USD = 0.9 EUR; EUR -> USD is 1 / 0.9 = 1.111111111111 (12 decimals)


def bedrock_cell(tenant, cost, day=SEP1):
    return {**cell(tenant, cost, day=day), "provider": "aws_bedrock", "model": "claude"}


def test_a_correction_gets_its_own_row_and_the_logs_sit_on_one_row(tmp_path):
    september = [line("4.00"), line("1.00", start=SEP30, line_no=2)]
    october = [
        line("2.00", invoice="INV-10", period=OCT1, start=OCT1),
        line("0.50", invoice="INV-10", period=OCT1, start=SEP30, line_no=2),
    ]
    usage = [cell("a", "3"), cell("a", "1", day=SEP30), cell("b", "1", day=SEP30)]
    usage.append(cell("a", "2", day=OCT1))
    _, cb = run(tmp_path, september + october, usage)
    assert "invoice_ids" not in cb.columns
    assert not any(";" in (v or "") for v in cb["invoice_id"])
    a = {r["invoice_id"]: r for r in cb.filter(pl.col("tenant_id") == "a").iter_rows(named=True)}
    assert set(a) == {"INV-09", "INV-10"}
    assert a["INV-10"]["invoice_billing_period"] == "2026-10"
    assert a["INV-10"]["correction_cost"] == D("0.25") and a["INV-10"]["usage_cost"] == 0
    # logged figures once: requests, tokens and costs on September's own invoice row
    assert (a["INV-09"]["requests"], a["INV-10"]["requests"]) == (10, 0)
    assert a["INV-09"]["contracted_cost"] == D("4.00") and a["INV-10"]["contracted_cost"] is None
    assert cb["requests"].sum() == 20  # two tenants x 10, not counted twice


def test_a_provisional_month_never_books_usd_under_an_eur_label(tmp_path):
    # Bedrock logs are priced in USD; no September invoice (provisional); the October invoice,
    # billed in EUR, corrects September 30 by 0.50 EUR.
    usage = [bedrock_cell("a", "3"), bedrock_cell("a", "1", day=SEP30)]
    october = [
        line(
            "2.00",
            invoice="AWS-10",
            period=OCT1,
            start=OCT1,
            provider="aws_bedrock",
            model="claude",
            currency="EUR",
        ),
        line(
            "0.50",
            invoice="AWS-10",
            period=OCT1,
            start=SEP30,
            provider="aws_bedrock",
            model="claude",
            currency="EUR",
            line_no=2,
        ),
    ]
    usage.append(bedrock_cell("a", "2", day=OCT1))
    fx = FxRates([(date(2026, 9, 1), "USD", "EUR", USD_EUR)])
    _, cb = run(tmp_path, october, usage, tenant_ids=("a",), fx=fx)
    assert set(cb["status"]) == {"provisional"}
    bedrock = cb.filter(pl.col("provider") == "aws_bedrock")
    rows = {(r["currency"], r["invoice_id"]): r for r in bedrock.iter_rows(named=True)}
    assert set(rows) == {("USD", None), ("EUR", "AWS-10")}
    logged = rows[("USD", None)]
    assert (logged["usage_cost"], logged["allocated_cost"]) == (D("4.00"), D("4.00"))
    assert logged["log_currency"] == "USD"
    correction = rows[("EUR", "AWS-10")]
    assert correction["usage_cost"] == 0 and correction["allocated_cost"] == D("0.50")
    # no EUR-labelled row carries the USD logged cost
    eur = cb.filter(pl.col("currency") == "EUR")
    assert eur["allocated_cost"].sum() == D("0.50")
    manifest = json.loads((tmp_path / "exports/chargeback/2026-09/manifest.json").read_text())
    assert manifest["totals_per_currency"] == {"EUR": "0.50", "USD": "4.00"}
    assert manifest["totals_per_provider"]["aws_bedrock"] == {"EUR": "0.50", "USD": "4.00"}


def test_unknown_costs_are_blank_never_zero(tmp_path):
    unpriced = {**cell("a", "0"), "list_cost": None, "contracted_cost": None, "currency": None}
    contract_only = {**cell("b", "2"), "list_cost": None}
    _, cb = run(tmp_path, [], [unpriced, contract_only])
    by = {r["tenant_id"]: r for r in cb.iter_rows(named=True)}
    assert by["a"]["list_cost"] is None and by["a"]["contracted_cost"] is None
    assert by["a"]["allocated_cost"] is None  # provisional and unpriced: unknown, not 0.00
    assert by["b"]["list_cost"] is None and by["b"]["contracted_cost"] == D("2.00")
    csv = pl.read_csv(tmp_path / "exports/chargeback/2026-09/chargeback.csv", infer_schema=False)
    a_csv = csv.filter(pl.col("tenant_id") == "a").row(0, named=True)
    for column in ("list_cost", "contracted_cost", "usage_cost", "allocated_cost"):
        assert a_csv[column] is None, column  # an empty cell, not "0.00"
    assert a_csv["requests"] == "10" and a_csv["tax_cost"] == "0.00"  # known zeros stay
    manifest = json.loads((tmp_path / "exports/chargeback/2026-09/manifest.json").read_text())
    assert manifest["unknown_cost_rows"] == 1
    assert manifest["totals_per_currency"] == {"USD": "2.00"}


def test_one_business_unit_gets_one_statement_currency_with_the_rate_applied(tmp_path):
    # tenant a (bu) is billed 9.00 USD by openai; tenant b (same bu) 1.00 EUR by aws_bedrock.
    # The bu's main currency is USD: b's EUR row is converted at 1 / 0.9 = 1.111111111111
    # (12 decimals, the rate shown) -> 1.111111111111 -> 1.11 USD.
    fx = FxRates([(date(2026, 9, 1), "USD", "EUR", USD_EUR)])
    invoices = [
        line("9.00"),
        line("1.00", invoice="AWS-09", provider="aws_bedrock", model="claude", currency="EUR"),
    ]
    _, cb = run(tmp_path, invoices, [cell("a", "9"), bedrock_cell("b", "1")], fx=fx)
    assert set(cb["statement_currency"]) == {"USD"}
    b = cb.filter(pl.col("tenant_id") == "b").row(0, named=True)
    assert (b["currency"], b["allocated_cost"]) == ("EUR", D("1.00"))
    assert b["fx_rate"] == D("1.111111111111")
    assert b["statement_allocated_cost"] == D("1.11")
    manifest = json.loads((tmp_path / "exports/chargeback/2026-09/manifest.json").read_text())
    assert manifest["statement_totals_per_business_unit"] == {"bu": {"USD": "10.11"}}
    tenants = {t["tenant_id"]: t for t in manifest["tenants"]}
    assert tenants["b"]["allocated_cost"]["EUR"] == "1.00"  # (and 0.00 USD of openai calls)
    assert tenants["b"]["statement"] == {"USD": "1.11"}


def test_statement_rows_add_up_to_the_converted_total_by_largest_remainder(tmp_path):
    # 10.00 USD over one tenant's three features 1 : 1 : 1 -> 3.34 / 3.33 / 3.33; at 0.9 EUR the
    # exact amounts are 3.006 / 2.997 / 2.997 = 9.000 -> 9.00. Largest remainder floors them to
    # 3.00 / 2.99 / 2.99 (8.98) and gives the 2 missing cents to the largest fractions (.7, .7).
    fx = FxRates([(date(2026, 9, 1), "USD", "EUR", USD_EUR)])
    usage = [{**cell("a", "1"), "feature": f} for f in ("f1", "f2", "f3")]
    _, cb = run(tmp_path, [line("10.00")], usage, tenant_ids=("a",), fx=fx, currency="EUR")
    cb = cb.filter(pl.col("feature") != "chat")  # (the helper's request counts are for "chat")
    assert sorted(cb["allocated_cost"].to_list()) == [D("3.33"), D("3.33"), D("3.34")]
    assert cb["statement_allocated_cost"].to_list() == [D("3.00")] * 3
    for r in cb.iter_rows(named=True):
        exact = r["allocated_cost"] * r["fx_rate"]
        assert abs(r["statement_allocated_cost"] - exact) < D("0.01")


def test_the_workbook_reads_back_with_summary_lines_and_currency_formats(tmp_path):
    fx = FxRates([(date(2026, 9, 1), "USD", "EUR", USD_EUR)])
    invoices = [
        line("9.00"),
        line("1.00", invoice="AWS-09", provider="aws_bedrock", model="claude", currency="EUR"),
    ]
    _, cb = run(tmp_path, invoices, [cell("a", "9"), bedrock_cell("b", "1")], fx=fx)
    book = openpyxl.load_workbook(tmp_path / "exports/chargeback/2026-09/chargeback.xlsx")
    assert book.sheetnames == [SUMMARY, LINES]
    lines = list(book[LINES].iter_rows(values_only=True))
    assert list(lines[0]) == cb.columns
    assert len(lines) == 1 + len(cb)
    col = {name: i for i, name in enumerate(lines[0])}
    got = sorted(D(str(r[col["allocated_cost"]])) for r in lines[1:])
    assert got == sorted(cb["allocated_cost"].to_list())
    eur_row = next(i for i, r in enumerate(lines) if r[col["currency"]] == "EUR")
    fmt = book[LINES].cell(row=eur_row + 1, column=col["allocated_cost"] + 1).number_format
    assert '"EUR"' in fmt
    summary = list(book[SUMMARY].iter_rows(values_only=True))
    assert summary[0][:2] == ("business_unit", "tenant_id")
    totals = [r for r in summary[1:] if str(r[0]).startswith("Total ")]
    assert [(r[0], r[4], D(str(r[5]))) for r in totals] == [("Total bu", "USD", D("10.11"))]


def test_tab_and_cr_prefixed_ids_are_neutralised_in_csv_statements_and_workbook(tmp_path):
    ids = ("\tx", "\r=1+1", "ok")
    run(tmp_path, [line("3.00")], [cell(t, "1") for t in ids], tenant_ids=ids)
    month = tmp_path / "exports/chargeback/2026-09"
    assert set(pl.read_parquet(month / "chargeback.parquet")["tenant_id"]) == set(ids)
    for path in [month / "chargeback.csv", *(month / "tenants").glob("*.csv")]:
        shown = pl.read_csv(path, infer_schema=False)["tenant_id"].to_list()
        assert all(v == "ok" or v.startswith("'") for v in shown), (path.name, shown)
    book = openpyxl.load_workbook(month / "chargeback.xlsx")
    shown = {r[3] for r in book[LINES].iter_rows(min_row=2, values_only=True)}
    assert len(shown) == 3 and all(
        v == "ok" or v.startswith("'") for v in shown
    )  # (XML reads CR as LF)
