"""Money: integer minor units and a currency code; exact maths with Fraction; no floats anywhere.

Rounding to the minor unit is half-even ("banker's rounding"), which is what `round()` does on a Fraction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

# ISO 4217 minor-unit exponents that differ from 2; every other currency has two decimals.
_EXPONENT_EXCEPTIONS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


class CurrencyError(ValueError):
    pass


def currency_exponent(currency: str) -> int:
    code = currency.upper()
    if len(code) != 3 or not code.isalpha():
        raise CurrencyError(f"{currency!r} is not an ISO 4217 currency code.")
    return _EXPONENT_EXCEPTIONS.get(code, 2)


def round_half_even(value: Fraction) -> int:
    """The nearest integer; exact halves go to the even neighbour."""
    return round(value)


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("Money.amount_minor must be an int (minor units).")
        object.__setattr__(self, "currency", self.currency.upper())
        currency_exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_exact(cls, value_minor: Fraction, currency: str) -> Money:
        """Round an exact amount in minor units, half-even."""
        return cls(round_half_even(value_minor), currency)

    @classmethod
    def from_major(cls, amount: str | Decimal | int, currency: str) -> Money:
        """'9.00' USD -> 900; refuses amounts finer than the currency's minor unit."""
        exact = Fraction(Decimal(amount)) * 10 ** currency_exponent(currency)
        if exact.denominator != 1:
            raise CurrencyError(f"{amount} has more decimals than {currency.upper()} allows.")
        return cls(int(exact), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyError(f"Cannot combine {self.currency} and {other.currency}.")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def times(self, factor: Fraction | int) -> Fraction:
        """The exact product in minor units; round it once, where the rule says so."""
        return Fraction(self.amount_minor) * Fraction(factor)

    @property
    def major(self) -> Decimal:
        exponent = currency_exponent(self.currency)
        return Decimal(self.amount_minor).scaleb(-exponent)

    def format(self) -> str:
        """'USD 1,234.50', '-JPY 1,200'."""
        exponent = currency_exponent(self.currency)
        sign = "-" if self.amount_minor < 0 else ""
        return f"{sign}{self.currency} {abs(self.major):,.{exponent}f}"

    def __str__(self) -> str:
        return self.format()
