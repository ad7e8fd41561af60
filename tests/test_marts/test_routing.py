"""Routing what-if and model mix on a hand-built fixture (figures computed by hand below)."""

from datetime import date

import pytest

from tests.test_marts import fixtures_steering as fx

D = fx.D
MAR3, MAR4 = date(2025, 3, 3), date(2025, 3, 4)


@pytest.fixture
def con(tmp_path):
    con = fx.connect(tmp_path)
    fx.prices(
        con,
        [
            # gpt-big: list input 10, cache_read 1, output 40; long-context input (>=200001) 20;
            # contracted output 30 (any tier)
            fx.price("openai", "gpt-big", "input", 10),
            fx.price("openai", "gpt-big", "input", 20, min_input=200001),
            fx.price("openai", "gpt-big", "cache_read", 1),
            fx.price("openai", "gpt-big", "output", 40),
            fx.price("openai", "gpt-big", "output", 30, price_type="contracted", tier="*"),
            # gpt-small: input 1, output 2, no cache_read price (billed as input)
            fx.price("openai", "gpt-small", "input", 1),
            fx.price("openai", "gpt-small", "output", 2),
            # claude-x only from March 4: not a full-month candidate for March
            fx.price("anthropic", "claude-x", "input", 3, valid_from=MAR4),
            fx.price("anthropic", "claude-x", "output", 15, valid_from=MAR4),
        ],
    )
    fx.features(con, {"f1": "extractive"})
    fx.cost_lines(
        con,
        [
            # r1 (input_tokens 150,000: base tier): 100,000 uncached x 10 = 1
            #     + 50,000 cache_read x 1 = 0.05 + 100,000 output x 40 = 4 -> list 5.05;
            #     contracted output 100,000 x 30 = 3 -> 1 + 0.05 + 3 = 4.05
            fx.line(
                MAR3,
                request_id="r1",
                model="gpt-big",
                input_uncached_tokens=100_000,
                cache_read_tokens=50_000,
                output_tokens=100_000,
                list_cost=D("5.05"),
                contracted_cost=D("4.05"),
            ),
            # r2: 300,000 x 1 = 0.3 + 50,000 x 2 = 0.1 -> 0.4 (list = contracted)
            fx.line(
                MAR4,
                request_id="r2",
                model="gpt-small",
                input_uncached_tokens=300_000,
                output_tokens=50_000,
                list_cost=D("0.4"),
                contracted_cost=D("0.4"),
            ),
            # staging: 1,000,000 x 10 = 10 on gpt-big, kept out of prod
            fx.line(
                MAR3,
                request_id="s1",
                environment="staging",
                model="gpt-big",
                input_uncached_tokens=1_000_000,
                list_cost=D("10"),
                contracted_cost=D("10"),
            ),
            # unpriced requests are left out of the what-if on both sides
            fx.line(
                MAR3,
                request_id="u1",
                model="mystery",
                price_status="unpriced",
                input_uncached_tokens=5,
            ),
        ],
    )
    fx.build(con, "mart_routing_whatif")
    fx.build(con, "mart_feature_model_mix")
    yield con
    con.close()


def _whatif(con, env, model):
    return fx.rows(
        con,
        "select * from mart_routing_whatif where environment = $e and candidate_model = $m",
        {"e": env, "m": model},
    )[0]


def test_repricing_under_a_cheaper_model_is_exact_per_kind_and_day(con):
    small = _whatif(con, "prod", "gpt-small")
    # r1: 100,000 x 1 = 0.1 + 50,000 cache_read at the input price 1 = 0.05
    #     + 100,000 x 2 = 0.2 -> 0.35
    # r2: 300,000 x 1 = 0.3 + 50,000 x 2 = 0.1 -> 0.4; total 0.75 (no contract: = list)
    assert small["whatif_list_cost"] == D("0.75")
    assert small["whatif_contracted_cost"] == D("0.75")
    # actual: list 5.05 + 0.4 = 5.45, contracted 4.05 + 0.4 = 4.45
    assert small["actual_list_cost"] == D("5.45")
    assert small["actual_contracted_cost"] == D("4.45")
    assert small["list_saving"] == D("4.70")  # 5.45 - 0.75
    assert small["contracted_saving"] == D("3.70")  # 4.45 - 0.75
    assert small["contracted_saving_pct"] == pytest.approx(3.7 / 4.45 * 100)
    assert small["requests"] == 2
    assert small["current_share_of_requests"] == pytest.approx(0.5)
    assert small["candidate_rank"] == 1
    assert (small["input_uncached_tokens"], small["cache_read_tokens"], small["output_tokens"]) == (
        400_000,
        50_000,
        150_000,
    )


