"""GET /api/v1/subscription/preview?users_delta=N: what adding (or removing) named users would charge (or credit)
now; it matches what POST and DELETE /users then do."""

from __future__ import annotations

from tests.api.billing.conftest import DAY, START, z
from tests.api.conftest import assert_error
from tests.conftest import Api, Person

DANA = {"email": "dana@example.net", "name": "Dana Diaz"}
PERIOD_END = START.replace(month=2, day=28)


def test_outside_a_paid_period_nothing_is_charged(api: Api, alice: Person) -> None:
    response = api.as_(alice).get("/subscription/preview", users_delta=5)

    assert response.status_code == 200, response
    assert response.json() == {"amount_minor": 0, "currency": "USD", "period_end": None}


def test_adding_a_user_half_way_through_is_charged_half_a_month(api: Api, alice: Person, frozen, regular) -> None:
    frozen.advance(14 * DAY)

    preview = api.as_(alice).get("/subscription/preview", users_delta=1).json()

    assert preview == {"amount_minor": 450, "currency": "USD", "period_end": z(PERIOD_END)}


def test_the_preview_matches_the_invoice_of_the_added_user(api: Api, alice: Person, frozen, regular) -> None:
    frozen.advance(10 * DAY + 3 * 3600 + 17)
    preview = api.as_(alice).get("/subscription/preview", users_delta=1).json()

    assert api.as_(alice).post("/users", DANA).status_code == 201

    invoice = api.as_(alice).get("/invoices").json()["items"][0]
    assert invoice["billing_reason"] == "seat_change"
    assert invoice["total_minor"] == preview["amount_minor"] > 0
    [line] = invoice["lines"]
    assert (line["period_start"], line["period_end"]) == (z(frozen.now()), preview["period_end"])
    assert line["proration"] == f"{(18 * DAY - 3 * 3600 - 17)}/{28 * DAY}"
    after = api.as_(alice).get("/subscription").json()
    assert after["seats"] == 3


def test_the_preview_of_a_removal_is_a_credit_matching_the_credit_note(
    api: Api, alice: Person, bob: Person, frozen, regular
) -> None:
    frozen.advance(21 * DAY)
    preview = api.as_(alice).get("/subscription/preview", users_delta=-1).json()

    assert api.as_(alice).delete(f"/users/{bob.id}").status_code == 204

    assert preview["amount_minor"] == -225  # a week of the 28-day month left
    [note] = api.as_(alice).get("/credit-notes").json()["items"]
    assert (note["reason"], note["total_minor"], note["credit_minor"], note["refund_minor"]) == (
        "seat_removed",
        -preview["amount_minor"],
        225,
        0,
    )
    subscription = api.as_(alice).get("/subscription").json()
    assert (subscription["seats"], subscription["credit_balance_minor"]) == (1, 225)


def test_the_last_seat_cannot_be_credited(api: Api, alice: Person, frozen, regular) -> None:
    preview = api.as_(alice).get("/subscription/preview", users_delta=-5).json()

    assert preview["amount_minor"] == -900  # Bob's seat; Alice keeps hers


def test_users_delta_is_required_and_bounded(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).get("/subscription/preview"), 400, "invalid_request")
    assert_error(api.as_(alice).get("/subscription/preview", users_delta="two"), 400, "invalid_request")
    assert_error(api.as_(alice).get("/subscription/preview", users_delta=10**30), 400, "invalid_request")


def test_bob_cannot_preview(api: Api, bob: Person) -> None:
    assert_error(api.as_(bob).get("/subscription/preview", users_delta=1), 403, "admin_only")


def test_what_the_preview_promised_is_not_charged_when_the_card_fails(api: Api, alice: Person, frozen, regular) -> None:
    from tests.api.billing.conftest import FAILS_LATER

    api.as_(alice).put("/subscription/payment-method", FAILS_LATER)
    frozen.advance(14 * DAY)

    response = api.as_(alice).post("/users", DANA)

    assert_error(response, 402, "card_declined")
    assert DANA["email"] not in [u["email"] for u in api.as_(alice).get("/users").json()["items"]]
    invoice = api.as_(alice).get("/invoices").json()["items"][0]
    assert (invoice["billing_reason"], invoice["status"], invoice["total_minor"]) == ("seat_change", "void", 450)
    assert api.as_(alice).get("/subscription").json()["seats"] == 2
