"""mart_unit_economics and mart_feature_unit_costs on the hand fixture (fixtures_usage)."""

from decimal import Decimal

import pytest

from tests.test_marts import fixtures_usage as fx

D = Decimal


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = fx.build(tmp_path_factory.mktemp("p1") / "w.duckdb")
    yield c
    c.close()


def test_unit_economics_t1_copilot_march(con):
    (row,) = fx.rows(
        con,
        "select * from mart_unit_economics where environment = 'prod' and tenant_id = 't1' "
        "and feature = 'copilot' and month = date '2026-03-01'",
    )
    # requests r1 r2 r3 r4 r5 = 5
    # sessions s1 (r1, r2), s2 (r3), s3 (r5) + r4 without session = 4 conversations
    # actions a1 (r1, r2), a2 (r5) + r3, r4 without action = 4 actions
    assert (row["requests"], row["conversations"], row["actions"]) == (5, 4, 4)
    # contracted: 0.006 + 0.006 + 0 + 0.0014 + 0.0083 = 0.0217 ; list = 1.5 x = 0.03255
    assert row["contracted_cost"] == D("0.0217")
    assert row["list_cost"] == D("0.03255")
    # invoice allocations in USD: 0.03 + 0.01 = 0.04 (the EUR allocation is not added in)
    assert row["allocated_cost"] == D("0.04")
    assert row["unpriced_requests"] == 0
    # 0.0217 / 5 = 0.00434 ; / 4 = 0.005425 ; x 1000 / 4 = 5.425
    assert row["cost_per_request"] == pytest.approx(0.00434)
    assert row["cost_per_conversation"] == pytest.approx(0.005425)
    assert row["cost_per_1000_actions"] == pytest.approx(5.425)


def test_unit_economics_unpriced_left_out_never_zero(con):
    (row,) = fx.rows(
        con,
        "select * from mart_unit_economics where environment = 'prod' and tenant_id = 't2' "
        "and feature = 'triage'",
    )
    # r7 (0.018) + r8 (unpriced, left out); both in session s5 -> 1 conversation; a4, a5 -> 2
    assert (row["requests"], row["conversations"], row["actions"]) == (2, 1, 2)
    assert row["unpriced_requests"] == 1
    assert row["contracted_cost"] == D("0.018")
    assert row["cost_per_request"] == pytest.approx(0.009)  # 0.018 / 2


def test_unit_economics_months_are_separate(con):
    got = fx.rows(
        con,
        "select month, contracted_cost from mart_unit_economics where environment = 'prod' "
        "and tenant_id = 't3' order by month",
    )
    # March: r9 0.005 + r11 (exact hit) 0 ; April: r10 0.001
    assert [(str(r["month"]), r["contracted_cost"]) for r in got] == [
        ("2026-03-01", D("0.005")),
        ("2026-04-01", D("0.001")),
    ]


def test_money_totals_reconcile_exactly_with_cost_lines(con):
    for env in ("prod", "staging"):
        mart = con.execute(
            "select sum(contracted_cost) from mart_unit_economics where environment = ?", [env]
        ).fetchone()[0]
        lines = con.execute(
            "select sum(contracted_cost) from fct_cost_lines where environment = ?", [env]
        ).fetchone()[0]
        assert mart == lines
    # prod: 0.0217 + 0.018 + 0.005 + 0.001 + 0.001+0.002+0.003+0.0005+0.0002 = 0.0524
    assert con.execute(
        "select sum(contracted_cost) from mart_unit_economics where environment = 'prod'"
    ).fetchone()[0] == D("0.0524")


def test_feature_unit_costs_cost_per_accepted_output(con):
    (copilot,) = fx.rows(
        con,
        "select * from mart_feature_unit_costs where environment = 'prod' "
        "and feature = 'copilot' and month = date '2026-03-01'",
    )
    # copilot March prod: t1 r1..r5 (0.0217) + t2 r6 (0) = 0.0217 over 6 requests, 2 tenants
    # accepted: r1 true, r2 false, r3 true -> rated 3, accepted 2 ; rate 2/3
    assert (copilot["tenants"], copilot["requests"]) == (2, 6)
    assert (copilot["rated_requests"], copilot["accepted_requests"]) == (3, 2)
    assert copilot["acceptance_rate"] == pytest.approx(2 / 3)
    assert copilot["contracted_cost"] == D("0.0217")
    # cost of one unit of value = 0.0217 / 2 = 0.01085
    assert copilot["cost_per_accepted_output"] == pytest.approx(0.01085)
    assert copilot["cost_per_request"] == pytest.approx(0.0217 / 6)

    (triage,) = fx.rows(
        con,
        "select * from mart_feature_unit_costs where environment = 'prod' "
        "and feature = 'triage' and month = date '2026-03-01'",
    )
    # triage March: r7 0.018, r8 unpriced, r9 0.005, r11 0 -> 0.023 ; accepted r9 (r11 false)
    assert triage["contracted_cost"] == D("0.023")
    assert (triage["rated_requests"], triage["accepted_requests"]) == (2, 1)
    assert triage["cost_per_accepted_output"] == pytest.approx(0.023)
    assert triage["unpriced_requests"] == 1

    (summ,) = fx.rows(
        con,
        "select * from mart_feature_unit_costs where environment = 'prod' "
        "and feature = 'summarize'",
    )
    # nothing accepted -> no unit of value -> NULL, not infinity or 0
    assert summ["accepted_requests"] == 0
    assert summ["cost_per_accepted_output"] is None
