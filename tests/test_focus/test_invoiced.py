"""fct_focus_invoiced: the final FOCUS rows of the allocated invoices (hand-built warehouse).

The fixture reuses the estimate warehouse of conftest (fct_cost_lines -> fct_focus_cost_and_usage
for June 2025, with mixed price points in one cell: standard and batch gpt-4.1-mini, base and long
context Sonnet) and adds allocation rows for three invoices: an OpenAI USD invoice (usage,
residual, a correction of May, tax, credit, an unallocated line), an AWS EUR invoice (usage logged
in USD, tax) and its stg_invoice_totals.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from pipelines.lib.focus.export_invoiced import (
    build_focus_invoiced,
    export_invoiced,
    invoice_sum_check,
    invoice_totals_to_cent,
    write_invoiced_file,
)
from pipelines.lib.focus.validate import validate_file
from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.publish import publish_staged
from pipelines.lib.warehouse import load_model
from schemas import registry
from schemas.focus.columns import COLUMN_NAMES, X_COLUMNS
from tests.test_focus.conftest import MODEL_PATH, build_warehouse

TABLE = "fct_focus_invoiced"
D1, D2 = date(2025, 6, 1), date(2025, 6, 2)
FX = FxRates([(date(2025, 5, 31), "USD", "EUR", Decimal("0.911054"))])
SONNET = "claude-sonnet-4-5"
MINI = "gpt-4.1-mini"
HAIKU = "eu.anthropic.claude-haiku-4-5-20251001-v1:0"

# invoice, issuer, provider_name, publisher, account, provider, tenant, feature, env, model, kind,
# day, level, currency, usage, residual, correction, tax, credit
ALLOCATIONS = [
    # OpenAI June: gpt-4.1-mini input on Jun 1 mixes the standard and batch price points
    (
        "INV-OAI-06",
        "OpenAI",
        "OpenAI",
        "OpenAI",
        "org-1",
        "openai",
        "acme",
        "search",
        "prod",
        MINI,
        "input",
        D1,
        "exact",
        "USD",
        "0.01",
        "0.02",
        "0",
        "0.01",
        "-0.01",
    ),
    (
        "INV-OAI-06",
        "OpenAI",
        "OpenAI",
        "OpenAI",
        "org-1",
        "openai",
        "acme",
        "search",
        "prod",
        MINI,
        "output",
        D1,
        "exact",
        "USD",
        "0.03",
        "-0.01",
        "0",
        "0.00",
        "0",
    ),
    # a model the logs never saw, widened to the provider's cells
    (
        "INV-OAI-06",
        "OpenAI",
        "OpenAI",
        "OpenAI",
        "org-1",
        "openai",
        "globex",
        "chat",
        "prod",
        "text-embedding-3-small",
        "input",
        D2,
        "provider_period",
        "USD",
        "0",
        "1.27",
        "0",
        "0.10",
        "-0.50",
    ),
    # late May usage billed in June: a correction
    (
        "INV-OAI-06",
        "OpenAI",
        "OpenAI",
        "OpenAI",
        "org-1",
        "openai",
        "acme",
        "search",
        "prod",
        MINI,
        "output",
        date(2025, 5, 31),
        "exact",
        "USD",
        "0",
        "0",
        "0.46",
        "0.04",
        "0",
    ),
    # nothing logged at all: the explicit unallocated row
    (
        "INV-OAI-06",
        "OpenAI",
        "OpenAI",
        "OpenAI",
        "org-1",
        "openai",
        "__unallocated__",
        "__unallocated__",
        "__unallocated__",
        "ft:gpt-4.1-mini:acme:x",
        None,
        D1,
        "unallocated",
        "USD",
        "0",
        "2.00",
        "0",
        "0.16",
        "0",
    ),
    # Sonnet input on Jun 30 mixes base and long-context prices
    (
        "ANT-06",
        "Anthropic",
        "Anthropic",
        "Anthropic",
        "acme-org",
        "anthropic",
        "globex",
        "chat",
        "prod",
        SONNET,
        "input",
        date(2025, 6, 30),
        "exact",
        "USD",
        "0.20",
        "0.01",
        "0",
        "0",
        "0",
    ),
    # AWS bills in EUR what the logs priced in USD
    (
        "EU-AWS-06",
        "Amazon Web Services EMEA SARL",
        "AWS",
        "Anthropic",
        "123456789012",
        "aws_bedrock",
        "acme",
        "search",
        "prod",
        HAIKU,
        "output",
        D1,
        "exact",
        "EUR",
        "0.01",
        "0.00",
        "0",
        "0.19",
        "0",
    ),
]


def _add_sonnet_long_context(con: duckdb.DuckDBPyConnection) -> None:
    """One long-context Sonnet request for globex/chat/prod on Jun 30 (two price points)."""
    con.execute(
        """insert into fct_cost_lines by name
           select * replace ('r-long' as request_id, 'long_context' as context_tier,
                             6.0 as list_price_input, 6.0 as contracted_price_input,
                             'list:anthropic:claude-sonnet-4-5:standard:long_context:input'
                                 as list_price_id_input,
                             'list:anthropic:claude-sonnet-4-5:standard:long_context:input'
                                 as contracted_price_id_input)
           from fct_cost_lines
           where provider = 'anthropic' and context_tier = 'base' and tenant_id = 'globex'
             and request_date = '2025-06-30'
           limit 1"""
    )


def _add_mini_batch(con: duckdb.DuckDBPyConnection) -> None:
    """Make acme/search/prod gpt-4.1-mini on Jun 1 hold both tiers (standard and batch)."""
    con.execute(
        """update fct_cost_lines set model = 'gpt-4.1-mini'
           where model = 'gpt-4.1-mini' and tenant_id = 'acme' and request_date = '2025-06-01'"""
    )


@pytest.fixture
def invoiced_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    build_warehouse(con)
    _add_sonnet_long_context(con)
    _add_mini_batch(con)
    from pipelines.lib.warehouse import run_model

    run_model(con, load_model(MODEL_PATH), date(2025, 5, 1), date(2025, 7, 1))
    con.execute(
        """create table fct_allocated_costs (
             billing_period varchar, usage_period varchar, invoice_id varchar,
             invoice_issuer varchar, provider_name varchar, publisher_name varchar,
             billing_account_id varchar, billing_period_start date, billing_period_end date,
             provider varchar, tenant_id varchar, tenant_name varchar, business_unit varchar,
             cost_center varchar, feature varchar, environment varchar, model varchar,
             token_kind varchar, charge_date date, allocation_level varchar,
             billing_currency varchar, usage_cost decimal(38,2), residual_cost decimal(38,2),
             correction_cost decimal(38,2), tax_cost decimal(38,2), credit_cost decimal(38,2),
             allocated_cost decimal(38,2), exact_cost decimal(38,18))"""
    )
    for r in ALLOCATIONS:
        inv, issuer, pname, pub, acct, prov, ten, feat, env, model, kind, day, lvl, ccy = r[:14]
        parts = [Decimal(x) for x in r[14:]]
        con.execute(
            "insert into fct_allocated_costs values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
            "$11, null, null, null, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, "
            "$24, $24)",
            [
                "2025-06", day.strftime("%Y-%m"), inv, issuer, pname, pub, acct,
                date(2025, 6, 1), date(2025, 7, 1), prov, ten, feat, env, model, kind, day, lvl,
                ccy, *parts, sum(parts),
            ],
        )  # fmt: skip
    con.execute(
        """create table stg_invoice_totals as
           select invoice_id, cast(sum(allocated_cost) + 0.004 as decimal(38, 18)) as billed_total
           from fct_allocated_costs group by invoice_id"""
    )  # the exact line sums; +0.004 rounds away (half-even to the cent)
    build_focus_invoiced(con, FX)
    yield con
    con.close()


def frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(f"select * from {TABLE}").pl()


def test_header_and_columns(invoiced_con):
    model = load_model(MODEL_PATH.with_name(f"{TABLE}.sql"))
    assert model.materialization == "table"
    assert {"fct_allocated_costs", "fct_focus_cost_and_usage"} <= model.references
    assert frame(invoiced_con).columns == [*COLUMN_NAMES, *X_COLUMNS]


def test_sum_per_invoice_equals_invoice_total(invoiced_con):
    check = invoice_sum_check(invoiced_con)
    assert check["matches"].all(), check
    totals = invoice_totals_to_cent(invoiced_con)
    assert totals == {
        "ANT-06": Decimal("0.21"),
        "EU-AWS-06": Decimal("0.20"),
        "INV-OAI-06": Decimal("3.58"),
    }


def test_pandera_model_accepts_the_table(invoiced_con):
    assert registry.validate_frame(TABLE, frame(invoiced_con)) is None


def test_mapping_of_parts(invoiced_con):
    df = frame(invoiced_con)
    by = df.group_by("InvoiceId", "ChargeCategory", "ChargeClass").agg(
        pl.col("BilledCost").sum(), pl.len()
    )
    got = {
        (r["InvoiceId"], r["ChargeCategory"], r["ChargeClass"]): r["BilledCost"]
        for r in by.iter_rows(named=True)
    }
    assert got[("INV-OAI-06", "Usage", None)] == Decimal("0.05")
    assert got[("INV-OAI-06", "Usage", "Correction")] == Decimal("0.46")
    assert got[("INV-OAI-06", "Adjustment", None)] == Decimal("3.27")
    assert got[("INV-OAI-06", "Tax", None)] == Decimal("0.31")
    assert got[("INV-OAI-06", "Credit", None)] == Decimal("-0.51")
    assert got[("EU-AWS-06", "Tax", None)] == Decimal("0.19")
    assert df["x_CostSource"].unique().to_list() == ["invoice"]
    assert df["InvoiceId"].null_count() == 0
    unallocated = df.filter(pl.col("x_TenantId") == "__unallocated__")
    assert set(unallocated["ChargeCategory"]) == {"Adjustment", "Tax"}
    tax = df.filter(pl.col("ChargeCategory") == "Tax")
    for col in ("ListUnitPrice", "ContractedUnitPrice", "PricingQuantity", "SkuId",
                "PricingCategory", "SkuPriceId"):  # fmt: skip
        assert tax[col].null_count() == len(tax), col
    for cat in ("Credit", "Tax", "Adjustment"):
        rows = df.filter(pl.col("ChargeCategory") == cat)
        for col in ("ListCost", "ContractedCost", "EffectiveCost"):
            assert (rows[col] == rows["BilledCost"]).all(), (cat, col)
    correction = df.filter(pl.col("ChargeClass") == "Correction").row(0, named=True)
    assert correction["ChargePeriodStart"].date() == date(2025, 5, 31)
    assert correction["BillingPeriodStart"].date() == date(2025, 6, 1)


def test_usage_rows_split_price_points_and_keep_exact_products(invoiced_con):
    df = frame(invoiced_con).filter(
        (pl.col("ChargeCategory") == "Usage") & pl.col("ChargeClass").is_null()
    )
    for row in df.iter_rows(named=True):
        assert row["ListCost"] == row["ListUnitPrice"] * row["PricingQuantity"]
        assert row["ContractedCost"] == row["ContractedUnitPrice"] * row["PricingQuantity"]
        assert row["EffectiveCost"] == row["BilledCost"]
        assert row["BilledCost"] == row["BilledCost"].quantize(Decimal("0.01"))
    sonnet = df.filter(pl.col("x_Model") == SONNET)
    assert set(sonnet["x_ContextTier"]) == {"base", "long_context"}
    assert sum(sonnet["BilledCost"]) == Decimal("0.21")
    mini_input = df.filter((pl.col("x_Model") == MINI) & (pl.col("x_TokenKind") == "input"))
    assert set(mini_input["x_ServiceTier"]) == {"standard", "batch"}
    assert sum(mini_input["BilledCost"]) == Decimal("0.03")


def test_eur_invoice_prices_converted_at_the_dated_rate(invoiced_con):
    row = (
        frame(invoiced_con)
        .filter((pl.col("InvoiceId") == "EU-AWS-06") & (pl.col("ChargeCategory") == "Usage"))
        .row(0, named=True)
    )
    assert row["BillingCurrency"] == row["PricingCurrency"] == "EUR"
    usd = invoiced_con.execute(
        """select ListUnitPrice from fct_focus_cost_and_usage
           where x_Provider = 'aws_bedrock' and x_TokenKind = 'output' limit 1"""
    ).fetchone()[0]
    assert row["ListUnitPrice"] == (usd * Decimal("0.911054")).quantize(Decimal("1e-12"))
    assert row["ProviderName"] == "AWS" and row["PublisherName"] == "Anthropic"
    assert row["InvoiceIssuerName"] == "Amazon Web Services EMEA SARL"


def test_our_validator_with_invoice_totals(invoiced_con, tmp_path):
    path = tmp_path / "invoiced.parquet"
    write_invoiced_file(invoiced_con, path)
    totals = invoice_totals_to_cent(invoiced_con)
    assert validate_file(path, totals) == []
    wrong = {**totals, "INV-OAI-06": totals["INV-OAI-06"] + Decimal("0.01")}
    assert {v.rule for v in validate_file(path, wrong)} == {"FOCUS-BilledCost-invoice-total"}


def test_export_whole_months_with_metadata(invoiced_con, tmp_path):
    doc = export_invoiced(invoiced_con, tmp_path, [date(2025, 6, 1), date(2025, 6, 15)])
    publish_staged(tmp_path)
    root = tmp_path / "focus_invoiced"
    part = root / "billing_period=2025-06" / "part-0.parquet"
    assert part.exists()
    assert [f["path"] for f in doc["Files"]] == ["billing_period=2025-06/part-0.parquet"]
    meta = json.loads((root.parent / "focus_invoiced.metadata.json").read_text())
    assert meta["FocusVersion"] == "1.2" and meta["Files"][0]["rows"] == len(frame(invoiced_con))
    assert pq.ParquetFile(part).schema_arrow.names == [*COLUMN_NAMES, *X_COLUMNS]
    # a month without rows loses its folder; other months stay
    stale = root / "billing_period=2025-05"
    stale.mkdir()
    (stale / "part-0.parquet").write_bytes(part.read_bytes())
    export_invoiced(invoiced_con, tmp_path, [date(2025, 5, 1)])
    publish_staged(tmp_path)
    assert not stale.exists() and part.exists()


def test_list_cost_derived_marks_every_row_whose_list_cost_is_not_price_times_quantity(
    invoiced_con,
):
    rows = invoiced_con.execute(
        f"""select ChargeCategory, ChargeClass, x_ListCostDerived, count(*),
                   count(*) filter (where ListCost = BilledCost)
            from {TABLE} group by all order by all"""
    ).fetchall()
    assert rows, "the fixture has invoiced rows"
    for category, charge_class, derived, n, equal_billed in rows:
        if category == "Usage" and charge_class is None:
            assert derived is False  # the fixture's logged price points all have list prices
        else:  # Tax, Credit, Adjustment, Correction: ListCost = BilledCost, derived
            assert derived is True and equal_billed == n, (category, charge_class)
