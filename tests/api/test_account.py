"""GET /api/v1/account: the caller's account, its edition and its owner."""

from __future__ import annotations

from tests.conftest import Api, Person, edition_set


def test_alice_sees_her_account(api: Api, alice: Person) -> None:
    response = api.as_(alice).get("/account")

    assert response.status_code == 200, response
    assert response.json() == {"id": alice.account.pk, "name": "Account A", "edition": "trial", "owner_id": alice.id}


def test_bob_sees_the_account_he_belongs_to(api: Api, alice: Person, bob: Person) -> None:
    assert api.as_(bob).get("/account").json()["id"] == alice.account.pk


def test_charlie_sees_his_own_account_not_alices(api: Api, alice: Person, charlie: Person) -> None:
    body = api.as_(charlie).get("/account").json()

    assert body["id"] == charlie.account.pk
    assert body["owner_id"] == charlie.id


def test_the_edition_follows_the_account(api: Api, alice: Person) -> None:
    edition_set(alice.account, "free")

    assert api.as_(alice).get("/account").json()["edition"] == "free"
