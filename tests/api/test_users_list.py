"""GET /api/v1/users and GET /api/v1/users/{id}: the account's named users, deactivated ones included."""

from __future__ import annotations

import base64

import pytest

from tests.api.conftest import assert_error
from tests.conftest import Api, Person


def add_users(api: Api, admin: Person, how_many: int) -> list[int]:
    ids = []
    for n in range(how_many):
        response = api.as_(admin).post("/users", {"email": f"user{n}@example.com", "name": f"User {n}"})
        assert response.status_code == 201, response
        ids.append(response.json()["id"])
    return ids


def test_alice_lists_the_named_users_of_her_account(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).get("/users")

    assert response.status_code == 200, response
    body = response.json()
    assert body["next_cursor"] is None
    by_email = {u["email"]: u for u in body["items"]}
    assert set(by_email) == {"alice@example.com", "bob@example.com"}
    assert {"id", "email", "name", "role", "active"} <= set(by_email["bob@example.com"])
    listed_alice = by_email["alice@example.com"]
    assert (listed_alice["id"], listed_alice["name"], listed_alice["role"]) == (alice.id, "Alice Archer", "admin")
    assert listed_alice["active"] is True
    assert (by_email["bob@example.com"]["id"], by_email["bob@example.com"]["role"]) == (bob.id, "member")


def test_bob_sees_the_same_list(api: Api, alice: Person, bob: Person) -> None:
    emails = [u["email"] for u in api.as_(bob).get("/users").json()["items"]]

    assert sorted(emails) == ["alice@example.com", "bob@example.com"]


def test_charlie_sees_nobody_from_alices_account(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    response = api.as_(charlie).get("/users")

    assert [u["email"] for u in response.json()["items"]] == ["charlie@example.org"]
    assert b"alice@example.com" not in response.content
    assert b"bob@example.com" not in response.content


def test_a_deactivated_user_is_listed_as_inactive(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    items = api.as_(alice).get("/users").json()["items"]

    assert {u["email"]: u["active"] for u in items} == {"alice@example.com": True, "bob@example.com": False}


def test_the_list_pages_without_duplicates_or_gaps(api: Api, alice: Person) -> None:
    expected = {alice.id, *add_users(api, alice, 6)}
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.as_(alice).get("/users", **query).json()
        seen += [u["id"] for u in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == expected


def test_a_page_exactly_at_the_end_has_no_next_cursor(api: Api, alice: Person) -> None:
    add_users(api, alice, 2)

    body = api.as_(alice).get("/users", limit=3).json()

    assert len(body["items"]) == 3
    assert body["next_cursor"] is None


@pytest.mark.parametrize("limit", [0, -1, 501, 10**30])
def test_a_limit_outside_1_to_500_is_refused(api: Api, alice: Person, limit: int) -> None:
    assert_error(api.as_(alice).get("/users", limit=limit), 400)


def test_a_limit_of_500_is_allowed(api: Api, alice: Person) -> None:
    assert api.as_(alice).get("/users", limit=500).status_code == 200


def test_a_limit_that_is_not_a_number_is_refused(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).get("/users", limit="abc"), 400, "invalid_request")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        "ü",
        base64.urlsafe_b64encode(b"pk:abc").decode(),
        base64.urlsafe_b64encode(b"id:3").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_we_did_not_give_out_is_refused(api: Api, alice: Person, cursor: str) -> None:
    assert_error(api.as_(alice).get("/users", cursor=cursor), 400)


def test_a_forged_cursor_beyond_any_id_gives_an_empty_page(api: Api, alice: Person) -> None:
    cursor = base64.urlsafe_b64encode(f"pk:{10**30}".encode()).decode()

    response = api.as_(alice).get("/users", cursor=cursor)

    assert response.status_code == 200, response
    assert response.json() == {"items": [], "next_cursor": None}


def test_alice_gets_one_user(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).get(f"/users/{bob.id}")

    assert response.status_code == 200, response
    assert response.json()["email"] == "bob@example.com"
    assert response.json()["active"] is True


def test_bob_gets_alice(api: Api, alice: Person, bob: Person) -> None:
    assert api.as_(bob).get(f"/users/{alice.id}").json()["role"] == "admin"


def test_charlie_gets_404_for_alices_user(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    response = api.as_(charlie).get(f"/users/{bob.id}")

    assert_error(response, 404)
    assert b"bob@example.com" not in response.content


@pytest.mark.parametrize("user_id", [0, -1, 999_999, 2**63, 10**30])
def test_a_user_id_that_does_not_exist_is_404(api: Api, alice: Person, user_id: int) -> None:
    assert_error(api.as_(alice).get(f"/users/{user_id}"), 404)
