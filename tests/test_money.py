from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.money import largest_remainder, round_cents, to_decimal


def test_split_sums_to_total_and_gives_leftover_cent_to_largest_fraction():
    # 1.00 over weights 1:1:1 -> 0.333.. each; one leftover cent goes to the first (tie).
    assert largest_remainder(D("1.00"), [D(1), D(1), D(1)]) == [D("0.34"), D("0.33"), D("0.33")]
    # 10.00 over 2:3:5 is exact.
    assert largest_remainder(D("10.00"), [D(2), D(3), D(5)]) == [D("2.00"), D("3.00"), D("5.00")]
    # 0.05 over 0.2:0.8 -> 0.01 / 0.04 exactly.
    assert largest_remainder(D("0.05"), [D("0.2"), D("0.8")]) == [D("0.01"), D("0.04")]


def test_negative_totals_split_like_credits():
    parts = largest_remainder(D("-0.05"), [D("0.3"), D("0.7")])
    assert parts == [D("-0.02"), D("-0.03")]
    assert sum(parts) == D("-0.05")


def test_zero_weights_split_evenly_and_bad_input_is_refused():
    assert largest_remainder(D("0.03"), [D(0), D(0)]) == [D("0.02"), D("0.01")]
    with pytest.raises(ValueError, match="not a multiple"):
        largest_remainder(D("0.005"), [D(1)])
    with pytest.raises(ValueError, match="non-negative"):
        largest_remainder(D("1.00"), [D(-1), D(2)])


@given(
    total_cents=st.integers(min_value=-(10**9), max_value=10**9),
    weights=st.lists(
        st.decimals(min_value=0, max_value=10**6, places=18, allow_nan=False),
        min_size=1,
        max_size=40,
    ),
)
def test_parts_always_sum_to_total_and_stay_within_a_cent_of_exact(total_cents, weights):
    total = D(total_cents) / 100
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    if weight_sum:
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total * weight / weight_sum) < D("0.01")


def test_money_parsing_never_goes_through_binary_float_noise():
    assert to_decimal(0.1) == D("0.1")
    assert to_decimal("123.4500") == D("123.4500")
    assert round_cents(D("0.125")) == D("0.12")
    assert round_cents(D("0.135")) == D("0.14")
