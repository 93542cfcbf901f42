"""The sandbox gateway behaves like a card network: it checks cards, follows the public test numbers, charges and
refunds once per idempotency key (even under concurrent calls), and never keeps a card number or CVC."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stint.billing.gateways import CardDetails, CardRefused, ChargeFailed, SavedCard, gateway, sandbox
from stint.billing.gateways.sandbox import IdempotencyKeyReused, SandboxGateway, card_brand
from stint.billing.models import SandboxCard, SandboxCharge, SandboxRefund
from stint.core import clock
from stint.core.clock import FrozenClock
from stint.core.errors import Conflict, NotFound

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)

VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
CHARGES_FAIL = "4000000000000341"
DISCOVER = "6011111111111117"


def with_check_digit(body: str) -> str:
    """`body` followed by the digit that makes it pass the Luhn check (written here, apart from the code)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def card(number: str = VISA, exp_month: Any = 12, exp_year: Any = 2028, cvc: str | None = None) -> CardDetails:
    if cvc is None:
        cvc = "9876" if card_brand(number) == "amex" else "987"
    return CardDetails(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)


def refusal(details: CardDetails) -> CardRefused:
    with pytest.raises(CardRefused) as caught:
        SandboxGateway().card_save(card=details)
    return caught.value


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    with clock.using(FrozenClock(NOW)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


@pytest.fixture
def gw() -> SandboxGateway:
    return SandboxGateway()


@pytest.fixture
def visa(db: None, gw: SandboxGateway) -> SavedCard:
    return gw.card_save(card=card(VISA))


# --- saving cards ---------------------------------------------------------------------------------------------


def test_it_is_the_configured_default_gateway() -> None:
    assert gateway().name == "sandbox"
    assert isinstance(gateway(), SandboxGateway)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "brand"),
    [
        (VISA, "visa"),
        (MASTERCARD, "mastercard"),
        (AMEX, "amex"),
        ("2223003122003222", "mastercard"),  # the 2-series
        (with_check_digit("272099999999999"), "mastercard"),
        ("4222222222222", "visa"),  # 13 digits
        (with_check_digit("424242424242424242"), "visa"),  # 19 digits
    ],
)
def test_it_saves_visa_mastercard_and_amex_cards(gw: SandboxGateway, number: str, brand: str) -> None:
    saved = gw.card_save(card=card(number, exp_month=4, exp_year=2029))

    assert (saved.brand, saved.last4, saved.exp_month, saved.exp_year) == (brand, number[-4:], 4, 2029)
    assert saved.reference.startswith("card_")
    row = SandboxCard.objects.get(reference=saved.reference)
    assert (row.brand, row.last4, row.behaviour) == (brand, number[-4:], "succeed")
    assert row.created_at == NOW


@pytest.mark.django_db
def test_each_saved_card_gets_its_own_reference(gw: SandboxGateway) -> None:
    first, second = gw.card_save(card=card(VISA)), gw.card_save(card=card(VISA))
    assert first.reference != second.reference
    assert SandboxCard.objects.count() == 2


@pytest.mark.django_db
def test_it_allows_spaces_and_dashes_in_the_number(gw: SandboxGateway) -> None:
    saved = gw.card_save(card=card(" 4242 4242-4242 4242 "))
    assert (saved.brand, saved.last4) == ("visa", "4242")


@pytest.mark.parametrize(
    "number",
    [
        "4242.4242.4242.4242",
        "4242424242424242x",
        "4242/4242/4242/4242",
        "\uff14\uff12" * 8,  # full-width digits
    ],
)
def test_it_refuses_anything_else_in_the_number(number: str) -> None:
    refused = refusal(card(number))
    assert (refused.code, refused.field, refused.status) == ("card_number_invalid", "number", 422)
    assert "digits" in refused.detail


@pytest.mark.parametrize("number", ["", "   ", "4242", "4242 4242 4242 4242 4242"])
def test_it_refuses_a_missing_short_or_long_number(number: str) -> None:
    refused = refusal(card(number))
    assert (refused.code, refused.field) == ("card_number_invalid", "number")


