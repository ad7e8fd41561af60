"""fct_cost_lines against hand-computed exact decimals (arithmetic in the comments) and against
genai-prices' own calc_price totals."""

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
from genai_prices import Usage, calc_price

from pipelines.lib import warehouse
from schemas import registry

D = date(2026, 11, 2)
WINDOW = (date(2025, 1, 1), date(2027, 1, 1))
KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")


def _genai_total(line, provider_id, context=None):
    usage = Usage(
        input_tokens=line["input_tokens"],
        cache_read_tokens=line["cache_read_tokens"],
        cache_write_tokens=line["cache_write_tokens"],
        cache_write_1h_tokens=line["cache_write_1h_tokens"],
        output_tokens=line["output_tokens"],
    )
    day = line["request_date"]
    return calc_price(
        usage,
        line["model"],
        provider_id=provider_id,
        genai_request_timestamp=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        price_context=context,
    ).total_price


def test_openai_cached_input_with_a_dated_model_id(con, helpers):
    rows = [
        helpers.request(
            "r1",
            D,
            "openai",
            "gpt-4.1-mini-2025-04-14",
            input_tokens=10_000,
            cache_read=4_000,
            output_tokens=500,
        )
    ]
    line = helpers.price_lines(con, rows, *WINDOW)["r1"]
    # uncached 6000 x 0.4 = 2400; cache read 4000 x 0.1 = 400; output 500 x 1.6 = 800
    # (2400 + 400 + 800) x 0.000001 = 0.0036
    assert line["list_cost_input"] == Decimal("0.0024")
    assert line["list_cost_cache_read"] == Decimal("0.0004")
    assert line["list_cost_output"] == Decimal("0.0008")
    assert line["list_cost"] == line["contracted_cost"] == Decimal("0.0036")
    assert line["list_cost"] == _genai_total(line, "openai")
    assert line["list_price_id_input"] == (
        "list:openai:gpt-4.1-mini-2025-04-14:standard:base:input:1970-01-01"
    )
    assert line["contracted_price_id_input"] == line["list_price_id_input"]
    assert (line["price_status"], line["context_tier"]) == ("priced", "base")
    assert (line["list_currency"], line["contracted_currency"]) == ("USD", "USD")
    source = con.execute(
        "select distinct source from dim_prices where model = 'gpt-4.1-mini-2025-04-14'"
    ).fetchall()
    assert source == [("genai-prices 0.2.3 (gpt-4.1-mini)",)]


def test_anthropic_cache_writes_5m_and_1h_and_cache_reads(con, helpers):
    rows = [
        helpers.request(
            "r1",
            D,
            "anthropic",
            "claude-sonnet-4-5-20250929",
            input_tokens=10_000,
            cache_read=5_000,
            cache_write_5m=2_000,
            cache_write_1h=1_000,
            output_tokens=300,
        )
    ]
    line = helpers.price_lines(con, rows, *WINDOW)["r1"]
    # uncached 2000 x 3 = 6000; read 5000 x 0.3 = 1500; 5m write 2000 x 3.75 = 7500;
    # 1h write 1000 x 6 = 6000; output 300 x 15 = 4500; total 25500 x 0.000001 = 0.0255
    assert [line[f"list_price_{k}"] for k in KINDS] == [
        Decimal(p) for p in ("3", "0.3", "3.75", "6", "15")
    ]
    assert line["list_cost_cache_write"] == Decimal("0.0075")
    assert line["list_cost_cache_write_1h"] == Decimal("0.006")
    assert line["list_cost"] == Decimal("0.0255")
    assert line["list_cost"] == _genai_total(line, "anthropic")


