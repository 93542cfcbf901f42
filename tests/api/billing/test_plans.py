"""GET /api/v1/plans: what can be bought, free included; open to everyone in the account."""

from __future__ import annotations

from tests.api.conftest import assert_error
from tests.conftest import Api, Person


def test_it_lists_free_regular_and_enterprise_with_their_prices(api: Api, alice: Person) -> None:
    response = api.as_(alice).get("/plans")

    assert response.status_code == 200, response
    body = response.json()
    assert body["next_cursor"] is None
    plans = {plan["code"]: plan for plan in body["items"]}
    assert list(plans) == ["free", "regular", "enterprise"]
    assert plans["free"]["prices"] == []
    assert (plans["free"]["max_users"], plans["free"]["max_visible_time_records"]) == (3, 300)
    assert plans["regular"]["name"] == "Regular"
    assert plans["regular"]["prices"] == [
        {"interval": "month", "unit_amount_minor": 900, "currency": "USD"},
        {"interval": "year", "unit_amount_minor": 9000, "currency": "USD"},
    ]
    assert {(p["interval"], p["unit_amount_minor"]) for p in plans["enterprise"]["prices"]} == {
        ("month", 1500),
        ("year", 15000),
    }
    assert (plans["enterprise"]["max_users"], plans["enterprise"]["max_visible_time_records"]) == (None, None)


def test_members_see_the_plans_too(api: Api, bob: Person) -> None:
    response = api.as_(bob).get("/plans")

    assert response.status_code == 200, response
    assert len(response.json()["items"]) == 3


def test_without_a_token_it_answers_401(api: Api, alice: Person) -> None:
    assert_error(api.get("/plans"), 401, "not_authenticated")