@pytest.mark.parametrize("number", ["4242424242424241", "5555555555554445", "378282246310006"])
def test_it_refuses_a_number_that_fails_the_luhn_check(number: str) -> None:
    refused = refusal(card(number))
    assert (refused.code, refused.field) == ("card_number_invalid", "number")
    assert "mistyped digit" in refused.detail


@pytest.mark.parametrize(
    "number",
    [
        DISCOVER,
        "3530111333300000",  # JCB
        "30569309025904",  # Diners Club
        "6200000000000005",  # UnionPay
        with_check_digit("222000000000000"),  # just below the MasterCard 2-series
        with_check_digit("272100000000000"),  # just above it
        with_check_digit("560000000000000"),  # Maestro, not MasterCard
    ],
)
@pytest.mark.django_db
def test_it_refuses_other_brands_naming_the_accepted_ones(number: str) -> None:
    refused = refusal(card(number, cvc="123"))

    assert (refused.code, refused.field, refused.status) == ("card_brand_not_accepted", "number", 422)
    assert "Visa, MasterCard and American Express" in refused.detail
    assert not SandboxCard.objects.exists()


@pytest.mark.parametrize(
    ("number", "lengths"),
    [
        (with_check_digit("42424242424242"), "13, 16 or 19"),  # a 15-digit Visa
        (with_check_digit("5555555555554444"), "16"),
        (with_check_digit("55555555555544"), "16"),
        (with_check_digit("378282246310005"), "15"),  # a 16-digit Amex
    ],
)
def test_it_refuses_a_number_of_the_wrong_length_for_its_brand(number: str, lengths: str) -> None:
    refused = refusal(card(number, cvc="1234"))
    assert (refused.code, refused.field) == ("card_number_invalid", "number")
    assert f"has {lengths} digits" in refused.detail


# --- the public test numbers ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("number", "code"), [(DECLINED, "card_declined"), (INSUFFICIENT_FUNDS, "insufficient_funds")])
def test_a_card_declined_when_saved_is_not_kept(gw: SandboxGateway, number: str, code: str) -> None:
    with pytest.raises(ChargeFailed) as caught:
        gw.card_save(card=card(number))

    assert (caught.value.code, caught.value.status) == (code, 402)
    assert "another card" in caught.value.detail
    assert not SandboxCard.objects.exists()


@pytest.mark.django_db
def test_a_declined_test_number_is_still_checked_first(gw: SandboxGateway) -> None:
    refused = refusal(card(DECLINED, exp_year=2025))
    assert refused.code == "card_expired"


@pytest.mark.django_db
def test_a_card_whose_charges_fail_is_saved_but_every_charge_on_it_fails(gw: SandboxGateway) -> None:
    saved = gw.card_save(card=card(CHARGES_FAIL))
    assert (saved.brand, saved.last4) == ("visa", "0341")

    for key in ("inv-1", "inv-2"):
        with pytest.raises(ChargeFailed) as caught:
            gw.charge(card_reference=saved.reference, amount_minor=900, currency="USD", idempotency_key=key)
        assert (caught.value.code, caught.value.status) == ("card_declined", 402)

    failed = SandboxCharge.objects.order_by("id")
    assert [(c.succeeded, c.failure_code, c.amount_minor) for c in failed] == [(False, "card_declined", 900)] * 2


# --- expiry ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_card_expiring_this_month_is_still_valid(gw: SandboxGateway) -> None:
    saved = gw.card_save(card=card(exp_month=11, exp_year=2026))
    assert (saved.exp_month, saved.exp_year) == (11, 2026)


def test_a_card_that_expired_last_month_is_refused() -> None:
    refused = refusal(card(exp_month=10, exp_year=2026))
    assert (refused.code, refused.field, refused.status) == ("card_expired", "exp_month", 422)
    assert "10/2026" in refused.detail


def test_a_card_that_expired_last_year_is_refused_on_its_year() -> None:
    refused = refusal(card(exp_month=12, exp_year=2025))
    assert (refused.code, refused.field) == ("card_expired", "exp_year")