@pytest.mark.parametrize(
    ("total_input", "cache_read", "expected", "tier"),
    [
        # 199999 x 3 x 0.000001 = 0.599997 (base: total input <= 200000)
        (199_999, 0, "0.599997", "base"),
        # 200000 x 3 x 0.000001 = 0.6 (genai-prices: tier when input > start, start exclusive)
        (200_000, 0, "0.6", "base"),
        # 200001 x 6 x 0.000001 = 1.200006 (every token at the long-context rate)
        (200_001, 0, "1.200006", "long_context"),
        # cache reads count toward the threshold: 100000 x 6 + 100001 x 0.6 = 660000.6
        # x 0.000001 = 0.6600006
        (200_001, 100_001, "0.6600006", "long_context"),
    ],
)
def test_long_context_threshold_matches_genai_prices(
    con, helpers, total_input, cache_read, expected, tier
):
    rows = [
        helpers.request(
            "r1",
            D,
            "anthropic",
            "claude-sonnet-4-5-20250929",
            input_tokens=total_input,
            cache_read=cache_read,
        )
    ]
    line = helpers.price_lines(con, rows, *WINDOW)["r1"]
    assert line["list_cost"] == Decimal(expected)
    assert line["list_cost"] == _genai_total(line, "anthropic")
    assert line["context_tier"] == tier
    band = "min200001" if tier == "long_context" else "base"
    assert f":standard:{band}:input:" in line["list_price_id_input"]


def test_batch_uses_the_batch_variant_and_is_unpriced_before_genai_has_one(con, helpers):
    rows = [
        helpers.request(
            "b1",
            D,
            service_tier="batch",
            input_tokens=1_000_000,
            cache_read=200_000,
            output_tokens=1_000_000,
        ),
        # genai-prices' batch rates start on 2026-10-14: no list batch price the day before
        helpers.request("b0", date(2026, 10, 13), service_tier="batch", input_tokens=10),
    ]
    lines = helpers.price_lines(con, rows, *WINDOW)
    b1 = lines["b1"]
    # uncached 800000 x 0.2 = 160000; cache read 200000 x 0.1 (no batch override: standard)
    # = 20000; output 1000000 x 0.8 = 800000; total 980000 x 0.000001 = 0.98
    assert b1["list_cost"] == Decimal("0.98")
    assert b1["list_cost"] == _genai_total(b1, "openai", {"processing": "batch"})
    assert b1["list_price_id_input"].startswith("list:openai:gpt-4.1-mini:batch:base:input:")
    b0 = lines["b0"]
    assert b0["price_status"] == "unpriced"
    assert b0["list_cost"] is None and b0["contracted_cost"] is None
    assert b0["list_cost_output"] is None  # NULL for every kind, never 0
    assert b0["unpriced_reason"] == (
        "no list or contract price for openai/gpt-4.1-mini (input) at service tier batch"
    )


def test_a_dated_list_price_change(con, helpers):
    rows = [
        helpers.request(
            "before", date(2025, 6, 9), model="o3", input_tokens=1000, output_tokens=1000
        ),
        helpers.request(
            "after", date(2025, 6, 10), model="o3", input_tokens=1000, output_tokens=1000
        ),
    ]
    lines = helpers.price_lines(con, rows, *WINDOW)
    # before: 1000 x 10 + 1000 x 40 = 50000 x 0.000001 = 0.05
    assert lines["before"]["list_cost"] == Decimal("0.05")
    # from 2025-06-10: 1000 x 2 + 1000 x 8 = 10000 x 0.000001 = 0.01
    assert lines["after"]["list_cost"] == Decimal("0.01")
    for line in lines.values():
        assert line["list_cost"] == _genai_total(line, "openai")
    assert lines["before"]["list_price_id_input"].endswith(":input:1970-01-01")
    assert lines["after"]["list_price_id_input"].endswith(":input:2025-06-10")
    # the unchanged cache-read price is one SCD-2 row across the change
    rows = con.execute(
        "select valid_from, valid_to from dim_prices where model = 'o3' order by token_kind, 1"
    ).fetchall()
    assert (date(1970, 1, 1), None) in rows  # cache_read 0.5 never changed
    assert (date(1970, 1, 1), date(2025, 6, 10)) in rows


