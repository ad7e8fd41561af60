"""Budget status, forecast back-test and the guardrails file on a hand-built fixture.

Spend (prod, contracted USD), one request a day:
  t1/f1: 10 every day from 2025-01-01 to 2025-02-03, except 40 on 2025-01-31
  t1/f2: 50 on 2025-02-03
  t1/f1 staging: 1000 on 2025-02-02 (must never count)
  t2/f1: 5 on 2025-02-01 (t2's budget is in EUR)
Budgets: t1 all 300/month, 50/day, soft 0.8, block; t1/f2 100/month, soft 0.5, degrade;
t2 all 100 EUR/month, alert.
"""

import json
from datetime import date, timedelta

import pytest

from pipelines.lib.marts import catalogs, guardrails
from tests.test_marts import fixtures_steering as fx

D = fx.D
BUDGETS_CSV = """tenant_id,feature,monthly_limit,daily_limit,currency,soft_threshold,action
t1,,300,50,USD,0.8,block
t1,f2,100,,USD,0.5,degrade
t2,*,100,,EUR,,alert
"""


@pytest.fixture
def con(tmp_path):
    con = fx.connect(tmp_path)
    rows = []
    day = date(2025, 1, 1)
    while day <= date(2025, 2, 3):
        cost = D("40") if day == date(2025, 1, 31) else D("10")
        rows.append(fx.line(day, tenant_id="t1", feature="f1", contracted_cost=cost))
        day += timedelta(days=1)
    rows += [
        fx.line(date(2025, 2, 3), tenant_id="t1", feature="f2", contracted_cost=D("50")),
        fx.line(
            date(2025, 2, 2),
            tenant_id="t1",
            feature="f1",
            environment="staging",
            contracted_cost=D("1000"),
        ),
        fx.line(date(2025, 2, 1), tenant_id="t2", feature="f1", contracted_cost=D("5")),
    ]
    fx.cost_lines(con, rows)
    path = tmp_path / "budgets.csv"
    path.write_text(BUDGETS_CSV)
    frame = catalogs.load_budgets(path)
    con.register("incoming", frame.to_arrow())
    con.execute("create or replace table dim_budgets as select * from incoming")
    fx.build(con, "mart_budget_status", end_date=date(2025, 2, 4))
    fx.build(con, "mart_forecast_backtest", end_date=date(2025, 2, 4))
    yield con
    con.close()


def _status(con, tenant, feature, day):
    return fx.rows(
        con,
        "select * from mart_budget_status where tenant_id = $t "
        "and feature is not distinct from $f and as_of_date = $d",
        {"t": tenant, "f": feature, "d": day},
    )[0]


def test_daily_limit_breach_is_hard_and_takes_the_budget_action(con):
    s = _status(con, "t1", None, date(2025, 2, 3))
    assert s["day_spend"] == D("60")  # f1 10 + f2 50
    assert s["month_to_date"] == D("80")  # 10 + 10 + 60
    # trailing 7 days Jan 28..Feb 3: 10,10,10,40,10,10,60 -> median 10; 28 - 3 = 25 days left
    assert s["trailing_7d_median"] == D("10")
    assert s["days_remaining"] == 25
    assert s["forecast_month_total"] == D("330")  # 80 + 10 x 25
    assert (s["status"], s["guardrail_action"]) == ("hard", "block")
    assert "day spend >= daily limit" in s["status_reason"]
    assert s["monthly_used_pct"] == pytest.approx(80 / 300 * 100)


def test_staging_spend_never_counts(con):
    s = _status(con, "t1", None, date(2025, 2, 2))
    # prod only: mtd 10 + 10 = 20 (the 1000 of staging is ignored);
    # trailing Jan 27..Feb 2: 10,10,10,10,40,10,10 -> median 10; forecast 20 + 10 x 26 = 280
    assert s["month_to_date"] == D("20")
    assert s["forecast_month_total"] == D("280")
    assert (s["status"], s["guardrail_action"]) == ("ok", "none")


def test_forecast_over_limit_is_soft_and_actual_over_limit_is_hard(con):
    jan20 = _status(con, "t1", None, date(2025, 1, 20))
    # mtd 200 < 240 (0.8 x 300) but forecast 200 + 10 x 11 = 310 >= 300
    assert jan20["forecast_month_total"] == D("310")
    assert (jan20["status"], jan20["guardrail_action"]) == ("soft", "alert")
    assert jan20["status_reason"] == "forecast >= monthly limit"
    jan31 = _status(con, "t1", None, date(2025, 1, 31))
    assert jan31["month_to_date"] == D("340")  # 30 x 10 + 40
    assert jan31["status"] == "hard"


