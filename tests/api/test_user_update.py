"""PATCH /api/v1/users/{id}: a name (admins, or the person themself) or a role (admins)."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error
from tests.conftest import Api, Person


def test_alice_makes_bob_a_manager(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).patch(f"/users/{bob.id}", {"role": "manager"})

    assert response.status_code == 200, response
    assert response.json()["role"] == "manager"
    assert api.as_(bob).get("/me").json()["role"] == "manager"


def test_alice_makes_bob_an_admin_who_can_then_add_users(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).patch(f"/users/{bob.id}", {"role": "admin"})

    response = api.as_(bob).post("/users", {"email": "dana@example.net", "name": "Dana Diaz"})

    assert response.status_code == 201, response


def test_alice_renames_bob(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).patch(f"/users/{bob.id}", {"name": "Robert Baker"})

    assert response.json()["name"] == "Robert Baker"
    assert response.json()["role"] == "member"
    assert api.as_(bob).get("/me").json()["user"]["name"] == "Robert Baker"


def test_bob_renames_himself(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(bob).patch(f"/users/{bob.id}", {"name": "Bobby Baker"})

    assert response.status_code == 200, response
    assert response.json()["name"] == "Bobby Baker"


def test_bob_cannot_change_his_own_role(api: Api, alice: Person, bob: Person) -> None:
    assert_error(api.as_(bob).patch(f"/users/{bob.id}", {"role": "admin"}), 403, "admin_only")
    assert api.as_(bob).get("/me").json()["role"] == "member"


def test_bob_cannot_rename_alice(api: Api, alice: Person, bob: Person) -> None:
    assert_error(api.as_(bob).patch(f"/users/{alice.id}", {"name": "Mallory"}), 403)
    assert api.as_(alice).get("/me").json()["user"]["name"] == "Alice Archer"


def test_a_manager_cannot_change_roles(api: Api, bob: Person, erin: Person) -> None:
    assert_error(api.as_(erin).patch(f"/users/{bob.id}", {"role": "manager"}), 403)


def test_charlie_gets_404_for_alices_user(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    response = api.as_(charlie).patch(f"/users/{bob.id}", {"name": "Hacked"})

    assert_error(response, 404)
    assert api.as_(alice).get(f"/users/{bob.id}").json()["name"] == "Bob Baker"


def test_the_owner_cannot_be_demoted(api: Api, alice: Person, frank: Person) -> None:
    response = api.as_(frank).patch(f"/users/{alice.id}", {"role": "member"})

    assert_error(response, 422, "owner_must_be_admin", field="role")
    assert api.as_(alice).get("/me").json()["role"] == "admin"


def test_the_owner_cannot_demote_herself(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).patch(f"/users/{alice.id}", {"role": "manager"}), 422, "owner_must_be_admin")


def test_a_refused_change_changes_nothing(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).patch(f"/users/{bob.id}", {"role": "manager", "name": "   "})

    assert_error(response, 422, field="name")
    assert api.as_(alice).get(f"/users/{bob.id}").json()["role"] == "member"


def test_a_name_with_a_control_character_is_refused(api: Api, alice: Person, bob: Person) -> None:
    assert_error(api.as_(alice).patch(f"/users/{bob.id}", {"name": "Bob\u0007"}), 422, field="name")


def test_an_unknown_role_is_a_malformed_request(api: Api, alice: Person, bob: Person) -> None:
    assert_error(api.as_(alice).patch(f"/users/{bob.id}", {"role": "superuser"}), 400, "invalid_request")


@pytest.mark.parametrize("user_id", [0, -3, 999_999, 2**63, 10**30])
def test_a_user_id_that_does_not_exist_is_404(api: Api, alice: Person, user_id: int) -> None:
    assert_error(api.as_(alice).patch(f"/users/{user_id}", {"name": "Nobody"}), 404)


def test_alice_cannot_rename_someone_who_uses_their_login_in_other_accounts(
    api: Api, alice: Person, bob: Person, charlie: Person
) -> None:
    api.as_(charlie).post("/users", {"email": bob.email, "name": "Bob Baker"})
    assert_error(api.as_(alice).patch(f"/users/{bob.id}", {"name": "Robert"}), 403, "name_owned_by_user")
    assert api.as_(bob).get("/me").json()["user"]["name"] == "Bob Baker"
    assert api.as_(bob).patch(f"/users/{bob.id}", {"name": "Robert"}).status_code == 200