def test_contracted_prices_by_date_and_tier(con, helpers, tmp_path):
    contracts = helpers.write_contracts(
        tmp_path / "prices.csv",
        [
            "openai,gpt-4.1-mini,input,,0.35,1000000 Tokens,USD,2026-01-01,2026-11-01",
            "openai,gpt-4.1-mini,input,,0.00030,1000 Tokens,USD,2026-11-01,",
            "openai,gpt-4.1-mini,input,standard,0.25,1000000 Tokens,USD,2026-11-01,",
        ],
    )
    kw = {"input_tokens": 1000, "output_tokens": 1000}
    rows = [
        helpers.request("oct31", date(2026, 10, 31), **kw),
        helpers.request("nov01", date(2026, 11, 1), **kw),
        helpers.request("nov01_batch", date(2026, 11, 1), service_tier="batch", **kw),
    ]
    lines = helpers.price_lines(con, rows, *WINDOW, contracts=contracts)
    oct31, nov01, batch = lines["oct31"], lines["nov01"], lines["nov01_batch"]
    # list: 1000 x 0.4 + 1000 x 1.6 = 2000 x 0.000001 = 0.002
    assert oct31["list_cost"] == nov01["list_cost"] == Decimal("0.002")
    # contract (any tier) until 2026-10-31: 1000 x 0.35 + output at list 1000 x 1.6 = 0.00195
    assert oct31["contracted_cost"] == Decimal("0.00195")
    assert oct31["contracted_price_id_input"] == (
        "contracted:openai:gpt-4.1-mini:*:base:input:2026-01-01"
    )
    assert oct31["contracted_price_id_output"] == oct31["list_price_id_output"]
    # from 2026-11-01 the exact 'standard' row beats 'any': 1000 x 0.25 + 1000 x 1.6 = 0.00185
    assert nov01["contracted_price_input"] == Decimal("0.25")
    assert nov01["contracted_cost"] == Decimal("0.00185")
    # batch gets the 'any' row (0.0003 per 1000 = 0.3 per million) and the batch list output:
    # 1000 x 0.3 + 1000 x 0.8 = 1100 x 0.000001 = 0.0011; list 1000 x 0.2 + 1000 x 0.8 = 0.001
    assert batch["contracted_cost"] == Decimal("0.0011")
    assert batch["list_cost"] == Decimal("0.001")


def test_unpriced_model_app_cache_hit_and_zero_token_call(con, helpers):
    rows = [
        helpers.request("ft", D, "openai", "ft:foo", input_tokens=10, output_tokens=5),
        helpers.request("hit", D, cache_status="exact"),
        helpers.request("sem", D, "openai", "ft:foo", cache_status="semantic"),
        helpers.request("zero", D),
    ]
    lines = helpers.price_lines(con, rows, *WINDOW)
    ft = lines["ft"]
    assert ft["price_status"] == "unpriced"
    assert ft["unpriced_reason"] == "no list or contract price for openai/ft:foo (input, output)"
    assert all(
        ft[f"{t}_cost{s}"] is None
        for t in ("list", "contracted")
        for s in ("", *(f"_{k}" for k in KINDS))
    )
    for rid in ("hit", "sem", "zero"):
        line = lines[rid]
        assert line["price_status"] == "no_provider_call"
        assert line["unpriced_reason"] is None
        assert line["list_cost"] == line["contracted_cost"] == Decimal(0)
    assert con.execute("select count(*) from dim_prices where model = 'ft:foo'").fetchone() == (0,)


def test_contract_only_model_is_priced_without_list_cost(con, helpers, tmp_path):
    contracts = helpers.write_contracts(
        tmp_path / "prices.csv",
        [
            "openai,ft:foo,input,,1.5,1000000 Tokens,USD,2026-01-01,",
            "openai,ft:foo,output,,6,1000000 Tokens,USD,2026-01-01,",
        ],
    )
    rows = [helpers.request("ft", D, "openai", "ft:foo", input_tokens=1000, output_tokens=100)]
    line = helpers.price_lines(con, rows, *WINDOW, contracts=contracts)["ft"]
    # 1000 x 1.5 + 100 x 6 = 2100 x 0.000001 = 0.0021
    assert line["price_status"] == "priced"
    assert line["contracted_cost"] == Decimal("0.0021")
    assert line["list_cost"] is None and line["list_currency"] is None


