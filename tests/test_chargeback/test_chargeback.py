"""Monthly chargeback: statuses, statements per tenant, manifest, re-issues, currencies."""

import hashlib
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.lib.chargeback import build_chargeback, export_month, tenant_file_name
from pipelines.lib.chargeback.export import invoice_summary
from pipelines.lib.invoices import invoice_totals
from pipelines.lib.invoices.allocation import USAGE_CELL_COLUMNS, FxRates, allocate
from pipelines.lib.invoices.lines import INVOICE_LINE_COLUMNS
from pipelines.lib.publish import publish_staged
from pipelines.lib.safe_csv import neutralise

SEP1, SEP30, OCT1, NOV1 = date(2026, 9, 1), date(2026, 9, 30), date(2026, 10, 1), date(2026, 11, 1)
COUNT_SCHEMA = {
    "tenant_id": pl.String(),
    "feature": pl.String(),
    "environment": pl.String(),
    "provider": pl.String(),
    "model": pl.String(),
    "request_date": pl.Date(),
    "requests": pl.Int64(),
}
TENANT_SCHEMA = {
    "tenant_id": pl.String(),
    "tenant_name": pl.String(),
    "business_unit": pl.String(),
    "cost_center": pl.String(),
    "currency": pl.String(),
}


def line(
    amount,
    *,
    invoice="INV-09",
    category="Usage",
    model="gpt-4.1",
    kind="input",
    start=SEP1,
    end=None,
    period=SEP1,
    provider="openai",
    line_no=1,
    currency="USD",
):
    return {
        "line_id": f"{invoice}#{line_no}",
        "InvoiceId": invoice,
        "InvoiceIssuerName": "OpenAI",
        "ProviderName": "OpenAI",
        "PublisherName": "OpenAI",
        "BillingAccountId": "org",
        "SubAccountId": None,
        "BillingPeriodStart": period,
        "BillingPeriodEnd": OCT1 if period == SEP1 else NOV1,
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end or date.fromordinal(start.toordinal() + 1),
        "ChargeCategory": category,
        "ChargeClass": "Correction" if start < period else None,
        "ChargeDescription": None,
        "provider": provider,
        "model": model,
        "x_vendor_model": model,
        "token_kind": kind,
        "service_tier": None,
        "quantity": None,
        "billed_cost": D(amount),
        "billing_currency": currency,
        "x_raw_line_item": "x",
        "source_format": "test",
        "source_file": invoice,
        "source_line": line_no,
    }


def cell(tenant, cost, *, day=SEP1, provider="openai", model="gpt-4.1", kind="input", tokens=1000):
    return {
        "tenant_id": tenant,
        "feature": "chat",
        "environment": "prod",
        "provider": provider,
        "model": model,
        "token_kind": kind,
        "charge_date": day,
        "tokens": tokens,
        "list_cost": D(cost) * 2,
        "contracted_cost": D(cost),
        "currency": "USD",
    }


def frame(rows, schema):
    return pl.DataFrame(rows, schema=schema, orient="row")


def tenants(*ids, currency=None):
    return frame(
        [
            {
                "tenant_id": t,
                "tenant_name": f"name {t}",
                "business_unit": "bu",
                "cost_center": "cc",
                "currency": currency,
            }
            for t in ids
        ],
        TENANT_SCHEMA,
    )


def counts(*ids, day=SEP1):
    return frame(
        [
            {
                "tenant_id": t,
                "feature": "chat",
                "environment": "prod",
                "provider": "openai",
                "model": "gpt-4.1",
                "request_date": day,
                "requests": 10,
            }
            for t in ids
        ],
        COUNT_SCHEMA,
    )


def run(tmp_path, invoice_rows, usage_rows, period="2026-09", tenant_ids=("a", "b"), **kw):
    lines = frame(invoice_rows, INVOICE_LINE_COLUMNS)
    usage = frame(usage_rows, USAGE_CELL_COLUMNS)
    allocated = allocate(lines, usage, kw.get("fx").rate if kw.get("fx") else None)
    rows = allocated.filter(pl.col("usage_period") == period)
    cb = build_chargeback(
        period,
        allocated,
        usage,
        counts(*tenant_ids),
        tenants(*tenant_ids),
        kw.get("fx"),
        kw.get("currency"),
    )
    contributing = lines.filter(pl.col("InvoiceId").is_in(rows["InvoiceId"].unique().to_list()))
    result = export_month(
        tmp_path,
        period,
        cb,
        contributing["line_id"].to_list(),
        invoice_summary(allocated, period, invoice_totals(lines)),
    )
    publish_staged(tmp_path)
    return result, cb


