"""FOCUS makes ListCost non-null: where costline has no list price in the billing currency it
repeats the contracted price and cost, and `x_ListCostDerived` marks exactly those rows."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pipelines.lib import warehouse
from pipelines.lib.warehouse import load_model, run_model
from schemas import registry
from tests.test_focus.conftest import KINDS, MODEL_PATH, build_warehouse

TABLE = "fct_focus_cost_and_usage"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    build_warehouse(con)
    # contract-only prices (no list price) for globex, a list price in another currency for
    # initech: both must be derived; acme keeps its real list prices
    nulls = ", ".join(f"list_price_{k} = null, list_price_id_{k} = null" for k in KINDS)
    con.execute(f"update fct_cost_lines set {nulls} where tenant_id = 'globex'")
    con.execute("update fct_cost_lines set list_currency = 'EUR' where tenant_id = 'initech'")
    run_model(con, load_model(MODEL_PATH), date(2025, 6, 1), date(2025, 7, 1))
    yield con
    con.close()


def test_derived_list_costs_are_marked_and_equal_the_contracted_cost(con):
    rows = con.execute(
        f"""select x_TenantId, x_ListCostDerived, count(*),
                   count(*) filter (where ListCost = ContractedCost
                                    and ListUnitPrice = ContractedUnitPrice)
            from {TABLE} group by all order by all"""
    ).fetchall()
    by_tenant = {tenant: (derived, n, same) for tenant, derived, n, same in rows}
    assert set(by_tenant) == {"acme", "globex", "initech"}
    assert by_tenant["globex"][0] is True and by_tenant["globex"][1] == by_tenant["globex"][2]
    assert by_tenant["initech"][0] is True and by_tenant["initech"][1] == by_tenant["initech"][2]
    assert by_tenant["acme"][0] is False
    # acme's list prices are real: OpenAI rows carry a 10 % contract discount, so they differ
    differs = con.execute(
        f"select count(*) from {TABLE} where x_TenantId = 'acme' and x_Provider = 'openai' "
        "and ListCost <> ContractedCost"
    ).fetchone()[0]
    assert differs > 0
    assert con.execute(f"select count(*) from {TABLE} where ListCost is null").fetchone()[0] == 0


def test_the_flag_is_a_described_non_null_boolean(con):
    frame = warehouse.frame(con, f"select * from {TABLE}")
    assert frame.columns[-1] == "x_ListCostDerived"
    assert str(frame.schema["x_ListCostDerived"]) == "Boolean"
    assert registry.validate_frame(TABLE, frame) is None
    assert "no list price" in registry.column_docs(TABLE)["x_ListCostDerived"]