def test_mixed_contract_currencies_are_unpriced(con, helpers, tmp_path):
    contracts = helpers.write_contracts(
        tmp_path / "prices.csv",
        ["openai,gpt-4.1-mini,input,,0.3,1000000 Tokens,EUR,2026-01-01,"],
    )
    rows = [helpers.request("r", D, input_tokens=10, output_tokens=10)]
    line = helpers.price_lines(con, rows, *WINDOW, contracts=contracts)["r"]
    assert line["price_status"] == "unpriced"
    assert line["unpriced_reason"] == (
        "mixed contracted currencies (EUR, USD) for openai/gpt-4.1-mini"
    )


def test_one_line_per_request_rerun_and_schema(con, helpers, tmp_path):
    contracts = helpers.write_contracts(
        tmp_path / "prices.csv",
        [
            "anthropic,claude-sonnet-4-5,input,,2,1000000 Tokens,USD,2026-01-01,",
            "anthropic,claude-sonnet-4-5,input,standard,2.5,1000000 Tokens,USD,2026-01-01,",
            "anthropic,claude-sonnet-4-5,input,standard,5,1000000 Tokens,USD,2026-01-01,,200001",
        ],
        header=(
            "provider,model,token_kind,service_tier,unit_price,unit,currency,valid_from,"
            "valid_to,min_input_tokens"
        ),
    )
    rows = [
        helpers.request(
            f"r{i}",
            D if i % 2 else date(2026, 11, 3),
            "anthropic",
            "claude-sonnet-4-5",
            input_tokens=n,
            output_tokens=1,
            service_tier=tier,
        )
        for i, (n, tier) in enumerate(
            [(10, "standard"), (250_000, "standard"), (10, "batch"), (300_000, "batch")]
        )
    ]
    lines = helpers.price_lines(con, rows, *WINDOW, contracts=contracts)
    assert lines["r0"]["contracted_price_input"] == Decimal("2.5")  # exact tier beats any
    assert lines["r1"]["contracted_price_input"] == Decimal("5")  # contracted long context
    assert lines["r2"]["contracted_price_input"] == Decimal("2")  # any tier
    model = warehouse.load_model(helpers.fct_cost_lines)
    for _ in range(2):
        assert warehouse.run_model(con, model, *WINDOW) == 4
    assert con.execute(
        "select count(*), count(distinct request_id) from fct_cost_lines"
    ).fetchone() == (4, 4)
    frame = pl.from_arrow(con.execute("select * from fct_cost_lines").to_arrow_table())
    assert registry.validate_frame("fct_cost_lines", frame) is None
    # no two list or contract rows of one key overlap in time
    overlaps = con.execute(
        """select count(*) from dim_prices a join dim_prices b
             on a.price_type = b.price_type and a.provider = b.provider and a.model = b.model
            and a.service_tier = b.service_tier and a.token_kind = b.token_kind
            and a.min_input_tokens = b.min_input_tokens and a.price_id < b.price_id
            and a.valid_from < coalesce(b.valid_to, date '9999-12-31')
            and b.valid_from < coalesce(a.valid_to, date '9999-12-31')"""
    ).fetchone()
    assert overlaps == (0,)


def test_provider_aliases_resolve_through_genai_prices(con, helpers):
    rows = [
        helpers.request("az", D, "azure_openai", "gpt-4.1-mini", input_tokens=1000),
        helpers.request("gcp", D, "gcp_vertex", "claude-sonnet-4-5@20250929", input_tokens=1000),
        helpers.request("x", D, "nobody", "gpt-4.1-mini", input_tokens=1000),
    ]
    lines = helpers.price_lines(con, rows, *WINDOW)
    assert lines["az"]["list_cost"] == Decimal("0.0004")  # 1000 x 0.4 x 0.000001
    assert lines["gcp"]["list_cost"] == Decimal("0.003")  # 1000 x 3 x 0.000001
    assert lines["x"]["price_status"] == "unpriced"