def test_without_invoice_the_month_is_provisional_at_contracted_prices(tmp_path):
    # logged contracted 1.005 + 2.005 = 3.01 exactly; rounded per row by largest remainder
    result, cb = run(tmp_path, [], [cell("a", "1.005"), cell("b", "2.005")])
    assert result.status == "provisional" and result.issue == 0
    assert set(cb["status"]) == {"provisional"}
    assert sum(cb["allocated_cost"]) == D("3.01")
    assert cb["usage_cost"].to_list() == cb["allocated_cost"].to_list()
    assert cb["requests"].to_list() == [10, 10]
    assert cb["list_cost"].sum() == D("6.02")  # list = 2 x contracted in these cells


def test_final_month_statements_manifest_and_hashes(tmp_path):
    # invoice 4.40 for a 3 : b 1 -> 3.30 / 1.10, tax 0.44 -> 0.33 / 0.11
    result, _cb = run(
        tmp_path,
        [
            line("4.40"),
            line("0.44", category="Tax", model=None, kind=None, end=OCT1, line_no=2),
        ],
        [cell("a", "3"), cell("b", "1")],
    )
    assert result.status == "final" and result.issue == 1 and result.action == "written"
    out = tmp_path / "exports" / "chargeback" / "2026-09"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "final" and manifest["focus_version"] == "1.2"
    assert manifest["invoices"]["INV-09"]["invoice_total"] == "4.84"
    assert manifest["invoices"]["INV-09"]["allocated_in_this_period"] == "4.84"
    assert manifest["totals_per_provider"] == {"openai": {"USD": "4.84"}}
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest
    a = pl.read_csv(out / manifest["tenants"][0]["file"], infer_schema=False)
    assert a["tenant_id"].to_list() == ["a"]
    assert a["allocated_cost"].to_list() == ["3.63"]  # 3.30 + 0.33
    csv_rows = pl.read_csv(out / "chargeback.csv", infer_schema=False)
    assert csv_rows.columns[:11] == [
        "billing_period",
        "status",
        "issue",
        "tenant_id",
        "tenant_name",
        "business_unit",
        "cost_center",
        "feature",
        "environment",
        "provider",
        "model",
    ]
    assert pl.read_parquet(out / "chargeback.parquet")["allocated_cost"].sum() == D("4.84")


