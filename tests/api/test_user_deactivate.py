"""DELETE /api/v1/users/{id}: deactivate a named user (admins); they keep their records and free the seat."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error, count
from tests.conftest import Api, Mailbox, Person, deliver


def test_alice_removes_bob(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).delete(f"/users/{bob.id}")

    assert response.status_code == 204, response
    assert response.content == b""
    bob_listed = api.as_(alice).get(f"/users/{bob.id}").json()
    assert bob_listed["active"] is False
    assert bob_listed["email"] == "bob@example.com"


def test_bobs_token_stops_working(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    assert_error(api.as_(bob).get("/me"), 401)


def test_the_owner_is_emailed_user_removed_exactly_once(api: Api, alice: Person, bob: Person, mailbox: Mailbox) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    deliver()
    deliver()

    assert count(mailbox, "alice@example.com", "Bob Baker was removed from Account A") == 1
    assert count(mailbox, "bob@example.com", "Bob Baker was removed from Account A") == 0


def test_the_event_log_shows_the_user_removed(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    latest = api.as_(alice).get("/account/events").json()["items"][0]

    assert latest["type"] == "user.removed"
    assert "bob@example.com" in latest["summary"]


def test_another_admin_can_remove_a_member(api: Api, bob: Person, frank: Person) -> None:
    assert api.as_(frank).delete(f"/users/{bob.id}").status_code == 204


def test_bob_cannot_remove_anyone(api: Api, alice: Person, bob: Person, erin: Person) -> None:
    assert_error(api.as_(bob).delete(f"/users/{erin.id}"), 403, "admin_only")
    assert_error(api.as_(bob).delete(f"/users/{alice.id}"), 403, "admin_only")
    assert api.as_(erin).get("/me").status_code == 200


def test_a_manager_cannot_remove_anyone(api: Api, bob: Person, erin: Person) -> None:
    assert_error(api.as_(erin).delete(f"/users/{bob.id}"), 403, "admin_only")


def test_charlie_gets_404_for_alices_user(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    assert_error(api.as_(charlie).delete(f"/users/{bob.id}"), 404)
    assert api.as_(bob).get("/me").status_code == 200


def test_the_owner_cannot_be_removed(api: Api, alice: Person, frank: Person) -> None:
    assert_error(api.as_(frank).delete(f"/users/{alice.id}"), 409, "owner_cannot_be_removed")
    assert_error(api.as_(alice).delete(f"/users/{alice.id}"), 409, "owner_cannot_be_removed")
    assert api.as_(alice).get("/me").status_code == 200


def test_removing_a_removed_user_again_is_a_conflict(api: Api, alice: Person, bob: Person, mailbox: Mailbox) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    assert_error(api.as_(alice).delete(f"/users/{bob.id}"), 409)
    deliver()
    assert count(mailbox, "alice@example.com", "Bob Baker was removed from Account A") == 1


def test_an_admin_may_remove_themself(api: Api, frank: Person) -> None:
    assert api.as_(frank).delete(f"/users/{frank.id}").status_code == 204
    assert_error(api.as_(frank).get("/me"), 401)


def test_removing_bob_from_alices_account_leaves_his_own_account(api: Api, alice: Person, bob: Person) -> None:
    own = api.post(
        "/signup", {"account_name": "Bob's Bakery", "name": "Bob Baker", "email": bob.email, "password": bob.password}
    ).json()

    api.as_(alice).delete(f"/users/{bob.id}")

    assert api.with_token(own["token"]).get("/me").json()["account"]["name"] == "Bob's Bakery"


@pytest.mark.parametrize("user_id", [0, -1, 999_999, 2**63, 10**30])
def test_a_user_id_that_does_not_exist_is_404(api: Api, alice: Person, user_id: int) -> None:
    assert_error(api.as_(alice).delete(f"/users/{user_id}"), 404)
