"""Medians of money stay exact DECIMAL (never DOUBLE): hand values with more digits than a
double holds, in the forecast (int_spend_forecasted) and the cost baseline of mart_anomalies."""

from datetime import date
from decimal import Decimal as D

import duckdb
import pytest

from tests.test_marts import fixtures_steering as fx

# as 4.064559411249999872
LOW, HIGH = D("2"), D("6.1291188225")


def test_duckdb_median_of_decimal_is_not_exact():
    """Why the models avoid median(): it interpolates in DOUBLE (guards the premise)."""
    got = (
        duckdb.connect()
        .execute(
            "select median(x) from (values (cast(? as decimal(38,18))), "
            "(cast(? as decimal(38,18)))) t(x)",
            [str(LOW), str(HIGH)],
        )
        .fetchone()[0]
    )
    assert got == D("4.064559411249999872")


@pytest.fixture
def con(tmp_path):
    con = fx.connect(tmp_path)
    yield con
    con.close()


def test_trailing_median_and_forecast_are_exact(con):
    # Jan 1..6 (even count): 1, LOW, HIGH, 9, 0.5, 100 -> sorted 0.5, 1, LOW, HIGH, 9, 100
    spends = [D("1"), LOW, HIGH, D("9"), D("0.5"), D("100")]
    fx.cost_lines(
        con,
        [fx.line(date(2025, 1, d + 1), contracted_cost=c) for d, c in enumerate(spends)],
    )
    fx.build(con, "int_spend_forecasted", end_date=date(2025, 1, 7))
    row = fx.rows(
        con,
        "select * from int_spend_forecasted where tenant_id = 't1' and feature is null "
        "and day = date '2025-01-06'",
    )[0]
    assert row["trailing_7d_median"] == D("4.06455941125")
    # month to date 1 + 2 + 6.1291188225 + 9 + 0.5 + 100 = 118.6291188225; 25 days remain
    assert row["month_to_date"] == D("118.6291188225")
    assert row["forecast_month_total"] == D("118.6291188225") + D("4.06455941125") * 25
    # an odd count takes the middle value itself: Jan 1..3 -> 1, LOW, HIGH -> LOW
    third = fx.rows(
        con,
        "select trailing_7d_median from int_spend_forecasted where tenant_id = 't1' "
        "and feature is null and day = date '2025-01-03'",
    )[0]
    assert third["trailing_7d_median"] == LOW


def test_anomaly_cost_baseline_median_and_mad_are_exact(con):
    # 14 baseline days: seven at LOW, seven at HIGH -> median (LOW + HIGH) / 2 = 4.06455941125,
    # every |value - median| = 2.06455941125 -> MAD 2.06455941125; day 15 spikes at 100
    rows = [
        fx.line(date(2025, 1, d), contracted_cost=LOW if d % 2 else HIGH, input_tokens=100)
        for d in range(1, 15)
    ]
    rows.append(fx.line(date(2025, 1, 15), contracted_cost=D("100"), input_tokens=100))
    fx.cost_lines(con, rows)
    fx.build(con, "mart_anomalies")
    spike = fx.rows(con, "select * from mart_anomalies where day = date '2025-01-15'")[0]
    assert spike["cost_baseline_median"] == D("4.06455941125")
    assert spike["cost_baseline_mad"] == D("2.06455941125")
    assert spike["cost_spike"] is True
