"""Margin per tenant: fx conversion, the full join with nothing lost, statuses, exact share.

Every expected figure below is computed by hand in the comment next to it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.margin.figures import COST_COLUMNS, UNIT_COLUMNS, compute_figures
from pipelines.lib.margin.internal_rates import RATE_COLUMNS
from pipelines.lib.margin.lines import REVENUE_COLUMNS
from pipelines.lib.margin.margin import exact_ratio, margin_rows

D = Decimal
FX = FxRates(
    [
        (date(2026, 9, 30), "USD", "EUR", D("0.90")),
        (date(2026, 10, 1), "USD", "EUR", D("0.92")),  # on the month's first day: used
        (date(2026, 10, 2), "USD", "EUR", D("0.99")),  # after it: never used for October
        (date(2026, 9, 15), "GBP", "USD", D("1.25")),  # reverse pair: USD->GBP = 1/1.25 = 0.8
    ]
)
KEY = ("billing_period", "tenant_id")


def revenue(*rows: tuple) -> pl.DataFrame:
    """(tenant, amount, currency[, feature])."""
    return pl.DataFrame(
        [
            {
                "tenant_id": r[0],
                "billing_period": "2026-10",
                "feature": r[3] if len(r) > 3 else None,
                "amount": D(r[1]),
                "currency": r[2],
                "source": "revenue_csv",
                "source_file": "catalog/revenue.csv",
                "source_line": i + 2,
            }
            for i, r in enumerate(rows)
        ],
        schema=REVENUE_COLUMNS,
        orient="row",
    )


def costs(*rows: tuple) -> pl.DataFrame:
    """(tenant, environment, currency, cost[, unpriced, basis, feature])."""
    return pl.DataFrame(
        [
            {
                "billing_period": "2026-10",
                "tenant_id": r[0],
                "feature": r[6] if len(r) > 6 else "f",
                "environment": r[1],
                "currency": r[2],
                "cost": None if r[3] is None else D(r[3]),
                "unpriced_requests": r[4] if len(r) > 4 else 0,
                "cost_basis": r[5] if len(r) > 5 else "invoiced",
            }
            for r in rows
        ],
        schema=COST_COLUMNS,
        orient="row",
    )


def by_tenant(rows: list[dict]) -> dict[tuple[str, str | None], dict]:
    return {(r["tenant_id"], r["currency"]): r for r in rows}


REVENUE = revenue(
    ("t_eur", "100.00", "EUR"),
    ("t_loss", "10.00", "USD"),
    ("t_thin", "100.00", "USD"),
    ("t_edge", "100.00", "USD"),
    ("t_gbp", "40.00", "GBP"),
    ("t_norate", "5000", "JPY"),
    ("t_free", "25.00", "USD"),
    ("t_two", "10.00", "USD"),
    ("t_two", "10.00", "EUR"),
    ("t_third", "3.00", "USD"),
    ("t_third", "0.00", "USD"),  # rows add up
)
COSTS = costs(
    ("t_eur", "prod", "USD", "20.00"),
    ("t_eur", "staging", "USD", "5.00"),
    ("t_eur", "prod", "EUR", "3.00"),
    ("t_loss", "prod", "USD", "12.50"),
    ("t_thin", "prod", "USD", "30.01"),
    ("t_edge", "dev", "USD", "30.00"),
    ("t_gbp", "prod", "USD", "10.00"),
    ("t_norate", "prod", "USD", "1.00"),
    ("t_pilot", "prod", "USD", "7.00"),
    ("t_pilot", "prod", "EUR", "2.00"),
    ("t_two", "prod", "USD", "1.00"),
    ("t_third", "prod", "USD", "0.10"),
)


def test_fx_conversion_uses_the_rate_on_or_before_the_first_day() -> None:
    rows = by_tenant(margin_rows(REVENUE, COSTS, KEY, FX, {"2026-10"}, D("0.3")))
    eur = rows["t_eur", "EUR"]
    # 20.00 x 0.92 + 5.00 x 0.92 + 3.00 = 18.40 + 4.60 + 3.00
    assert eur["llm_cost"] == D("26.00")
    assert eur["llm_cost_prod"] == D("21.40")  # 18.40 + 3.00
    assert eur["gross_margin"] == D("74.00")
    assert eur["llm_cost_share"] == D("0.26")
    assert eur["margin_status"] == "ok"
    gbp = rows["t_gbp", "GBP"]
    assert gbp["llm_cost"] == D("8.00")  # 10.00 / 1.25 (reverse pair)
    assert gbp["llm_cost_share"] == D("0.2")


def test_no_rate_is_null_with_a_reason_never_a_guess() -> None:
    row = by_tenant(margin_rows(REVENUE, COSTS, KEY, FX, set(), D("0.3")))["t_norate", "JPY"]
    assert row["llm_cost"] is None and row["gross_margin"] is None
    assert row["llm_cost_share"] is None
    assert row["llm_cost_reason"] == "no fx rate USD->JPY on or before 2026-10-01"
    assert row["margin_status"] == "unknown"


def test_the_join_loses_nothing() -> None:
    rows = margin_rows(REVENUE, COSTS, KEY, FX, {"2026-10"}, D("0.3"))
    got = by_tenant(rows)
    # every revenue key x currency and every cost-only tenant x cost currency, once
    assert sorted(got) == sorted(
        [
            ("t_eur", "EUR"),
            ("t_loss", "USD"),
            ("t_thin", "USD"),
            ("t_edge", "USD"),
            ("t_gbp", "GBP"),
            ("t_norate", "JPY"),
            ("t_free", "USD"),
            ("t_two", "USD"),
            ("t_two", "EUR"),
            ("t_third", "USD"),
            ("t_pilot", "EUR"),
            ("t_pilot", "USD"),
        ]
    )
    assert len(rows) == len(got)
    revenue_total = sum(r["revenue"] for r in rows if r["revenue"] is not None)
    assert revenue_total == REVENUE["amount"].sum()  # no revenue dropped or doubled
    free = got["t_free", "USD"]  # revenue and no usage: cost 0, not NULL
    assert (free["llm_cost"], free["llm_cost_prod"], free["llm_cost_share"]) == (0, 0, 0)
    assert free["cost_basis"] == "invoiced" and free["margin_status"] == "ok"
    pilot = got["t_pilot", "USD"], got["t_pilot", "EUR"]  # cost without revenue
    assert [p["llm_cost"] for p in pilot] == [D("7.00"), D("2.00")]
    assert {p["margin_status"] for p in pilot} == {"no_revenue"}
    assert {p["revenue"] for p in pilot} == {None}
    two = got["t_two", "USD"], got["t_two", "EUR"]  # cost is not counted twice
    assert {t["llm_cost"] for t in two} == {None}
    assert {t["llm_cost_reason"] for t in two} == {"revenue in several currencies: cost not split"}


def test_statuses_and_the_threshold() -> None:
    got = by_tenant(margin_rows(REVENUE, COSTS, KEY, FX, {"2026-10"}, D("0.3")))
    loss = got["t_loss", "USD"]
    assert (loss["gross_margin"], loss["llm_cost_share"], loss["margin_status"]) == (
        D("-2.50"),  # 10.00 - 12.50
        D("1.25"),
        "loss",
    )
    assert got["t_thin", "USD"]["llm_cost_share"] == D("0.3001")
    assert got["t_thin", "USD"]["margin_status"] == "thin"
    assert got["t_edge", "USD"]["llm_cost_share"] == D("0.3")  # exactly at it: not past it
    assert got["t_edge", "USD"]["margin_status"] == "ok"
    assert got["t_edge", "USD"]["llm_cost_prod"] == D("0")  # dev only
    looser = by_tenant(margin_rows(REVENUE, COSTS, KEY, FX, set(), D("0.31")))
    assert looser["t_thin", "USD"]["margin_status"] == "ok"


def test_share_is_an_exact_quotient_at_twelve_decimals() -> None:
    got = by_tenant(margin_rows(REVENUE, COSTS, KEY, FX, set(), D("0.3")))["t_third", "USD"]
    assert got["revenue"] == D("3.00")
    assert got["llm_cost_share"] == D("0.033333333333")  # 0.10 / 3.00
    assert exact_ratio(D("2"), D("3")) == D("0.666666666667")  # half-even at 12 places
    assert exact_ratio(D("1"), D("8")) == D("0.125")


def test_unpriced_estimate_makes_the_cost_unknown() -> None:
    rows = margin_rows(
        revenue(("t", "10.00", "USD")),
        costs(("t", "prod", "USD", "1.00"), ("t", "dev", None, None, 3, "estimated")),
        KEY,
        FX,
        set(),
        D("0.3"),
    )
    assert rows[0]["llm_cost"] is None
    assert rows[0]["cost_basis"] == "estimated"
    assert rows[0]["llm_cost_reason"] == "unpriced requests in the estimate: cost unknown"


def test_feature_margin_is_scoped_to_tenants_with_feature_revenue() -> None:
    rev = revenue(("a", "50.00", "USD", "f1"), ("a", "20.00", "USD"), ("b", "9.00", "USD"))
    cost = costs(
        ("a", "prod", "USD", "10.00", 0, "invoiced", "f1"),
        ("a", "prod", "USD", "4.00", 0, "invoiced", "f2"),
        ("b", "prod", "USD", "1.00", 0, "invoiced", "f1"),
    )
    figures = compute_figures(
        rev,
        cost,
        pl.DataFrame(schema=UNIT_COLUMNS),
        pl.DataFrame(schema=RATE_COLUMNS),
        FX,
        D("0.3"),
    )
    features = {(r["tenant_id"], r["feature"]): r for r in figures.features.iter_rows(named=True)}
    assert set(features) == {("a", "f1"), ("a", "f2")}  # b has no feature revenue
    assert features["a", "f1"]["llm_cost_share"] == D("0.2")  # 10 / 50
    assert features["a", "f2"]["margin_status"] == "no_revenue"
    tenants = {r["tenant_id"]: r for r in figures.tenants.iter_rows(named=True)}
    assert tenants["a"]["revenue"] == D("70.00") and tenants["a"]["llm_cost"] == D("14.00")
    assert figures.tenants.schema["llm_cost_share"] == pl.Decimal(38, 12)


def test_zero_or_negative_revenue_has_no_share_but_a_margin() -> None:
    rows = margin_rows(
        revenue(("z", "0.00", "USD"), ("n", "-5.00", "USD")),
        costs(("z", "prod", "USD", "1.00"), ("n", "prod", "USD", "1.00")),
        KEY,
        FX,
        set(),
        D("0.3"),
    )
    got = {r["tenant_id"]: r for r in rows}
    assert got["z"]["llm_cost_share"] is None and got["z"]["gross_margin"] == D("-1.00")
    assert got["z"]["margin_status"] == "loss"
    assert got["n"]["gross_margin"] == D("-6.00") and got["n"]["llm_cost_share"] is None