def test_feature_budget_soft_threshold_and_zero_days_in_the_median(con):
    s = _status(con, "t1", "f2", date(2025, 2, 3))
    # f2 trailing 7 days: 0,0,0,0,0,0,50 -> median 0; forecast = mtd 50
    assert s["month_to_date"] == D("50")
    assert s["forecast_month_total"] == D("50")
    # 50 >= 0.5 x 100: soft; the configured action (degrade) is for hard only, soft alerts
    assert (s["status"], s["guardrail_action"]) == ("soft", "alert")


def test_budget_in_another_currency_is_flagged_not_compared(con):
    s = _status(con, "t2", None, date(2025, 2, 1))
    assert s["status"] == "unsupported_currency"
    assert s["other_currencies"] == "USD"
    assert s["guardrail_action"] == "alert"
    assert s["month_to_date"] == D("0")  # nothing spent in EUR


def test_backtest_covers_complete_months_only_with_exact_errors(con):
    bt = fx.rows(
        con,
        "select * from mart_forecast_backtest where tenant_id = 't1' and feature is null "
        "order by as_of_date",
    )
    assert len(bt) == 31  # January only: February is incomplete
    # Jan 1..30: mtd 10d + median 10 x (31 - d) = 310; actual 30 x 10 + 40 = 340
    jan10 = bt[9]
    assert jan10["forecast_month_total"] == D("310")
    assert jan10["actual_month_total"] == D("340")
    assert jan10["forecast_error"] == D("-30")
    assert jan10["abs_pct_error"] == pytest.approx(30 / 340 * 100)
    assert bt[30]["forecast_error"] == D("0")  # Jan 31: nothing left to forecast


def test_guardrails_file_lists_every_budget_in_a_stable_order(con, tmp_path):
    doc = guardrails.build_decisions(con, date(2025, 2, 3))
    path = guardrails.write_atomic(doc, guardrails.guardrails_path(tmp_path, date(2025, 2, 3)))
    assert path == tmp_path / "exports" / "guardrails" / "2025-02-03.json"
    assert json.loads(path.read_text()) == {
        "as_of": "2025-02-03",
        "decisions": [
            {
                "tenant_id": "t1",
                "feature": None,
                "action": "block",
                "status": "hard",
                "month_to_date": "80.000000",
                "limit": "300.000000",
                "forecast": "330.000000",
                "currency": "USD",
                "day_spend": "60.000000",
                "daily_limit": "50.000000",
                "reason": "day spend >= daily limit",
            },
            # f2 trailing median 0: forecast = month-to-date
            {
                "tenant_id": "t1",
                "feature": "f2",
                "action": "alert",
                "status": "soft",
                "month_to_date": "50.000000",
                "limit": "100.000000",
                "forecast": "50.000000",
                "currency": "USD",
                "day_spend": "50.000000",
                "daily_limit": None,
                "reason": "month-to-date >= soft threshold of monthly limit",
            },
            {
                "tenant_id": "t2",
                "feature": None,
                "action": "alert",
                "status": "unsupported_currency",
                "month_to_date": "0.000000",
                "limit": "100.000000",
                "forecast": "0.000000",
                "currency": "EUR",
                "day_spend": "0.000000",
                "daily_limit": None,
                "reason": "prod spend in USD, budget in EUR: no FX conversion, not compared",
            },
        ],
    }
    assert not list(path.parent.glob(".*tmp*"))  # no temp file left behind


def test_budget_catalog_errors_name_line_and_field(tmp_path):
    path = tmp_path / "budgets.csv"
    path.write_text(BUDGETS_CSV + "t3,,10,,USD,0.8,shout\n")
    with pytest.raises(catalogs.CatalogError, match=r"line 5, action"):
        catalogs.load_budgets(path)
    path.write_text(BUDGETS_CSV + "t1,,10,,USD,0.8,block\n")
    with pytest.raises(catalogs.CatalogError, match=r"line 5, feature: duplicate"):
        catalogs.load_budgets(path)
