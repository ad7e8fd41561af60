"""mart_token_observability, mart_cache_efficiency and fct_cross_tenant_cache_hits on the hand
fixture (fixtures_usage: contracted prices input 2, cache_read 0.2, cache_write 2.5,
cache_write_1h 4, output 8 per 1000000 tokens)."""

from decimal import Decimal

import pytest

from tests.test_marts import fixtures_usage as fx

D = Decimal


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = fx.build(tmp_path_factory.mktemp("p1") / "w.duckdb")
    yield c
    c.close()


def _one(con, table, where):
    (row,) = fx.rows(con, f"select * from {table} where environment = 'prod' and {where}")
    return row


def test_token_observability_copilot(con):
    row = _one(
        con,
        "mart_token_observability",
        "request_date = date '2026-03-01' and feature = 'copilot' and model = 'm-a'",
    )
    # r1 r2 r3 r4 r6: provider calls r1 r2 r4, app-cache hits r3 r6
    assert (row["requests"], row["provider_calls"], row["app_cache_hits"]) == (5, 3, 2)
    # input 1000 + 1000 + 1200 = 3200 ; output 500 + 500 + 100 = 1100
    assert (row["input_tokens"], row["output_tokens"]) == (3200, 1100)
    assert row["median_input_tokens"] == 1000
    assert row["median_output_tokens"] == 500
    # outputs sorted 100, 500, 500: position 0.95 x 2 = 1.9 -> 500
    assert row["p95_output_tokens"] == 500
    assert row["output_input_ratio"] == pytest.approx(1100 / 3200)  # 0.34375
    # latency 1000, 2000, 3000: p50 2000; p95 at 1.9 -> 2000 + 0.9 x 1000 = 2900
    assert row["p50_latency_ms"] == 2000
    assert row["p95_latency_ms"] == pytest.approx(2900)
    assert (row["error_rate"], row["block_rate"]) == (0, 0)


def test_token_observability_triage_percentiles_and_rates(con):
    row = _one(
        con, "mart_token_observability", "request_date = date '2026-03-01' and feature = 'triage'"
    )
    # r7 (5000 in / 1000 out, blocked, 500 ms), r9 (2500 / 0, 600 ms), r11 app hit
    assert (row["requests"], row["provider_calls"]) == (3, 2)
    assert row["median_input_tokens"] == 3750  # (2500 + 5000) / 2
    assert row["median_output_tokens"] == 500  # (0 + 1000) / 2
    assert row["p95_output_tokens"] == pytest.approx(950)  # 0 + 0.95 x 1000
    assert row["output_input_ratio"] == pytest.approx(1000 / 7500)
    assert row["p50_latency_ms"] == 550
    assert row["p95_latency_ms"] == pytest.approx(595)  # 500 + 0.95 x 100
    assert row["blocked"] == 1 and row["block_rate"] == pytest.approx(1 / 3)
    assert row["error_rate"] == 0
    err = _one(con, "mart_token_observability", "model = 'm-x'")
    assert (err["errors"], err["error_rate"]) == (1, 1.0)  # r8


def test_cache_efficiency_app_hit_and_prefix_savings(con):
    row = _one(
        con,
        "mart_cache_efficiency",
        "request_date = date '2026-03-01' and tenant_id = 't1' and feature = 'copilot'",
    )
    # r1 miss, r2 miss, r3 exact (source r1), r4 prefix
    assert (row["requests"], row["exact_hits"], row["prefix_hits"], row["semantic_hits"]) == (
        4,
        1,
        1,
        0,
    )
    assert (row["exact_hit_rate"], row["prefix_hit_rate"]) == (0.25, 0.25)
    assert row["app_cache_hit_rate"] == 0.25
    assert row["app_cache_saved_cost"] == D("0.006")  # r1's contracted cost
    # r4: (2 - 0.2) x 1000 x 0.000001 = 0.0018 ; no writes
    assert row["prefix_read_savings"] == D("0.0018")
    assert row["prefix_write_premium"] == D("0")
    assert row["prefix_net_savings"] == D("0.0018")
    assert row["total_saved_cost"] == D("0.0078")  # 0.006 + 0.0018
    assert row["contracted_cost"] == D("0.0134")  # 0.006 + 0.006 + 0 + 0.0014
    assert (row["cache_read_tokens"], row["cross_tenant_hits"]) == (1000, 0)


def test_cache_writes_can_make_prefix_caching_negative(con):
    row = _one(
        con, "mart_cache_efficiency", "request_date = date '2026-03-02' and tenant_id = 't1'"
    )
    # r5 writes 1000 5m + 1000 1h tokens, reads none:
    # (2.5 - 2) x 1000 x 0.000001 + (4 - 2) x 1000 x 0.000001 = 0.0005 + 0.002 = 0.0025
    assert row["prefix_write_premium"] == D("0.0025")
    assert row["prefix_net_savings"] == D("-0.0025")
    assert row["total_saved_cost"] == D("-0.0025")
    assert row["cache_write_tokens"] == 2000


def test_cross_tenant_hit_is_flagged_and_listed(con):
    row = _one(con, "mart_cache_efficiency", "tenant_id = 't2' and feature = 'copilot'")
    # r6 (t2) reused r1 (t1): semantic hit, saved 0.006, and a leak
    assert (row["semantic_hits"], row["semantic_hit_rate"]) == (1, 1.0)
    assert row["app_cache_saved_cost"] == D("0.006")
    assert row["cross_tenant_hits"] == 1
    leaks = fx.rows(con, "select * from fct_cross_tenant_cache_hits order by request_id")
    assert [
        (r["request_id"], r["environment"], r["tenant_id"], r["source_tenant_id"]) for r in leaks
    ] == [
        ("r6", "prod", "t2", "t1"),
        ("s2", "staging", "t2", "t1"),
    ]


def test_missing_source_saves_nothing_and_is_not_a_leak(con):
    row = _one(con, "mart_cache_efficiency", "tenant_id = 't3' and request_date = '2026-03-01'")
    # r11 exact hit on 'gone' (not in the warehouse)
    assert (row["exact_hits"], row["app_hits_saving_unknown"]) == (1, 1)
    assert row["app_cache_saved_cost"] == D("0")
    assert row["cross_tenant_hits"] == 0
