"""POST /api/v1/account/owner: the owner hands the account to another active user, who becomes an admin."""

from __future__ import annotations

from tests.api.conftest import assert_error, count
from tests.conftest import Api, Mailbox, Person, deliver


def test_alice_makes_bob_the_owner(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).post("/account/owner", {"user_id": bob.id})

    assert response.status_code == 200, response
    assert response.json()["owner_id"] == bob.id
    bob_me = api.as_(bob).get("/me").json()
    assert bob_me["account"]["owner_id"] == bob.id
    assert bob_me["role"] == "admin"
    assert api.as_(alice).get("/me").json()["account"]["owner_id"] == bob.id


def test_the_old_owner_stays_an_admin(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).post("/account/owner", {"user_id": bob.id})

    assert api.as_(alice).get("/me").json()["role"] == "admin"


def test_old_and_new_owner_are_each_emailed_exactly_once(
    api: Api, alice: Person, bob: Person, mailbox: Mailbox
) -> None:
    api.as_(alice).post("/account/owner", {"user_id": bob.id})

    deliver()
    deliver()

    assert count(mailbox, "alice@example.com", "Account A has a new owner") == 1
    assert count(mailbox, "bob@example.com", "Account A has a new owner") == 1


def test_the_new_owner_receives_the_next_account_events(api: Api, alice: Person, bob: Person, mailbox: Mailbox) -> None:
    api.as_(alice).post("/account/owner", {"user_id": bob.id})

    api.as_(bob).post("/users", {"email": "dana@example.net", "name": "Dana Diaz"})
    deliver()

    assert count(mailbox, "bob@example.com", "Dana Diaz was added to Account A") == 1
    assert count(mailbox, "alice@example.com", "Dana Diaz was added to Account A") == 0


def test_the_event_log_shows_owner_changed(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).post("/account/owner", {"user_id": bob.id})

    assert api.as_(bob).get("/account/events").json()["items"][0]["type"] == "owner.changed"


def test_the_new_owner_can_remove_the_old_one(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).post("/account/owner", {"user_id": bob.id})

    assert api.as_(bob).delete(f"/users/{alice.id}").status_code == 204
    assert_error(api.as_(alice).get("/me"), 401)


def test_bob_cannot_take_ownership(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(bob).post("/account/owner", {"user_id": bob.id})

    assert_error(response, 403, "owner_only")
    assert api.as_(bob).get("/me").json()["account"]["owner_id"] == alice.id


def test_another_admin_cannot_transfer_ownership(api: Api, alice: Person, bob: Person, frank: Person) -> None:
    assert_error(api.as_(frank).post("/account/owner", {"user_id": frank.id}), 403, "owner_only")
    assert_error(api.as_(frank).post("/account/owner", {"user_id": bob.id}), 403, "owner_only")


def test_charlie_gets_404_for_alices_users(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    assert_error(api.as_(charlie).post("/account/owner", {"user_id": bob.id}), 404)
    assert_error(api.as_(charlie).post("/account/owner", {"user_id": alice.id}), 404)
    assert api.as_(alice).get("/me").json()["account"]["owner_id"] == alice.id


def test_alice_cannot_hand_her_account_to_charlie(api: Api, alice: Person, charlie: Person) -> None:
    assert_error(api.as_(alice).post("/account/owner", {"user_id": charlie.id}), 404)


def test_ownership_cannot_go_to_a_deactivated_user(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    response = api.as_(alice).post("/account/owner", {"user_id": bob.id})

    assert_error(response, 422, field="user_id")
    assert api.as_(alice).get("/me").json()["account"]["owner_id"] == alice.id


def test_transferring_to_the_current_owner_is_refused(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/account/owner", {"user_id": alice.id}), 422, "already_owner")


def test_an_unknown_user_id_is_404(api: Api, alice: Person) -> None:
    for user_id in (0, -1, 999_999, 2**63, 10**30):
        assert_error(api.as_(alice).post("/account/owner", {"user_id": user_id}), 404)


def test_a_missing_or_mistyped_user_id_is_a_malformed_request(api: Api, alice: Person, bob: Person) -> None:
    assert_error(api.as_(alice).post("/account/owner", {}), 400, "invalid_request")
    assert_error(api.as_(alice).post("/account/owner", {"user_id": "bob"}), 400, "invalid_request")
