"""Property tests: any amount text either parses exactly or is refused with file:line:field."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipelines.lib.margin.lines import (
    RevenueError,
    currency_exponent,
    parse_amount,
    parse_minor_units,
)

AT = "catalog/revenue.csv:7:amount"
money = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=6, allow_nan=False
)


@given(money)
def test_plain_decimals_round_trip_exactly(value: Decimal) -> None:
    assert parse_amount(f"{value:f}", AT) == value


@given(st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.none()))
def test_anything_else_parses_or_names_the_field(text: object) -> None:
    try:
        value = parse_amount(text, AT)
    except RevenueError as error:
        assert str(error).startswith(AT)
    else:
        assert isinstance(value, Decimal) and value.is_finite()


@given(st.integers(min_value=-(10**20), max_value=10**20), st.sampled_from(["usd", "jpy", "kwd"]))
def test_minor_units_scale_back_exactly(units: int, currency: str) -> None:
    value = parse_minor_units(units, currency, AT)
    assert value.scaleb(currency_exponent(currency)) == units