@pytest.mark.django_db
def test_a_card_is_valid_until_the_last_instant_of_its_month_in_utc(gw: SandboxGateway, frozen: FrozenClock) -> None:
    frozen.set(datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC))
    gw.card_save(card=card(exp_month=11, exp_year=2026))

    # Already December in Berlin, still November in UTC.
    frozen.set(datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")))
    gw.card_save(card=card(exp_month=11, exp_year=2026))

    frozen.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    assert refusal(card(exp_month=11, exp_year=2026)).code == "card_expired"


def test_a_card_expiring_in_december_turns_invalid_with_the_new_year() -> None:
    with clock.using(FrozenClock(datetime(2027, 1, 1, tzinfo=UTC))):
        refused = refusal(card(exp_month=12, exp_year=2026))
    assert (refused.code, refused.field) == ("card_expired", "exp_year")


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "year"), [(28, 2028), ("28", 2028), (26, 2026), ("2031", 2031)])
def test_a_two_digit_year_means_this_century(gw: SandboxGateway, typed: Any, year: int) -> None:
    assert gw.card_save(card=card(exp_year=typed)).exp_year == year


@pytest.mark.django_db
def test_a_month_typed_with_a_leading_zero_is_fine(gw: SandboxGateway) -> None:
    assert gw.card_save(card=card(exp_month="04")).exp_month == 4


@pytest.mark.parametrize("month", [0, 13, -1, "May", "", None, True, 4.0])
def test_it_refuses_a_month_outside_1_to_12(month: Any) -> None:
    refused = refusal(card(exp_month=month))
    assert (refused.code, refused.field) == ("exp_month_invalid", "exp_month")


@pytest.mark.parametrize("year", [202, 20281, -1, "20x8", None, 2100])
def test_it_refuses_a_year_that_is_not_a_plausible_four_digit_year(year: Any) -> None:
    refused = refusal(card(exp_year=year))
    assert (refused.code, refused.field) == ("exp_year_invalid", "exp_year")


# --- CVC ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("number", "cvc"), [(VISA, "123"), (MASTERCARD, "000"), (AMEX, "1234"), (VISA, " 123 ")])
def test_it_accepts_three_digits_or_four_for_amex(gw: SandboxGateway, number: str, cvc: str) -> None:
    assert gw.card_save(card=card(number, cvc=cvc)).last4 == number[-4:]


@pytest.mark.parametrize(
    ("number", "cvc", "digits"),
    [
        (VISA, "1234", "3"),
        (VISA, "12", "3"),
        (MASTERCARD, "12a", "3"),
        (MASTERCARD, "", "3"),
        (AMEX, "123", "4"),
        (AMEX, "12345", "4"),
        (VISA, "\u0661\u0662\u0663", "3"),  # Arabic-Indic digits are digits, but not on a card
    ],
)
def test_it_refuses_a_cvc_of_the_wrong_length_for_the_brand(number: str, cvc: str, digits: str) -> None:
    refused = refusal(card(number, cvc=cvc))
    assert (refused.code, refused.field) == ("cvc_invalid", "cvc")
    assert f"has {digits} digits" in refused.detail


def test_the_number_is_checked_before_the_expiry_and_the_cvc() -> None:
    assert refusal(card("4242424242424241", exp_month=13, cvc="1")).field == "number"
    assert refusal(card(VISA, exp_month=13, cvc="1")).field == "exp_month"
    assert refusal(card(VISA, exp_year=2025, cvc="1")).field == "exp_year"


