"""GET /api/v1/subscription: everyone sees the edition and period; the billing fields are for admins only."""

from __future__ import annotations

from datetime import timedelta

from tests.api.billing.conftest import START, z
from tests.api.conftest import assert_error
from tests.conftest import Api, Person

BILLING_FIELDS = ("subscription_key", "credit_balance_minor", "payment_method", "po_number", "refundable_until")


def test_a_new_account_is_trialing_without_a_plan(api: Api, alice: Person) -> None:
    response = api.as_(alice).get("/subscription")

    assert response.status_code == 200, response
    body = response.json()
    assert body["subscription_key"].startswith("sk_")
    del body["subscription_key"], body["id"]
    assert body == {
        "edition": "trial",
        "plan": None,
        "interval": None,
        "status": "trialing",
        "seats": 0,
        "current_period_start": None,
        "current_period_end": None,
        "trial_ends_at": z(START + timedelta(days=30)),
        "cancel_at_period_end": False,
        "credit_balance_minor": 0,
        "currency": "USD",
        "payment_method": {"type": "none", "brand": None, "last4": None, "exp_month": None, "exp_year": None},
        "po_number": "",
        "refundable_until": None,
    }


def test_a_member_sees_the_edition_but_no_billing_details(api: Api, alice: Person, bob: Person) -> None:
    body = api.as_(bob).get("/subscription").json()

    assert (body["edition"], body["status"], body["trial_ends_at"]) == ("trial", "trialing", z(START + timedelta(30)))
    for field in BILLING_FIELDS:
        assert field in body and body[field] is None, field


def test_a_manager_sees_no_billing_details_either(api: Api, alice: Person, erin: Person, regular: dict) -> None:
    body = api.as_(erin).get("/subscription").json()

    assert (body["edition"], body["plan"], body["seats"]) == ("regular", "regular", 3)
    assert all(body[field] is None for field in BILLING_FIELDS)


def test_a_second_admin_sees_the_subscription_key(api: Api, alice: Person, frank: Person) -> None:
    mine = api.as_(alice).get("/subscription").json()

    assert api.as_(frank).get("/subscription").json()["subscription_key"] == mine["subscription_key"]


def test_each_account_sees_its_own_subscription(api: Api, alice: Person, charlie: Person) -> None:
    alices = api.as_(alice).get("/subscription").json()
    charlies = api.as_(charlie).get("/subscription").json()

    assert alices["id"] != charlies["id"]
    assert alices["subscription_key"] != charlies["subscription_key"]


def test_without_a_token_it_answers_401(api: Api, alice: Person) -> None:
    assert_error(api.get("/subscription"), 401, "not_authenticated")
