"""GET and PATCH /api/v1/me: who is calling, in which account, with which role; their own profile."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error
from tests.conftest import Api, Person


def test_alice_sees_herself_her_account_and_her_role(api: Api, alice: Person) -> None:
    response = api.as_(alice).get("/me")

    assert response.status_code == 200, response
    body = response.json()
    assert {"user", "account", "role"} <= set(body)
    assert {"id", "email", "name", "timezone"} <= set(body["user"])
    assert body["user"]["id"] == alice.id
    assert body["user"]["email"] == "alice@example.com"
    assert body["user"]["name"] == "Alice Archer"
    assert body["user"]["timezone"] == "UTC"
    assert body["account"] == {
        "id": alice.account.pk,
        "name": "Account A",
        "edition": "trial",
        "owner_id": alice.id,
    }
    assert body["role"] == "admin"
    assert body["accounts"] == [{"id": alice.account.pk, "name": "Account A"}]


def test_bob_sees_alices_account_as_a_member(api: Api, alice: Person, bob: Person) -> None:
    body = api.as_(bob).get("/me").json()

    assert body["user"]["email"] == "bob@example.com"
    assert body["account"]["id"] == alice.account.pk
    assert body["account"]["owner_id"] == alice.id
    assert body["role"] == "member"


def test_charlie_sees_only_his_own_account(api: Api, alice: Person, charlie: Person) -> None:
    body = api.as_(charlie).get("/me").json()

    assert body["account"]["id"] == charlie.account.pk
    assert body["accounts"] == [{"id": charlie.account.pk, "name": "Account B"}]


def test_a_manager_sees_the_manager_role(api: Api, erin: Person) -> None:
    assert api.as_(erin).get("/me").json()["role"] == "manager"


def test_alice_changes_her_name_time_zone_and_week_start(api: Api, alice: Person) -> None:
    response = api.as_(alice).patch("/me", {"name": "Alice A. Archer", "timezone": "Europe/Berlin", "week_start": 6})

    assert response.status_code == 200, response
    user = api.as_(alice).get("/me").json()["user"]
    assert user["name"] == "Alice A. Archer"
    assert user["timezone"] == "Europe/Berlin"
    assert user["week_start"] == 6


def test_a_partial_patch_leaves_the_other_fields_alone(api: Api, alice: Person) -> None:
    api.as_(alice).patch("/me", {"timezone": "America/New_York"})

    api.as_(alice).patch("/me", {"name": "Alice Archer-Smith"})

    user = api.as_(alice).get("/me").json()["user"]
    assert user["timezone"] == "America/New_York"
    assert user["name"] == "Alice Archer-Smith"


def test_bob_changes_his_own_profile_and_nobody_elses(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(bob).patch("/me", {"name": "Robert Baker"})

    assert response.json()["user"]["name"] == "Robert Baker"
    assert api.as_(alice).get("/me").json()["user"]["name"] == "Alice Archer"
    assert api.as_(alice).get(f"/users/{bob.id}").json()["name"] == "Robert Baker"


def test_charlies_profile_change_does_not_reach_alices_account(api: Api, alice: Person, charlie: Person) -> None:
    api.as_(charlie).patch("/me", {"name": "Charles Chen"})

    assert [u["name"] for u in api.as_(alice).get("/users").json()["items"]] == ["Alice Archer"]


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "", "Europe", "../../etc/passwd", "UTC\n", "x" * 5000])
def test_an_unknown_time_zone_is_refused_naming_the_field(api: Api, alice: Person, timezone: str) -> None:
    response = api.as_(alice).patch("/me", {"timezone": timezone})

    assert_error(response, 422, "invalid_timezone", field="timezone")
    assert api.as_(alice).get("/me").json()["user"]["timezone"] == "UTC"


def test_a_blank_name_is_refused(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).patch("/me", {"name": " "}), 422, field="name")


def test_a_name_longer_than_150_characters_is_refused(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).patch("/me", {"name": "A" * 100_000}), 422, field="name")


@pytest.mark.parametrize("week_start", [2, 7, -1, 2**63, 10**30])
def test_a_week_starting_on_another_day_is_refused(api: Api, alice: Person, week_start: int) -> None:
    assert_error(api.as_(alice).patch("/me", {"week_start": week_start}), 422, field="week_start")


def test_a_refused_patch_changes_nothing(api: Api, alice: Person) -> None:
    api.as_(alice).patch("/me", {"name": "Alicia", "timezone": "Nowhere/Special"})

    assert api.as_(alice).get("/me").json()["user"]["name"] == "Alice Archer"


def test_a_time_zone_that_is_not_a_string_is_a_malformed_request(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).patch("/me", {"timezone": 1}), 400, "invalid_request")