# --- the number and the CVC are never kept ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("number", [VISA, AMEX, CHARGES_FAIL])
def test_the_number_and_the_cvc_are_never_stored(gw: SandboxGateway, number: str) -> None:
    cvc = "3141" if number == AMEX else "314"
    details = card(number, cvc=cvc)
    saved = gw.card_save(card=details)
    try:
        gw.charge(card_reference=saved.reference, amount_minor=900, currency="USD", idempotency_key="inv-1")
    except ChargeFailed:
        assert number == CHARGES_FAIL

    rows = [*SandboxCard.objects.values(), *SandboxCharge.objects.values()]
    assert {f.attname for f in SandboxCard._meta.concrete_fields} <= set(rows[0])  # every column is scanned
    stored = [str(value) for row in rows for value in row.values()]
    assert not [value for value in stored if number[:6] in value or value.strip() == cvc]
    for text in (repr(details), str(details), repr(saved), str(saved)):
        assert number[:6] not in text and cvc not in text
    assert number[-4:] in repr(details)  # the last four digits, which people recognise, may show


@pytest.mark.django_db
@pytest.mark.parametrize(
    "details",
    [
        card("4242424242424241", cvc="314"),
        card(DISCOVER, cvc="314"),
        card(VISA, exp_year=2020, cvc="314"),
        card(VISA, cvc="31415"),
        card(DECLINED, cvc="314"),
    ],
)
def test_a_refusal_never_quotes_the_number_or_the_cvc(gw: SandboxGateway, details: CardDetails) -> None:
    with pytest.raises((CardRefused, ChargeFailed)) as caught:
        gw.card_save(card=details)

    error: BaseException | None = caught.value
    while error is not None:  # the whole chain a traceback would print
        text = f"{error!s} {error!r} {error.args!r} {getattr(error, 'detail', '')}"
        assert details.number not in text and details.number[:6] not in text and details.cvc not in text
        error = error.__cause__ or error.__context__


# --- charges --------------------------------------------------------------------------------------------------


def test_a_charge_succeeds_on_a_good_card(gw: SandboxGateway, visa: SavedCard) -> None:
    result = gw.charge(card_reference=visa.reference, amount_minor=1800, currency="usd", idempotency_key="inv-1")

    assert (result.amount_minor, result.currency) == (1800, "USD")
    assert result.reference.startswith("ch_")
    row = SandboxCharge.objects.get(reference=result.reference)
    assert (row.card.reference, row.amount_minor, row.succeeded, row.refunded_minor) == (visa.reference, 1800, True, 0)
    assert row.created_at == NOW


def test_the_same_idempotency_key_charges_once(gw: SandboxGateway, visa: SavedCard) -> None:
    first = gw.charge(card_reference=visa.reference, amount_minor=900, currency="USD", idempotency_key="inv-7")
    again = gw.charge(card_reference=visa.reference, amount_minor=900, currency="USD", idempotency_key="inv-7")

    assert again == first
    assert SandboxCharge.objects.count() == 1


def test_another_idempotency_key_charges_again(gw: SandboxGateway, visa: SavedCard) -> None:
    first = gw.charge(card_reference=visa.reference, amount_minor=900, currency="USD", idempotency_key="inv-7")
    second = gw.charge(card_reference=visa.reference, amount_minor=900, currency="USD", idempotency_key="inv-8")

    assert first.reference != second.reference
    assert SandboxCharge.objects.count() == 2


@pytest.mark.django_db
def test_a_replayed_failed_charge_fails_the_same_way_and_charges_nothing(gw: SandboxGateway) -> None:
    failing = gw.card_save(card=card(CHARGES_FAIL))
    codes = []
    for _ in range(2):
        with pytest.raises(ChargeFailed) as caught:
            gw.charge(card_reference=failing.reference, amount_minor=900, currency="USD", idempotency_key="inv-3")
        codes.append(caught.value.code)

    assert codes == ["card_declined", "card_declined"]
    assert SandboxCharge.objects.filter(idempotency_key="inv-3", succeeded=False).count() == 1


