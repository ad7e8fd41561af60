"""mart_prompt_repeats and mart_risk on the hand fixture, prod/staging separation and the
published schemas of every usage mart."""

from decimal import Decimal

import polars as pl
import pytest

from schemas import registry
from tests.test_marts import fixtures_usage as fx

D = Decimal
MARTS = [m for m in fx.USAGE_MODELS if not m.startswith("int_")]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = fx.build(tmp_path_factory.mktemp("p1") / "w.duckdb")
    yield c
    c.close()


def _one(con, table, where):
    (row,) = fx.rows(con, f"select * from {table} where environment = 'prod' and {where}")
    return row


def test_prompt_repeats_default_window(con):
    day1 = _one(con, "mart_prompt_repeats", "request_date = '2026-03-01' and feature = 'copilot'")
    # r1 f1 10:00 (first), r2 f1 11:00 (repeat, miss), r3 f1 12:00 (repeat, exact hit),
    # r4 f2 (first), r6 f3 (first; t2, another tenant)
    assert (day1["requests"], day1["fingerprinted_requests"], day1["repeated_requests"]) == (
        5,
        5,
        2,
    )
    assert day1["repeat_rate"] == pytest.approx(0.4)  # 2 / 5
    assert (day1["app_cache_hits"], day1["app_cache_hit_rate"]) == (2, 0.4)  # r3, r6
    assert (day1["cache_served_repeats"], day1["uncached_repeats"]) == (1, 1)
    assert day1["avoidable_cost"] == D("0.006")  # r2
    assert day1["repeat_window_hours"] == 24
    day2 = _one(con, "mart_prompt_repeats", "request_date = '2026-03-02' and feature = 'copilot'")
    # r5 f1 on 03-02 09:00, 21 h after r3 -> a repeat across the day boundary, a miss: 0.0083
    assert (day2["repeated_requests"], day2["uncached_repeats"]) == (1, 1)
    assert day2["avoidable_cost"] == D("0.0083")


def test_repeat_window_is_configurable(tmp_path):
    con = fx.build(tmp_path / "w.duckdb", variables={"costline_repeat_window_hours": 12})
    day2 = _one(con, "mart_prompt_repeats", "request_date = '2026-03-02' and feature = 'copilot'")
    # 21 h > 12 h: r5 is no longer a repeat
    assert (day2["repeat_window_hours"], day2["repeated_requests"]) == (12, 0)
    assert day2["avoidable_cost"] == D("0")
    day1 = _one(con, "mart_prompt_repeats", "request_date = '2026-03-01' and feature = 'copilot'")
    assert day1["repeated_requests"] == 2  # 1 h gaps stay repeats
    con.close()


def test_risk_ranks_and_top5_share(con):
    got = {
        r["tenant_id"]: r
        for r in fx.rows(
            con, "select * from mart_risk where environment = 'prod' and month = '2026-03-01'"
        )
    }
    # spend: t1 0.0217, t2 0.018 (r8 unpriced left out), t3 0.005, t6 0.003, t5 0.002,
    # t4 0.001, t7 0.0005, t8 0.0002
    ranks = {t: r["spend_rank"] for t, r in got.items()}
    assert ranks == {"t1": 1, "t2": 2, "t3": 3, "t6": 4, "t5": 5, "t4": 6, "t7": 7, "t8": 8}
    # environment 0.0514 ; top 5 = 0.0217 + 0.018 + 0.005 + 0.003 + 0.002 = 0.0497
    t1 = got["t1"]
    assert (t1["environment_spend"], t1["top5_spend"]) == (D("0.0514"), D("0.0497"))
    assert t1["top5_share"] == pytest.approx(0.0497 / 0.0514)
    assert t1["spend_share"] == pytest.approx(0.0217 / 0.0514)
    assert {t for t, r in got.items() if r["is_top5"]} == {"t1", "t2", "t3", "t5", "t6"}
    # shares: t1 PII r4 -> 1/5 ; t2 policy block r7 -> 1/3 ; t3 PII r11 -> 1/2
    assert t1["pii_share"] == pytest.approx(0.2)
    assert got["t2"]["policy_block_share"] == pytest.approx(1 / 3)
    assert got["t3"]["pii_share"] == pytest.approx(0.5)
    assert got["t2"]["cross_tenant_cache_hits"] == 1  # r6 served from t1's r1
    assert got["t2"]["unpriced_requests"] == 1
    assert t1["tenant_name"] == "Tenant 1"


def _prod(con, table):
    con.complete()
    return con.sql(f"select * from {table} where environment = 'prod' order by all").pl()


def test_staging_never_changes_prod_figures(con, tmp_path):
    # staging s1 (t1 f1 at 09:00, before r1), s2 (hit on prod r1), s3 (t8, spend 2.0) would
    # make r1 a repeat, add a leak and put t8 first if environments were mixed.
    prod_only = fx.build(
        tmp_path / "prod.duckdb", rows_filter=lambda f: f.filter(pl.col("environment") == "prod")
    )
    for table in MARTS:
        assert _prod(con, table).equals(_prod(prod_only, table)), table
    prod_only.close()
    assert _one(con, "mart_risk", "tenant_id = 't8' and month = '2026-03-01'")["spend_rank"] == 8


def test_every_mart_matches_its_published_schema(con):
    for table in MARTS:
        con.complete()
        frame = con.sql(f"select * from {table}").pl()
        assert registry.validate_frame(table, frame) is None, table
        assert all(registry.column_docs(table).values()), table
        assert list(frame.columns) == list(registry.column_docs(table)), table
