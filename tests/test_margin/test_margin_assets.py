"""The margin assets end to end: real Dagster, real DuckDB file, the real SQL models.

Upstream tables (cost lines, allocated invoices, tenants) are written by hand so every figure is
known: September is final (its invoice allocations are the cost), October is an estimate.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.margin.assets import (
    dim_internal_rates,
    margin_figures,
    showback_export,
    stg_revenue,
)
from pipelines.defs.resources import CostlineResource
from pipelines.defs.sql_assets import build_sql_asset
from pipelines.lib import publish, warehouse

D = Decimal
SQL_MODELS = (
    "int_tenant_costs_monthly",
    "int_internal_units_counted",
    "mart_tenant_margin",
    "mart_feature_margin",
    "mart_internal_recovery",
)
UPSTREAM = """
create table fct_cost_lines as select * from (values
  (date '2026-09-10', 'a', 'f', 'prod', 'openai', 'USD', 10.000000000000000001::decimal(38,18),
   'priced', true, 100, 50),
  (date '2026-09-11', 'a', 'f', 'prod', 'openai', 'USD', 0.5::decimal(38,18), 'priced', false,
   10, 5),
  (date '2026-09-12', 'b', 'g', 'dev', 'openai', 'USD', 1.9::decimal(38,18), 'priced', null, 1, 1),
  (date '2026-10-02', 'a', 'f', 'prod', 'openai', 'USD', 3.25::decimal(38,18), 'priced', true,
   7, 3),
  (date '2026-10-03', 'b', 'g', 'prod', 'openai', 'USD', 1.111111111111111111::decimal(38,18),
   'priced', null, 1, 1),
  (date '2026-10-04', 'b', 'g', 'prod', 'openai', null, null, 'no_provider_call', null, 0, 0)
) t(request_date, tenant_id, feature, environment, provider, contracted_currency,
    contracted_cost, price_status, accepted, input_tokens, output_tokens);
create table fct_allocated_costs as select * from (values
  ('2026-09', '2026-09', 'openai', 'a', 'f', 'prod', 'USD', 11.50::decimal(38,2)),
  ('2026-09', '2026-09', 'openai', 'b', 'g', 'dev', 'USD', 2.00::decimal(38,2))
) t(billing_period, usage_period, provider, tenant_id, feature, environment, billing_currency,
    allocated_cost);
create table dim_tenants as select * from (values
  ('a', 'Alpha', 'Enterprise'), ('b', 'Beta', 'SMB'), ('c', 'Gamma', 'SMB')
) t(tenant_id, tenant_name, business_unit);
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("margin")
    catalog = root / "input" / "catalog"
    catalog.mkdir(parents=True)
    (catalog / "tenants.csv").write_text(
        "tenant_id,tenant_name,business_unit,cost_center\na,Alpha,E,1\nb,Beta,S,2\nc,Gamma,S,3\n"
    )
    (catalog / "revenue.csv").write_text(
        "tenant_id,billing_period,amount,currency,feature\n"
        "a,2026-09,100.00,USD,\na,2026-10,50.00,USD,f\nc,2026-10,20.00,EUR,\n"
    )
    (catalog / "internal_rates.csv").write_text(
        "feature,unit,rate,currency,valid_from,valid_to\nf,request,0.05,USD,2026-09-01,\n"
    )
    resource = CostlineResource(input_dir=str(root / "input"), output_dir=str(root / "out"))
    resource.work_db_path.parent.mkdir(parents=True)
    with warehouse.connect(resource.work_db_path) as con:
        con.execute(UPSTREAM)
    models = warehouse.discover_models()
    result = dg.materialize(
        [
            stg_revenue,
            dim_internal_rates,
            margin_figures,
            showback_export,
            *(build_sql_asset(models[m], models) for m in SQL_MODELS),
        ],
        resources={"costline": resource},
        tags={
            "dagster/asset_partition_range_start": "2026-09-01",
            "dagster/asset_partition_range_end": "2026-10-31",
        },
        raise_on_error=True,
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks), [c.metadata for c in checks if not c.passed]
    publish.publish_staged(resource.output_path)  # what the publish step does at the end of a run
    return resource.work_db_path