def test_repricing_uses_long_context_tier_and_contracts_of_the_candidate(con):
    big = _whatif(con, "prod", "gpt-big")
    # r1 as actual: list 5.05, contracted 4.05
    # r2 (300,000 input >= 200,001): input 300,000 x 20 = 6, output 50,000 x 40 = 2 -> list 8;
    #     contracted output 50,000 x 30 = 1.5 -> 6 + 1.5 = 7.5
    assert big["whatif_list_cost"] == D("13.05")  # 5.05 + 8
    assert big["whatif_contracted_cost"] == D("11.55")  # 4.05 + 7.5
    assert big["contracted_saving"] == D("-7.10")  # 4.45 - 11.55: rerouting costs more
    assert big["candidate_rank"] == 2


def test_candidate_without_a_price_on_some_day_has_no_whatif_cost(con):
    claude = _whatif(con, "prod", "claude-x")
    assert claude["whatif_list_cost"] is None
    assert claude["candidate_unpriced_requests"] == 1  # r1 on March 3
    assert claude["candidate_rank"] is None


def test_staging_is_repriced_separately(con):
    small = _whatif(con, "staging", "gpt-small")
    assert small["actual_list_cost"] == D("10")
    assert small["whatif_list_cost"] == D("1")  # 1,000,000 x 1
    assert small["requests"] == 1


def test_model_mix_names_the_extractive_feature_on_the_expensive_model(con):
    mix = {
        r["model"]: r
        for r in fx.rows(con, "select * from mart_feature_model_mix where environment = 'prod'")
    }
    big, small = mix["gpt-big"], mix["gpt-small"]
    # cheapest output list price on both days: gpt-small 2; gpt-big 40 >= 5 x 2
    assert big["is_expensive"] and not small["is_expensive"]
    assert big["output_price_multiple"] == pytest.approx(20.0)  # 40 / 2
    assert big["cheapest_model"] == "openai/gpt-small"
    assert big["feature_contracted_cost"] == D("4.45")  # 4.05 + 0.4
    assert big["share_of_feature_spend"] == pytest.approx(4.05 / 4.45)
    assert big["feature_expensive_spend_share"] == pytest.approx(4.05 / 4.45)
    assert big["extractive_on_expensive_model"] is True
    assert small["extractive_on_expensive_model"] is False
    assert "20.0x the cheapest candidate (openai/gpt-small)" in big["expensive_reason"]
    assert mix["mystery"]["unpriced_requests"] == 1
    assert mix["mystery"]["contracted_cost"] is None


def test_expensive_multiple_is_configurable(con):
    fx.settings(con, {"routing.expensive_output_price_multiple": "25"})
    fx.build(con, "mart_feature_model_mix")
    big = fx.rows(
        con, "select * from mart_feature_model_mix where model = 'gpt-big' and environment = 'prod'"
    )[0]
    assert big["is_expensive"] is False  # 40 < 25 x 2


def test_candidate_without_the_service_tier_is_repriced_at_standard_and_counted(tmp_path):
    con = fx.connect(tmp_path)
    fx.prices(
        con,
        [
            fx.price("openai", "gpt-small", "input", 1),
            fx.price("openai", "gpt-small", "output", 2),
            fx.price("openai", "gpt-small", "input", "0.5", tier="batch"),
            fx.price("openai", "gpt-small", "output", 1, tier="batch"),
            fx.price("openai", "gpt-big", "input", 10),
            fx.price("openai", "gpt-big", "output", 40),
        ],
    )
    # one batch request on gpt-small: 1,000,000 x 0.5 + 100,000 x 1 = 0.6
    fx.cost_lines(
        con,
        [
            fx.line(
                MAR3,
                model="gpt-small",
                service_tier="batch",
                input_uncached_tokens=1_000_000,
                output_tokens=100_000,
                list_cost=D("0.6"),
                contracted_cost=D("0.6"),
            ),
        ],
    )
    fx.build(con, "mart_routing_whatif")
    got = {r["candidate_model"]: r for r in fx.rows(con, "select * from mart_routing_whatif")}
    assert got["gpt-small"]["whatif_contracted_cost"] == D("0.6")  # its own batch price
    assert got["gpt-small"]["candidate_tier_fallback_requests"] == 0
    # gpt-big has no batch price: standard 1,000,000 x 10 + 100,000 x 40 = 14, flagged
    assert got["gpt-big"]["whatif_contracted_cost"] == D("14")
    assert got["gpt-big"]["candidate_tier_fallback_requests"] == 1
    con.close()