@pytest.mark.parametrize(
    "change",
    [{"amount_minor": 901}, {"currency": "EUR"}, {"card_reference": "other"}],
)
def test_an_idempotency_key_reused_for_another_charge_is_refused(
    gw: SandboxGateway, visa: SavedCard, change: dict[str, Any]
) -> None:
    if change.get("card_reference") == "other":
        change = {"card_reference": gw.card_save(card=card(MASTERCARD)).reference}
    request: dict[str, Any] = {
        "card_reference": visa.reference,
        "amount_minor": 900,
        "currency": "USD",
        "idempotency_key": "inv-9",
    }
    gw.charge(**request)

    with pytest.raises(IdempotencyKeyReused, match="inv-9"):
        gw.charge(**(request | change))
    assert isinstance(IdempotencyKeyReused("x"), ValueError)
    assert SandboxCharge.objects.count() == 1


@pytest.mark.django_db
def test_a_charge_on_an_unknown_card_fails_as_card_not_found(gw: SandboxGateway) -> None:
    with pytest.raises(ChargeFailed) as caught:
        gw.charge(card_reference="card_nope", amount_minor=900, currency="USD", idempotency_key="inv-1")
    assert (caught.value.code, caught.value.status) == ("card_not_found", 402)
    assert not SandboxCharge.objects.exists()


@pytest.mark.parametrize("amount", [0, -100, True, 9.5])
def test_a_charge_must_be_a_positive_whole_amount(gw: SandboxGateway, visa: SavedCard, amount: Any) -> None:
    with pytest.raises(ValueError, match="positive"):
        gw.charge(card_reference=visa.reference, amount_minor=amount, currency="USD", idempotency_key="inv-1")
    assert not SandboxCharge.objects.exists()


@pytest.mark.parametrize(("currency", "key"), [("dollars", "inv-1"), ("USD", ""), ("USD", "k" * 121)])
def test_a_charge_needs_a_currency_code_and_an_idempotency_key(
    gw: SandboxGateway, visa: SavedCard, currency: str, key: str
) -> None:
    with pytest.raises(ValueError):
        gw.charge(card_reference=visa.reference, amount_minor=900, currency=currency, idempotency_key=key)
    assert not SandboxCharge.objects.exists()