# the work database is <out>/.work/warehouse.duckdb
def output_of(db: Path) -> Path:
    return db.parent.parent


def rows(db: Path, query: str) -> list[tuple]:
    with warehouse.connect(db, read_only=True) as con:
        return con.execute(query).fetchall()


def test_cost_basis_is_the_invoice_when_final_else_the_estimate(built: Path) -> None:
    got = rows(
        built,
        "select billing_period, tenant_id, environment, cost, cost_basis "
        "from int_tenant_costs_monthly where cost <> 0 order by all",
    )
    assert got == [
        ("2026-09", "a", "prod", D("11.50"), "invoiced"),  # not the logged 10.5
        ("2026-09", "b", "dev", D("2.00"), "invoiced"),
        ("2026-10", "a", "prod", D("3.25"), "estimated"),
        ("2026-10", "b", "prod", D("1.111111111111111111"), "estimated"),
    ]


def test_tenant_margin_mart(built: Path) -> None:
    got = rows(
        built,
        "select billing_period, tenant_id, tenant_name, currency, revenue, llm_cost, "
        "llm_cost_prod, cost_basis, gross_margin, llm_cost_share, margin_status "
        "from mart_tenant_margin order by billing_period, tenant_id",
    )
    assert got == [
        (
            "2026-09",
            "a",
            "Alpha",
            "USD",
            D(100),
            D("11.5"),
            D("11.5"),
            "invoiced",
            D("88.5"),
            D("0.115"),
            "ok",
        ),
        ("2026-09", "b", "Beta", "USD", None, D("2"), D(0), "invoiced", None, None, "no_revenue"),
        (
            "2026-10",
            "a",
            "Alpha",
            "USD",
            D(50),
            D("3.25"),
            D("3.25"),
            "estimated",
            D("46.75"),
            D("0.065"),
            "ok",
        ),
        (
            "2026-10",
            "b",
            "Beta",
            "USD",
            None,
            D("1.111111111111111111"),
            D("1.111111111111111111"),
            "estimated",
            None,
            None,
            "no_revenue",
        ),
        ("2026-10", "c", "Gamma", "EUR", D(20), D(0), D(0), "estimated", D(20), D(0), "ok"),
    ]
    types = dict(
        rows(
            built,
            "select column_name, data_type from duckdb_columns() "
            "where table_name = 'mart_tenant_margin'",
        )
    )
    assert types["llm_cost_share"] == "DECIMAL(38,12)"
    assert types["revenue"] == types["llm_cost"] == "DECIMAL(38,18)"


def test_feature_margin_and_recovery_marts(built: Path) -> None:
    assert rows(
        built,
        "select billing_period, tenant_id, feature, revenue, llm_cost, margin_status "
        "from mart_feature_margin",
    ) == [("2026-10", "a", "f", D(50), D("3.25"), "ok")]
    got = rows(
        built,
        "select billing_period, tenant_id, feature, unit, units, internal_charge, llm_cost, "
        "recovery, recovery_status from mart_internal_recovery order by all",
    )
    assert got == [
        # 2 production requests x 0.05 = 0.10 against the invoiced 11.50
        ("2026-09", "a", "f", "request", D(2), D("0.1"), D("11.5"), D("-11.4"), "under_recovered"),
        ("2026-10", "a", "f", "request", D(1), D("0.05"), D("3.25"), D("-3.2"), "under_recovered"),
        ("2026-10", "b", "g", None, None, None, D("1.111111111111111111"), None, "unknown"),
    ]


def test_showback_statements_per_month(built: Path) -> None:
    root = output_of(built) / "exports" / "showback"
    assert sorted(p.name for p in root.iterdir()) == ["2026-09", "2026-10"]
    september = json.loads((root / "2026-09" / "manifest.json").read_text(encoding="utf-8"))
    assert september["totals_per_currency"] == {"internal_charge": {"USD": "0.10"}}
    assert [t["tenant_id"] for t in september["tenants"]] == ["a"]
    october = json.loads((root / "2026-10" / "manifest.json").read_text(encoding="utf-8"))
    assert october["unknown_charges"] == 1  # b's feature g has no internal rate
