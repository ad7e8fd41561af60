"""List prices from genai-prices: dated versions, token kinds, tiers and service tiers, checked
against genai-prices' own calc_price."""

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
from genai_prices import Usage, calc_price

from pipelines.lib.pricing import list_prices_for
from pipelines.lib.pricing.list_prices import PROVIDER_IDS, TIER_CONTEXTS

SCHEMA = {
    "provider": pl.String(),
    "model": pl.String(),
    "service_tier": pl.String(),
    "first_date": pl.Date(),
    "last_date": pl.Date(),
}


def _models(*rows):
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def test_unknown_model_or_provider_has_no_list_price():
    frame = list_prices_for(
        _models(
            ("openai", "ft:gpt-4.1-mini:acme:x", "standard", date(2026, 1, 1), date(2026, 1, 2)),
            ("nobody", "gpt-4.1-mini", "standard", date(2026, 1, 1), date(2026, 1, 2)),
        )
    )
    assert frame.is_empty()


def test_only_versions_overlapping_the_dates_seen_are_emitted():
    before = list_prices_for(
        _models(("openai", "o3", "standard", date(2025, 1, 1), date(2025, 2, 1)))
    )
    inputs = before.filter(pl.col("token_kind") == "input")
    assert inputs.select("unit_price", "valid_from", "valid_to").rows() == [
        (Decimal("10"), date(1970, 1, 1), date(2025, 6, 10))
    ]
    both = list_prices_for(
        _models(("openai", "o3", "standard", date(2025, 1, 1), date(2025, 7, 1)))
    )
    assert both.filter(pl.col("token_kind") == "input").height == 2
    # the id of a version does not depend on the window it was looked up for
    assert set(inputs["price_id"]) <= set(both["price_id"])
    assert both["price_id"].is_unique().all()
    assert set(both["token_kind"]) == {
        "input",
        "cache_read",
        "cache_write",
        "cache_write_1h",
        "output",
    }


def test_cache_write_kinds_map_to_the_genai_price_keys():
    frame = list_prices_for(
        _models(
            (
                "anthropic",
                "claude-sonnet-4-5-20250929",
                "standard",
                date(2026, 11, 1),
                date(2026, 11, 2),
            )
        )
    ).filter(pl.col("min_input_tokens") == 0)
    prices = dict(frame.select("token_kind", "unit_price").rows())
    # cache_write_mtok 3.75 (5 minutes) and cache_write_1h_mtok 6
    assert prices == {
        "input": Decimal("3"),
        "cache_read": Decimal("0.3"),
        "cache_write": Decimal("3.75"),
        "cache_write_1h": Decimal("6"),
        "output": Decimal("15"),
    }
    tiers = list_prices_for(
        _models(
            ("anthropic", "claude-sonnet-4-5", "standard", date(2026, 11, 1), date(2026, 11, 2))
        )
    ).filter(pl.col("min_input_tokens") > 0)
    assert set(tiers["min_input_tokens"]) == {200_001}
    assert tiers.height == 5


def test_service_tiers_without_a_genai_variant_have_no_rows():
    day = date(2026, 11, 2)
    frame = list_prices_for(
        _models(
            ("openai", "gpt-4.1-mini", "flex", day, day),  # genai-prices: no flex rate
            ("openai", "o3", "flex", day, day),  # flex rate from 2026-10-12
            ("anthropic", "claude-sonnet-4-5", "priority", day, day),
            ("gcp_vertex", "claude-sonnet-4-5@20250929", "batch", day, day),
        )
    )
    assert frame.select("model", "service_tier").unique().rows() == [("o3", "flex")]
    assert frame.filter(pl.col("token_kind") == "input")["unit_price"].to_list() == [Decimal("1")]
    assert frame["valid_from"].unique().to_list() == [date(2026, 10, 12)]


CASES = [
    (provider, model, tier)
    for provider, model in [
        ("openai", "gpt-4.1-mini-2025-04-14"),
        ("openai", "o3"),
        ("openai", "gpt-5"),
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("anthropic", "claude-opus-4-1"),
        ("gcp_vertex", "gemini-2.5-pro"),
        ("azure_openai", "gpt-4.1-mini"),
        ("aws_bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ]
    for tier in TIER_CONTEXTS
]
USAGES = [
    # (total input, cache read, cache write 5m, cache write 1h, output)
    (1_234, 0, 0, 0, 567),
    (50_000, 20_000, 3_000, 2_000, 1_111),
    (200_000, 100_000, 0, 0, 10),
    (200_001, 100_000, 1, 7, 10),
    (450_000, 10_000, 20_000, 30_000, 4_000),
]


@pytest.mark.parametrize(("provider", "model", "tier"), CASES)
@pytest.mark.parametrize("day", [date(2025, 6, 1), date(2026, 11, 2)])
def test_cost_lines_equal_genai_calc_price(con, helpers, provider, model, tier, day):
    rows = [
        helpers.request(
            f"r{i}",
            day,
            provider,
            model,
            input_tokens=n,
            cache_read=r,
            cache_write_5m=w5,
            cache_write_1h=w1,
            output_tokens=o,
            service_tier=tier,
        )
        for i, (n, r, w5, w1, o) in enumerate(USAGES)
    ]
    lines = helpers.price_lines(con, rows, day, date(2027, 1, 1))
    for i, (n, r, w5, w1, o) in enumerate(USAGES):
        line = lines[f"r{i}"]
        usage = Usage(
            input_tokens=n,
            cache_read_tokens=r,
            cache_write_tokens=w5 + w1,
            cache_write_1h_tokens=w1,
            output_tokens=o,
        )
        at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        genai = calc_price(
            usage,
            model,
            provider_id=PROVIDER_IDS[provider],
            genai_request_timestamp=at,
            price_context=TIER_CONTEXTS[tier],
        )
        if line["price_status"] == "unpriced":
            # only when genai-prices has no rate for the tier: it falls back to standard
            assert tier != "standard", line["unpriced_reason"]
            standard = calc_price(
                usage, model, provider_id=PROVIDER_IDS[provider], genai_request_timestamp=at
            )
            assert genai.total_price == standard.total_price
            continue
        assert line["list_cost"] == genai.total_price, (n, r, w5, w1, o)