def test_a_charge_that_lost_a_race_answers_the_winner_and_keeps_the_callers_transaction(
    gw: SandboxGateway, visa: SavedCard, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = gw.charge(card_reference=visa.reference, amount_minor=900, currency="USD", idempotency_key="inv-5")
    # The loser looked for the key before the winner committed, so it tries to insert and hits the constraint.
    monkeypatch.setattr(sandbox, "_charge_by_key", none_at_first(sandbox._charge_by_key))

    with transaction.atomic():
        loser = gw.charge(card_reference=visa.reference, amount_minor=900, currency="USD", idempotency_key="inv-5")
        assert SandboxCharge.objects.count() == 1  # the caller's transaction still works

    assert loser == winner


def test_a_charge_inside_a_transaction_that_rolls_back_leaves_nothing(gw: SandboxGateway, visa: SavedCard) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        gw.charge(card_reference=visa.reference, amount_minor=900, currency="USD", idempotency_key="inv-6")
        raise RuntimeError("the invoice could not be finalised")
    assert not SandboxCharge.objects.exists()


def none_at_first(function: Callable[[str], Any], times: int = 1) -> Callable[[str], Any]:
    """`function`, answering None the first `times` calls: what a call saw before a concurrent winner committed."""
    calls = []

    def patched(key: str) -> Any:
        calls.append(key)
        return None if len(calls) <= times else function(key)

    return patched


def in_threads(count: int, work: Callable[[], Any]) -> list[Any]:
    """Run `work` in `count` threads released together; answers each result or exception."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome = work()
        except Exception as error:
            outcome = error
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_charges_with_one_key_charge_once(gw: SandboxGateway) -> None:
    saved = gw.card_save(card=card(VISA))

    results = in_threads(
        6,
        lambda: gw.charge(card_reference=saved.reference, amount_minor=900, currency="USD", idempotency_key="inv-c"),
    )

    assert len(results) == 6
    assert all(not isinstance(r, Exception) for r in results), results
    assert len({r.reference for r in results}) == 1
    assert SandboxCharge.objects.count() == 1


# --- refunds --------------------------------------------------------------------------------------------------


@pytest.fixture
def paid(gw: SandboxGateway, visa: SavedCard) -> str:
    return gw.charge(
        card_reference=visa.reference, amount_minor=1000, currency="USD", idempotency_key="inv-r"
    ).reference


def test_a_charge_can_be_refunded_in_parts_up_to_what_was_charged(gw: SandboxGateway, paid: str) -> None:
    first = gw.refund(charge_reference=paid, amount_minor=400, idempotency_key="cn-1")
    rest = gw.refund(charge_reference=paid, amount_minor=600, idempotency_key="cn-2")

    assert (first.amount_minor, rest.amount_minor) == (400, 600)
    assert first.reference.startswith("re_") and first.reference != rest.reference
    assert SandboxCharge.objects.get(reference=paid).refunded_minor == 1000
    assert SandboxRefund.objects.get(reference=first.reference).created_at == NOW


def test_a_refund_beyond_what_is_left_is_refused(gw: SandboxGateway, paid: str) -> None:
    gw.refund(charge_reference=paid, amount_minor=999, idempotency_key="cn-1")

    with pytest.raises(Conflict) as caught:
        gw.refund(charge_reference=paid, amount_minor=2, idempotency_key="cn-2")

    assert (caught.value.code, caught.value.status) == ("refund_exceeds_charge", 409)
    assert "USD 0.01" in caught.value.detail
    assert SandboxCharge.objects.get(reference=paid).refunded_minor == 999
    assert SandboxRefund.objects.count() == 1


def test_a_refund_of_more_than_the_charge_is_refused(gw: SandboxGateway, paid: str) -> None:
    with pytest.raises(Conflict, match=r"USD 10\.00"):
        gw.refund(charge_reference=paid, amount_minor=1001, idempotency_key="cn-1")
    assert not SandboxRefund.objects.exists()


def test_the_same_idempotency_key_refunds_once(gw: SandboxGateway, paid: str) -> None:
    first = gw.refund(charge_reference=paid, amount_minor=700, idempotency_key="cn-1")
    again = gw.refund(charge_reference=paid, amount_minor=700, idempotency_key="cn-1")

    assert again == first
    assert SandboxRefund.objects.count() == 1
    assert SandboxCharge.objects.get(reference=paid).refunded_minor == 700


def test_an_idempotency_key_reused_for_another_refund_is_refused(gw: SandboxGateway, paid: str) -> None:
    gw.refund(charge_reference=paid, amount_minor=700, idempotency_key="cn-1")
    with pytest.raises(IdempotencyKeyReused):
        gw.refund(charge_reference=paid, amount_minor=300, idempotency_key="cn-1")
    assert SandboxCharge.objects.get(reference=paid).refunded_minor == 700


@pytest.mark.django_db
def test_a_failed_charge_cannot_be_refunded(gw: SandboxGateway) -> None:
    failing = gw.card_save(card=card(CHARGES_FAIL))
    with pytest.raises(ChargeFailed):
        gw.charge(card_reference=failing.reference, amount_minor=900, currency="USD", idempotency_key="inv-1")
    failed = SandboxCharge.objects.get()

    with pytest.raises(Conflict) as caught:
        gw.refund(charge_reference=failed.reference, amount_minor=900, idempotency_key="cn-1")
    assert caught.value.code == "charge_not_refundable"
    assert not SandboxRefund.objects.exists()


@pytest.mark.django_db
def test_an_unknown_charge_cannot_be_refunded(gw: SandboxGateway) -> None:
    with pytest.raises(NotFound) as caught:
        gw.refund(charge_reference="ch_nope", amount_minor=100, idempotency_key="cn-1")
    assert caught.value.code == "charge_not_found"


@pytest.mark.parametrize("amount", [0, -1])
def test_a_refund_must_be_a_positive_amount(gw: SandboxGateway, paid: str, amount: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        gw.refund(charge_reference=paid, amount_minor=amount, idempotency_key="cn-1")


def test_a_refund_that_lost_a_race_answers_the_winner_and_refunds_once(
    gw: SandboxGateway, paid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = gw.refund(charge_reference=paid, amount_minor=300, idempotency_key="cn-1")
    # Both looks for the key (before and after the charge's lock) missed the winner: the constraint decides.
    monkeypatch.setattr(sandbox, "_refund_by_key", none_at_first(sandbox._refund_by_key, times=2))

    with transaction.atomic():
        loser = gw.refund(charge_reference=paid, amount_minor=300, idempotency_key="cn-1")
        assert SandboxRefund.objects.count() == 1  # the caller's transaction still works

    assert loser == winner
    assert SandboxCharge.objects.get(reference=paid).refunded_minor == 300


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_exceed_the_charge(gw: SandboxGateway) -> None:
    saved = gw.card_save(card=card(VISA))
    paid = gw.charge(card_reference=saved.reference, amount_minor=1000, currency="USD", idempotency_key="inv-1")
    keys = iter(f"cn-{n}" for n in range(6))
    key_lock = threading.Lock()

    def refund_600() -> Any:
        with key_lock:
            key = next(keys)
        return gw.refund(charge_reference=paid.reference, amount_minor=600, idempotency_key=key)

    results = in_threads(6, refund_600)

    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(results) == 6 and len(refused) == 5, results
    assert {r.code for r in refused} == {"refund_exceeds_charge"}
    assert SandboxCharge.objects.get(reference=paid.reference).refunded_minor == 600


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_with_one_key_refund_once(gw: SandboxGateway) -> None:
    saved = gw.card_save(card=card(VISA))
    paid = gw.charge(card_reference=saved.reference, amount_minor=1000, currency="USD", idempotency_key="inv-1")

    results = in_threads(6, lambda: gw.refund(charge_reference=paid.reference, amount_minor=600, idempotency_key="cn"))

    assert all(not isinstance(r, Exception) for r in results), results
    assert len({r.reference for r in results}) == 1
    assert SandboxRefund.objects.count() == 1
    assert SandboxCharge.objects.get(reference=paid.reference).refunded_minor == 600


# --- the brand as it is typed -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "brand"),
    [
        ("4", "visa"),
        ("4242 42", "visa"),
        (VISA, "visa"),
        ("51", "mastercard"),
        ("55-55", "mastercard"),
        ("2221", "mastercard"),
        ("2720 99", "mastercard"),
        ("34", "amex"),
        ("37", "amex"),
        (AMEX, "amex"),
        ("", None),
        ("5", None),
        ("3", None),
        ("35", None),
        ("50", None),
        ("56", None),
        ("2", None),
        ("222", None),
        ("2220", None),
        ("2721", None),
        (DISCOVER, None),
        ("4x", None),
    ],
)
def test_the_brand_shows_as_soon_as_the_leading_digits_tell(typed: str, brand: str | None) -> None:
    assert card_brand(typed) == brand


# --- properties -----------------------------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=14, max_size=14)


@pytest.mark.django_db
@settings(deadline=None, max_examples=60)
@given(body=digits)
def test_any_luhn_valid_16_digit_number_starting_with_4_is_accepted_as_visa(body: str) -> None:
    number = with_check_digit("4" + body)
    assume(number not in (DECLINED, INSUFFICIENT_FUNDS))  # the test numbers declined by design

    saved = SandboxGateway().card_save(card=card(number))

    assert (saved.brand, saved.last4) == ("visa", number[-4:])


@settings(deadline=None)
@given(
    number=st.one_of(
        digits.map(lambda body: with_check_digit("4" + body)),
        digits.map(lambda body: with_check_digit("5" + body)),
        st.text(alphabet="0123456789", min_size=12, max_size=12).map(lambda body: with_check_digit("37" + body)),
    ),
    data=st.data(),
)
def test_changing_any_one_digit_of_a_valid_number_makes_it_invalid(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1), label="position")
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]), label="digit")
    changed = number[:position] + digit + number[position + 1 :]

    refused = refusal(card(changed, cvc="1234" if changed.startswith(("34", "37")) else "123"))

    assert (refused.code, refused.field) == ("card_number_invalid", "number")
