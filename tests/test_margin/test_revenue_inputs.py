"""Revenue inputs: revenue.csv, Stripe Dashboard CSV, Stripe API JSON, generic billing CSV."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipelines.lib.catalog import CatalogError, load_billing_customers
from pipelines.lib.margin import RevenueError, read_revenue
from pipelines.lib.margin.generic_billing import read_generic_billing
from pipelines.lib.margin.lines import currency_exponent, parse_minor_units
from pipelines.lib.margin.revenue_csv import read_revenue_csv
from pipelines.lib.margin.stripe_invoices import read_stripe_csv, read_stripe_json

FIXTURES = Path(__file__).with_name("fixtures")
TENANTS = (
    "tenant_id,tenant_name,business_unit,cost_center,billing_customer_id\n"
    "acme,Acme,Enterprise,CC-1,cus_PxA1b2C3d4E5f6\n"
    "kaiju,Kaiju,Enterprise,CC-2,cus_QyZ9x8W7v6U5t4;ERP-0042\n"
    "solo,Solo,SMB,CC-3,\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_revenue_csv_rows_are_exact_and_add_up(tmp_path: Path) -> None:
    path = write(
        tmp_path / "revenue.csv",
        "tenant_id,billing_period,amount,currency,feature,description\n"
        "acme,2026-10,1200.10,usd,,Plan\n"
        "acme,2026-10,0.20,USD,email_copilot,Add-on\n"
        "acme,2026-10,-0.30,USD,,Credit\n",
    )
    rows = read_revenue_csv(path, "catalog/revenue.csv")
    assert [r["amount"] for r in rows] == [Decimal("1200.10"), Decimal("0.20"), Decimal("-0.30")]
    assert sum(r["amount"] for r in rows) == Decimal("1200.00")  # 0.1 + 0.2 - 0.3 exactly
    assert {r["currency"] for r in rows} == {"USD"}
    assert [r["feature"] for r in rows] == [None, "email_copilot", None]
    assert [r["source_line"] for r in rows] == [2, 3, 4]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("acme,2026-10,1e5,USD", "catalog/revenue.csv:2:amount"),
        ("acme,2026-10,NaN,USD", "catalog/revenue.csv:2:amount"),
        ('acme,2026-10,"1,200.00",USD', "catalog/revenue.csv:2:amount"),
        ("acme,2026-13,1.00,USD", "catalog/revenue.csv:2:billing_period"),
        ("acme,2026-10,1.00,US Dollar", "catalog/revenue.csv:2:currency"),
        (",2026-10,1.00,USD", "catalog/revenue.csv:2:tenant_id"),
    ],
)
def test_revenue_csv_errors_name_file_line_field(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path / "r.csv", f"tenant_id,billing_period,amount,currency\n{line}\n")
    with pytest.raises(RevenueError, match=re.escape(message)):
        read_revenue_csv(path, "catalog/revenue.csv")


def test_missing_column_names_the_header_line(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "tenant_id,billing_period,amount\nacme,2026-10,1\n")
    with pytest.raises(RevenueError, match=re.escape("r.csv:1:currency: missing column")):
        read_revenue_csv(path, "r.csv")


def test_stripe_dashboard_export_counts_paid_and_open_without_tax() -> None:
    rows, skipped = read_stripe_csv(FIXTURES / "stripe_dashboard_invoices.csv", "x.csv")
    by_id = {r["invoice_id"]: r for r in rows}
    assert skipped == 3  # void, draft, uncollectible
    assert set(by_id) == {
        "in_1Q2w3E4r5T6y7U8i",
        "in_1Q2w3E4r5T6y7U9j",
        "in_1Q2w3E4r5T6y7V2m",
        "in_1Q2w3E4r5T6y7V4o",
    }
    paid = by_id["in_1Q2w3E4r5T6y7U8i"]
    assert (paid["amount"], paid["currency"], paid["billing_period"]) == (
        Decimal("1200.00"),  # Total 1296.00 - Tax 96.00
        "USD",
        "2026-10",
    )
    assert by_id["in_1Q2w3E4r5T6y7U9j"]["feature"] == "email_copilot"
    assert by_id["in_1Q2w3E4r5T6y7U9j"]["invoice_status"] == "open"
    # no Period Start: the invoice date's month; JPY is already in yen in the Dashboard export
    yen = by_id["in_1Q2w3E4r5T6y7V2m"]
    assert (yen["amount"], yen["currency"], yen["billing_period"]) == (
        Decimal("150000"),
        "JPY",
        "2026-09",
    )


def test_stripe_api_invoices_convert_minor_units_exactly() -> None:
    rows, skipped = read_stripe_json(FIXTURES / "stripe_api_invoices.json", "inv.json")
    assert skipped == 1  # void
    got = {r["invoice_id"][-4:]: (r["amount"], r["currency"], r["billing_period"]) for r in rows}
    assert got == {
        "J3cX": (Decimal("1200.00"), "USD", "2026-10"),  # total 129600 - tax 9600 cents
        "K4dY": (Decimal("80.50"), "USD", "2026-10"),  # total_excluding_tax 8050 cents
        "L5eZ": (Decimal("150000"), "JPY", "2026-09"),  # zero-decimal currency
        "M6fA": (Decimal("12.340"), "KWD", "2026-09"),  # three-decimal currency
    }
    expanded = next(r for r in rows if r["invoice_id"].endswith("K4dY"))
    assert expanded["billing_customer_id"] == "cus_PxA1b2C3d4E5f6"
    assert expanded["feature"] == "email_copilot"
    assert [r["source_line"] for r in rows] == [1, 2, 3, 4]


def test_minor_units_by_currency_exponent() -> None:
    assert [currency_exponent(c) for c in ("usd", "JPY", "KWD", "EUR")] == [2, 0, 3, 2]
    assert parse_minor_units(1, "usd", "x") == Decimal("0.01")
    assert parse_minor_units(-250, "jpy", "x") == Decimal("-250")
    with pytest.raises(RevenueError, match="x: must be an integer"):
        parse_minor_units(12.5, "usd", "x")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('"status": "paid"', '"status": "refunded"', 1), "inv.json:record 1:status"),
        (('"total": 129600', '"total": 1296.0', 1), "inv.json:record 1:total"),
        (('"currency": "usd"', '"currency": 840', 1), "inv.json:record 1:currency"),
        (('"start": 1790812800', '"start": "2026-10"', 1), "record 1:lines.data[0].period.start"),
        (('"period_end": 1791849600', '"period_end": "2026-10"', 1), "record 2:period_end"),
    ],
)
def test_stripe_api_errors_name_the_record_and_field(
    tmp_path: Path, change: tuple[str, str, int], message: str
) -> None:
    old, new, count = change
    text = (FIXTURES / "stripe_api_invoices.json").read_text(encoding="utf-8")
    path = write(tmp_path / "inv.json", text.replace(old, new, count))
    with pytest.raises(RevenueError, match=re.escape(message)):
        read_stripe_json(path, "inv.json")


def test_stripe_csv_error_names_line_and_header(tmp_path: Path) -> None:
    text = (FIXTURES / "stripe_dashboard_invoices.csv").read_text(encoding="utf-8")
    path = write(tmp_path / "s.csv", text.replace(",1296.00,1296.00,1296.00,", ",12e2,1296,1,", 1))
    with pytest.raises(RevenueError, match=re.escape("s.csv:2:Total")):
        read_stripe_csv(path, "s.csv")


def test_generic_billing_csv_keeps_credits() -> None:
    rows = read_generic_billing(FIXTURES / "generic_billing.csv", "g.csv")
    assert [(r["billing_period"], r["amount"]) for r in rows] == [
        ("2026-09", Decimal("99.90")),
        ("2026-09", Decimal("-9.90")),
        ("2026-10", Decimal("99.90")),
    ]
    assert rows[2]["feature"] == "account_summary"
    assert rows[1]["invoice_id"] == "ERP-CN-2026-0903"


def test_reader_maps_customers_and_quarantines_strangers(tmp_path: Path) -> None:
    write(tmp_path / "catalog" / "tenants.csv", TENANTS)
    write(
        tmp_path / "catalog" / "revenue.csv",
        "tenant_id,billing_period,amount,currency\nsolo,2026-10,10.00,USD\n"
        "nobody,2026-10,5.00,USD\n",
    )
    stripe = tmp_path / "billing" / "stripe"
    stripe.mkdir(parents=True)
    shutil.copy(FIXTURES / "stripe_dashboard_invoices.csv", stripe / "export.csv")
    shutil.copy(FIXTURES / "stripe_api_invoices.json", stripe / "api.json")
    generic = tmp_path / "billing" / "generic"
    generic.mkdir(parents=True)
    shutil.copy(FIXTURES / "generic_billing.csv", generic / "erp.csv")
    batch = read_revenue(tmp_path)
    assert batch.files == [
        "catalog/revenue.csv",
        "billing/stripe/export.csv",
        "billing/stripe/api.json",
        "billing/generic/erp.csv",
    ]
    assert batch.skipped_invoices == 4
    lines = batch.lines
    assert sorted(set(lines["tenant_id"])) == ["acme", "kaiju", "solo"]
    # nothing lost: every counted line is loaded or quarantined
    assert len(lines) + len(batch.quarantined) == 2 + 4 + 4 + 3
    reasons = {(r["source_file"], r["field"]) for r in batch.quarantined.iter_rows(named=True)}
    assert reasons == {
        ("catalog/revenue.csv", "tenant_id"),  # nobody
        ("billing/stripe/export.csv", "customer"),  # cus_NotInCatalog01
        ("billing/stripe/api.json", "customer"),  # the KWD customer
    }
    acme = lines.filter(lines["tenant_id"] == "acme")
    # the export and the API JSON hold different invoice ids here: 1200 + 80.50 from each
    assert acme["amount"].sum() == Decimal("2561.00")
    assert batch.duplicate_invoices == 0


def test_a_stripe_invoice_in_two_files_counts_once(tmp_path: Path) -> None:
    write(tmp_path / "catalog" / "tenants.csv", TENANTS)
    stripe = tmp_path / "billing" / "stripe"
    stripe.mkdir(parents=True)
    shutil.copy(FIXTURES / "stripe_api_invoices.json", stripe / "api.json")
    shutil.copy(FIXTURES / "stripe_api_invoices.json", stripe / "api (1).json")
    batch = read_revenue(tmp_path)
    assert batch.duplicate_invoices == 4  # every counted invoice of the second copy
    totals = dict(batch.lines.group_by("currency").agg(pl.col("amount").sum()).rows())
    assert totals == {"USD": Decimal("1280.50"), "JPY": Decimal("150000")}  # each once
    text = (FIXTURES / "stripe_api_invoices.json").read_text(encoding="utf-8")
    write(
        stripe / "api (1).json",
        text.replace('"total": 8050,', '"total": 9050,', 1).replace(
            '"total_excluding_tax": 8050', '"total_excluding_tax": 9050', 1
        ),
    )
    with pytest.raises(
        RevenueError, match=re.escape("billing/stripe/api.json:record 2:id: Stripe invoice")
    ):
        read_revenue(tmp_path)


def test_billing_customer_owned_by_two_tenants_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "tenants.csv", TENANTS + "dup,Dup,SMB,CC-4,ERP-0042\n")
    with pytest.raises(CatalogError, match=re.escape("line 5, billing_customer_id: 'ERP-0042'")):
        load_billing_customers(path)


def test_tenants_without_the_column_map_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "tenants.csv", "tenant_id,tenant_name,business_unit,cost_center\n")
    assert load_billing_customers(path) == {}