def test_a_final_month_is_only_reissued_when_a_correction_arrives(tmp_path):
    september = [line("4.00"), line("1.00", start=SEP30, line_no=2)]
    usage = [cell("a", "3"), cell("b", "1"), cell("a", "1", day=SEP30), cell("b", "1", day=SEP30)]
    first, _ = run(tmp_path, september, usage)
    assert (first.status, first.issue) == ("final", 1)
    again, _ = run(tmp_path, september, usage)
    assert again.action == "unchanged"  # same invoice lines: the published month stays
    # The October invoice corrects Sep 30 by +0.50 (a 1 : b 1 -> +0.25 each)
    october = [
        line("2.00", invoice="INV-10", period=OCT1, start=OCT1),
        line("0.50", invoice="INV-10", period=OCT1, start=SEP30, line_no=2),
    ]
    usage.append(cell("a", "2", day=OCT1))
    result, cb = run(tmp_path, september + october, usage)
    assert (result.action, result.issue) == ("reissued", 2)
    out = tmp_path / "exports" / "chargeback" / "2026-09"
    rows = {(r["tenant_id"], r["invoice_id"]): r for r in cb.iter_rows(named=True)}
    published = pl.read_parquet(out / "chargeback.parquet")
    pub = {(r["tenant_id"], r["invoice_id"]): r for r in published.iter_rows(named=True)}
    # one invoice per row: September's rows are unchanged (a 3.00 + 0.50, b 1.00 + 0.50), the
    # October correction adds a row of +0.25 per tenant
    prev_change = lambda key: (pub[key]["previous_allocated_cost"], pub[key]["change"])  # noqa: E731
    assert prev_change(("a", "INV-09")) == (D("3.50"), D("0.00"))
    assert prev_change(("b", "INV-09")) == (D("1.50"), D("0.00"))
    assert prev_change(("a", "INV-10")) == (D("0.00"), D("0.25"))
    assert prev_change(("b", "INV-10")) == (D("0.00"), D("0.25"))
    assert rows[("a", "INV-10")]["correction_cost"] == D("0.25")
    assert rows[("a", "INV-10")]["invoice_billing_period"] == "2026-10"
    # the logged usage sits on September's own invoice row only
    assert rows[("a", "INV-09")]["requests"] == 10 and rows[("a", "INV-10")]["requests"] == 0
    assert rows[("a", "INV-10")]["list_cost"] is None
    assert (out / "issues" / "1" / "chargeback.csv").exists()
    restated = pl.read_csv(out / "restatements.csv", infer_schema=False)
    assert restated["change"].to_list() == ["0.25", "0.25"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["issue"] == 2 and manifest["restated_rows"] == 2
    assert "INV-10" in manifest["invoices"]


def test_statement_currency_conversion_keeps_the_original_amounts(tmp_path):
    # 10.00 USD over a 1 : b 1 -> 5.00 each; USD->EUR 0.915 on Sep 30 -> 4.575 each
    # per tenant statement total 4.575 -> 4.58 (banker's rounding keeps .575 -> .58)
    fx = FxRates([(date(2026, 9, 30), "USD", "EUR", D("0.915"))])
    _, cb = run(tmp_path, [line("10.00")], [cell("a", "1"), cell("b", "1")], fx=fx, currency="EUR")
    assert cb["allocated_cost"].to_list() == [D("5.00"), D("5.00")]
    assert cb["statement_currency"].to_list() == ["EUR", "EUR"]
    assert cb["fx_rate"].to_list() == [D("0.915"), D("0.915")]
    assert cb["statement_allocated_cost"].to_list() == [D("4.58"), D("4.58")]
    # no rate -> the statement amount stays empty rather than wrong
    _, cb = run(
        tmp_path / "x",
        [line("10.00")],
        [cell("a", "1"), cell("b", "1")],
        currency="GBP",
        fx=FxRates(),
    )
    assert cb["statement_allocated_cost"].null_count() == 2


@pytest.mark.parametrize(
    "tenant",
    [
        "../../etc/passwd",
        "a/b",
        "..",
        "",
        "x" * 300,
        "CON",
        'O\'Brien "Ltd"',
        "'; drop table t; --",
        "ümlaut/日本",
        "\x00nul",
        ".hidden",
    ],
)
def test_tenant_file_names_are_safe(tenant):
    name = tenant_file_name(tenant)
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert name.endswith(".csv") and len(name) <= 60
    assert all(c.isascii() and (c.isalnum() or c in "-.") for c in name)
    assert tenant_file_name(tenant) == name and tenant_file_name(tenant + "x") != name


tenant_ids = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            "/",
            ".",
            "..",
            "'",
            '"',
            ";",
            " ",
            "-",
            "ü",
            "日",
            "\\",
            "%",
            "DROP TABLE x",
            "' OR 1=1 --",
            "\n",
            "../",
        ]
    ),
    min_size=1,
    max_size=6,
).map("".join) | st.text(min_size=1, max_size=10)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(tenant_ids, min_size=2, max_size=4, unique=True))
def test_a_statement_never_holds_another_tenants_rows(tmp_path_factory, ids):
    tmp_path = tmp_path_factory.mktemp("cb")
    usage = [cell(t, str(i + 1)) for i, t in enumerate(ids)]
    result, _ = run(tmp_path, [line("9.99")], usage, tenant_ids=tuple(ids))
    out = tmp_path / "exports" / "chargeback" / result.period
    manifest = json.loads((out / "manifest.json").read_text())
    files = {t["tenant_id"]: t["file"] for t in manifest["tenants"]}
    assert set(files) == set(ids)
    assert len(set(files.values())) == len(ids)
    for tenant, rel in files.items():
        path = (out / rel).resolve()
        assert path.parent == (out / "tenants").resolve()
        statement = pl.read_csv(path, infer_schema=False)
        assert statement["tenant_id"].to_list() == [neutralise(tenant)]
    assert sorted(p.name for p in (out / "tenants").iterdir()) == sorted(
        Path(f).name for f in files.values()
    )
