"""POST /api/v1/users: add a named user (admins), who is invited by email and takes a seat at once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import assert_error, count
from tests.conftest import Api, Mailbox, Person, body_html, body_text, deliver, edition_set

DANA = {"email": "dana@example.net", "name": "Dana Diaz", "role": "member"}


def test_alice_adds_a_named_user(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/users", DANA)

    assert response.status_code == 201, response
    body = response.json()
    assert {"id", "email", "name", "role", "active"} <= set(body)
    assert body["email"] == "dana@example.net"
    assert body["name"] == "Dana Diaz"
    assert body["role"] == "member"
    assert body["active"] is True
    assert body["id"] in {u["id"] for u in api.as_(alice).get("/users").json()["items"]}


def test_the_role_defaults_to_member(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/users", {"email": "dana@example.net", "name": "Dana Diaz"})

    assert response.json()["role"] == "member"


def test_the_new_user_is_invited_by_email_with_an_accept_link(api: Api, alice: Person, mailbox: Mailbox) -> None:
    api.as_(alice).post("/users", DANA)

    deliver()

    [invitation] = mailbox.to("dana@example.net")
    assert str(invitation["Subject"]).strip() == "Alice Archer invited you to Account A on Stint"
    link = re.search(r"https?://\S+/invitations/[\w-]+/", body_text(invitation))
    assert link, body_text(invitation)
    assert link.group(0) in body_html(invitation)
    page = api.client.get(urlsplit(link.group(0)).path)
    assert page.status_code == 200
    assert "Account A" in page.content.decode()


def test_each_invitation_has_its_own_link(api: Api, alice: Person, mailbox: Mailbox) -> None:
    api.as_(alice).post("/users", DANA)
    api.as_(alice).post("/users", {"email": "gina@example.net", "name": "Gina Gold"})

    deliver()

    links = {
        re.search(r"/invitations/[\w-]+/", body_text(m)).group(0)
        for m in mailbox.messages
        if "invited you" in str(m["Subject"])
    }
    assert len(links) == 2


def test_the_owner_is_emailed_user_added_exactly_once(api: Api, alice: Person, mailbox: Mailbox) -> None:
    api.as_(alice).post("/users", DANA)

    deliver()
    deliver()

    assert count(mailbox, "alice@example.com", "Dana Diaz was added to Account A") == 1


def test_the_event_log_shows_the_user_added(api: Api, alice: Person) -> None:
    api.as_(alice).post("/users", DANA)

    latest = api.as_(alice).get("/account/events").json()["items"][0]

    assert latest["type"] == "user.added"
    assert "dana@example.net" in latest["summary"]


def test_the_email_is_stored_lower_case(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/users", {**DANA, "email": "  Dana@Example.NET "})

    assert response.json()["email"] == "dana@example.net"


def test_alice_can_add_a_manager_and_an_admin(api: Api, alice: Person) -> None:
    manager = api.as_(alice).post("/users", {**DANA, "role": "manager"})
    admin = api.as_(alice).post("/users", {"email": "gina@example.net", "name": "Gina Gold", "role": "admin"})

    assert manager.json()["role"] == "manager"
    assert admin.json()["role"] == "admin"


def test_another_admin_can_add_users(api: Api, frank: Person) -> None:
    assert api.as_(frank).post("/users", DANA).status_code == 201


def test_bob_cannot_add_users(api: Api, alice: Person, bob: Person, mailbox: Mailbox) -> None:
    response = api.as_(bob).post("/users", DANA)

    assert_error(response, 403, "admin_only")
    assert "dana@example.net" not in {u["email"] for u in api.as_(alice).get("/users").json()["items"]}
    deliver()
    assert mailbox.to("dana@example.net") == []


def test_a_manager_cannot_add_users(api: Api, erin: Person) -> None:
    assert_error(api.as_(erin).post("/users", DANA), 403, "admin_only")


def test_charlie_adding_bob_to_his_account_leaves_alices_alone(
    api: Api, alice: Person, bob: Person, charlie: Person
) -> None:
    response = api.as_(charlie).post("/users", {"email": bob.email, "name": "Bob B."})

    assert response.status_code == 201, response
    assert response.json()["id"] == bob.id
    assert {u["email"] for u in api.as_(alice).get("/users").json()["items"]} == {alice.email, bob.email}
    assert api.as_(bob).get("/me").json()["account"]["id"] == alice.account.pk
    # Charlie's account reaches Bob's login only once Bob accepts the invitation.
    assert [a["id"] for a in api.as_(bob).get("/me").json()["accounts"]] == [alice.account.pk]
    assert_error(
        api.post(
            "/tokens", {"email": bob.email, "password": bob.password, "label": "B", "account_id": charlie.account.pk}
        ),
        403,
        "not_a_member",
    )


def test_an_active_user_cannot_be_added_twice(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).post("/users", {"email": "BOB@example.com", "name": "Bob Again"})

    assert_error(response, 409, "already_a_user")


def test_the_owner_cannot_be_added_again(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/users", {"email": alice.email, "name": "Alice"}), 409, "already_a_user")


def test_adding_a_deactivated_user_reactivates_them(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    response = api.as_(alice).post("/users", {"email": "Bob@Example.com", "name": "Bob Baker", "role": "manager"})

    assert response.status_code == 201, response
    assert response.json()["id"] == bob.id
    assert response.json()["active"] is True
    assert response.json()["role"] == "manager"
    listed = {u["id"]: u for u in api.as_(alice).get("/users").json()["items"]}
    assert listed[bob.id]["active"] is True
    assert len(listed) == 2


def test_a_reactivated_user_can_log_in_again(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")
    api.as_(alice).post("/users", {"email": bob.email, "name": "Bob Baker"})

    response = api.post("/tokens", {"email": bob.email, "password": bob.password, "label": "CLI"})

    assert response.status_code == 201, response


def test_the_trial_has_no_user_limit(api: Api, alice: Person) -> None:
    for n in range(5):
        response = api.as_(alice).post("/users", {"email": f"user{n}@example.com", "name": f"User {n}"})
        assert response.status_code == 201, response


@pytest.fixture
def free_alice(alice: Person, bob: Person) -> Person:
    edition_set(alice.account, "free")
    return alice


def test_the_free_edition_allows_three_named_users(api: Api, free_alice: Person) -> None:
    third = api.as_(free_alice).post("/users", DANA)
    fourth = api.as_(free_alice).post("/users", {"email": "gina@example.net", "name": "Gina Gold"})

    assert third.status_code == 201, third
    assert_error(fourth, 402, "edition_user_limit")
    assert len(api.as_(free_alice).get("/users").json()["items"]) == 3


def test_reactivating_takes_a_seat_again_in_the_free_edition(api: Api, free_alice: Person, bob: Person) -> None:
    api.as_(free_alice).delete(f"/users/{bob.id}")
    api.as_(free_alice).post("/users", DANA)
    api.as_(free_alice).post("/users", {"email": "gina@example.net", "name": "Gina Gold"})

    response = api.as_(free_alice).post("/users", {"email": bob.email, "name": "Bob Baker"})

    assert_error(response, 402, "edition_user_limit")


def test_removing_a_user_frees_a_seat_in_the_free_edition(api: Api, free_alice: Person, bob: Person) -> None:
    api.as_(free_alice).post("/users", DANA)
    api.as_(free_alice).delete(f"/users/{bob.id}")

    response = api.as_(free_alice).post("/users", {"email": "gina@example.net", "name": "Gina Gold"})

    assert response.status_code == 201, response


@pytest.mark.parametrize("email", ["dana", "dana@", "@example.net", "dana@example", "dana example@example.net"])
def test_an_invalid_email_is_refused_naming_the_field(api: Api, alice: Person, email: str) -> None:
    assert_error(api.as_(alice).post("/users", {**DANA, "email": email}), 422, field="email")


def test_an_email_longer_than_254_characters_is_refused(api: Api, alice: Person) -> None:
    long_email = "d" * 64 + "@" + ("e" * 63 + ".") * 3 + "net"

    assert_error(api.as_(alice).post("/users", {**DANA, "email": long_email}), 422, field="email")


def test_a_blank_name_is_refused_naming_the_field(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/users", {**DANA, "name": ""}), 422, field="name")


def test_a_name_with_a_line_break_is_refused(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/users", {**DANA, "name": "Dana\r\nDiaz"}), 422, field="name")


def test_an_unknown_role_is_a_malformed_request(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/users", {**DANA, "role": "owner"}), 400, "invalid_request")


def test_a_missing_email_is_a_malformed_request(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/users", {"name": "Dana Diaz"}), 400, "invalid_request")
