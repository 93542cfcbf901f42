from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stint.core.money import CurrencyError, Money, currency_exponent, round_half_even


def test_it_rounds_exact_halves_to_the_even_neighbour() -> None:
    assert round_half_even(Fraction(5, 2)) == 2
    assert round_half_even(Fraction(7, 2)) == 4
    assert round_half_even(Fraction(-5, 2)) == -2
    assert round_half_even(Fraction(2501, 1000)) == 3


def test_it_knows_currency_exponents_zero_two_and_three() -> None:
    assert currency_exponent("JPY") == 0
    assert currency_exponent("usd") == 2
    assert currency_exponent("KWD") == 3


def test_it_refuses_a_code_that_is_not_a_currency() -> None:
    with pytest.raises(CurrencyError):
        Money(100, "dollars")


def test_it_formats_amounts_with_the_currency_exponent() -> None:
    assert Money(123450, "USD").format() == "USD 1,234.50"
    assert Money(1200, "JPY").format() == "JPY 1,200"
    assert Money(-1500, "KWD").format() == "-KWD 1.500"


def test_it_parses_major_units_exactly() -> None:
    assert Money.from_major("9.00", "USD") == Money(900, "USD")
    assert Money.from_major("150", "USD") == Money(15000, "USD")
    with pytest.raises(CurrencyError):
        Money.from_major("9.001", "USD")


def test_it_never_mixes_currencies() -> None:
    with pytest.raises(CurrencyError):
        Money(1, "USD") + Money(1, "EUR")


def test_it_refuses_floats() -> None:
    with pytest.raises(TypeError):
        Money(9.5, "USD")  # type: ignore[arg-type]


def test_a_prorated_seat_is_exact_to_the_second() -> None:
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    at = datetime(2026, 11, 16, tzinfo=UTC)
    ratio = Fraction(int((end - at).total_seconds()), int((end - start).total_seconds()))
    assert Money.from_exact(Money(900, "USD").times(ratio), "USD") == Money(450, "USD")


@given(st.lists(st.fractions(min_value=0, max_value=1, max_denominator=2_678_400), min_size=1, max_size=40))
def test_telescoping_lines_always_sum_to_the_rounded_exact_total(ratios: list[Fraction]) -> None:
    # DESIGN.md: each change bills round(V_after) - round(V_before), so a period's lines sum to round(V_exact).
    price = Money(900, "USD")
    committed = Fraction(0)
    lines = []
    for ratio in ratios:
        after = committed + price.times(ratio)
        lines.append(round_half_even(after) - round_half_even(committed))
        committed = after
    assert sum(lines) == round_half_even(committed)
