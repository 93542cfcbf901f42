"""Falling back to Free: the owner and the most recently active named users keep tracking; the owner chooses."""

from __future__ import annotations

import pytest

from stint.billing.services import billing_tick
from stint.core.clock import FrozenClock
from tests.api.conftest import assert_error
from tests.conftest import Api, Person, make_member

DAY = 86400


@pytest.fixture
def free_team(frozen: FrozenClock, alice: Person, bob: Person) -> list[Person]:
    """Alice's account with five named users, after its trial ended."""
    people = [make_member(alice, name, f"{name.lower()}@example.com") for name in ("Carol", "Dan", "Eve")]
    frozen.advance(31 * DAY)
    billing_tick()
    return people


def licensed(api: Api, alice: Person) -> dict[str, bool]:
    return {u["email"]: u["licensed"] for u in api.as_(alice).get("/users").json()["items"] if u["active"]}


def test_after_the_trial_the_owner_and_two_others_may_track(api: Api, alice: Person, free_team: list[Person]) -> None:
    flags = licensed(api, alice)
    assert flags["alice@example.com"] is True
    assert sum(flags.values()) == 3


def test_an_unlicensed_person_cannot_start_a_timer(api: Api, alice: Person, free_team: list[Person]) -> None:
    unlicensed = [p for p in free_team if not licensed(api, alice)[p.email]]
    response = api.as_(unlicensed[0]).post("/timer/start", {})
    assert_error(response, 402, "user_not_licensed")
    assert api.as_(unlicensed[0]).get("/time-records").status_code == 200


def test_the_owner_moves_a_license_from_one_person_to_another(api: Api, alice: Person, free_team: list[Person]) -> None:
    flags = licensed(api, alice)
    holder = next(e for e, ok in flags.items() if ok and e != "alice@example.com")
    waiting = next(e for e, ok in flags.items() if not ok)
    ids = {u["email"]: u["id"] for u in api.as_(alice).get("/users").json()["items"]}
    refused = api.as_(alice).patch(f"/users/{ids[waiting]}", {"licensed": True})
    assert_error(refused, 402, "edition_user_limit")
    assert api.as_(alice).patch(f"/users/{ids[holder]}", {"licensed": False}).json()["licensed"] is False
    assert api.as_(alice).patch(f"/users/{ids[waiting]}", {"licensed": True}).json()["licensed"] is True
    assert sum(licensed(api, alice).values()) == 3


def test_members_cannot_hand_out_licenses(api: Api, alice: Person, bob: Person, free_team: list[Person]) -> None:
    ids = {u["email"]: u["id"] for u in api.as_(alice).get("/users").json()["items"]}
    assert_error(api.as_(bob).patch(f"/users/{ids['bob@example.com']}", {"licensed": True}), 403, "admin_only")


def test_the_owner_keeps_a_license(api: Api, alice: Person, free_team: list[Person]) -> None:
    assert_error(api.as_(alice).patch(f"/users/{alice.id}", {"licensed": False}), 409, "owner_keeps_license")


def test_buying_a_subscription_licenses_everyone(api: Api, alice: Person, free_team: list[Person]) -> None:
    card = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    assert (
        api.as_(alice)
        .post("/subscription", {"plan": "regular", "interval": "month", "payment_method": card})
        .status_code
        == 201
    )
    assert all(licensed(api, alice).values())


def test_an_unlicensed_person_cannot_add_records_but_keeps_reading_them(
    api: Api, alice: Person, free_team: list[Person]
) -> None:
    unlicensed = next(p for p in free_team if not licensed(api, alice)[p.email])
    record = {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z"}
    assert_error(api.as_(unlicensed).post("/time-records", record), 402, "user_not_licensed")
    batch = api.as_(unlicensed).post("/time-records/batch", {"items": [record]})
    assert batch.status_code == 422 and batch.json()["errors"][0]["code"] == "user_not_licensed"
    assert api.as_(unlicensed).get("/time-records").status_code == 200
