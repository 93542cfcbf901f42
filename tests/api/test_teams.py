"""/api/v1/teams: named groups of users in an account. Everyone can read them; admins change them."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error
from tests.conftest import Api, Person


@pytest.fixture
def design_team(api: Api, alice: Person, bob: Person) -> dict:
    response = api.as_(alice).post("/teams", {"name": "Design", "member_ids": [alice.id, bob.id]})
    assert response.status_code == 201, response
    return response.json()


def team_names(api: Api, person: Person) -> list[str]:
    return [t["name"] for t in api.as_(person).get("/teams").json()["items"]]


# --- create ---


def test_alice_creates_a_team_with_members(api: Api, alice: Person, bob: Person) -> None:
    response = api.as_(alice).post("/teams", {"name": "Design", "member_ids": [bob.id, alice.id]})

    assert response.status_code == 201, response
    body = response.json()
    assert body["name"] == "Design"
    assert body["member_ids"] == sorted([alice.id, bob.id])
    assert team_names(api, alice) == ["Design"]


def test_a_team_may_start_empty(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/teams", {"name": "Research"})

    assert response.status_code == 201, response
    assert response.json()["member_ids"] == []


def test_bob_cannot_create_a_team(api: Api, alice: Person, bob: Person) -> None:
    assert_error(api.as_(bob).post("/teams", {"name": "Bob's Crew"}), 403, "admin_only")
    assert team_names(api, alice) == []


def test_a_team_cannot_include_charlie(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    response = api.as_(alice).post("/teams", {"name": "Design", "member_ids": [bob.id, charlie.id]})

    assert_error(response, 422, "unknown_user", field="member_ids")
    assert team_names(api, alice) == []


@pytest.mark.parametrize("member_id", [0, -1, 999_999, 2**63, 10**30])
def test_a_member_id_that_does_not_exist_is_refused(api: Api, alice: Person, member_id: int) -> None:
    response = api.as_(alice).post("/teams", {"name": "Design", "member_ids": [member_id]})

    assert_error(response, 422, "unknown_user", field="member_ids")


def test_team_names_are_unique_ignoring_case(api: Api, alice: Person, design_team: dict) -> None:
    assert_error(api.as_(alice).post("/teams", {"name": "DESIGN"}), 409, "team_exists")


def test_charlie_may_use_a_name_alice_uses(api: Api, design_team: dict, charlie: Person) -> None:
    assert api.as_(charlie).post("/teams", {"name": "Design"}).status_code == 201


def test_a_blank_or_overlong_name_is_refused(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/teams", {"name": " "}), 422, field="name")
    assert_error(api.as_(alice).post("/teams", {"name": "T" * 101}), 422, field="name")


def test_member_ids_that_are_not_numbers_are_a_malformed_request(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/teams", {"name": "Design", "member_ids": ["bob"]}), 400, "invalid_request")


# --- read ---


def test_bob_can_see_the_teams(api: Api, bob: Person, design_team: dict) -> None:
    assert team_names(api, bob) == ["Design"]
    response = api.as_(bob).get(f"/teams/{design_team['id']}")
    assert response.status_code == 200, response
    assert response.json() == design_team


def test_charlie_sees_none_of_alices_teams(api: Api, design_team: dict, charlie: Person) -> None:
    assert team_names(api, charlie) == []


def test_charlie_gets_404_for_alices_team(api: Api, design_team: dict, charlie: Person) -> None:
    response = api.as_(charlie).get(f"/teams/{design_team['id']}")

    assert_error(response, 404)
    assert b"Design" not in response.content


def test_the_team_list_pages(api: Api, alice: Person) -> None:
    for name in ("Alpha", "Beta", "Gamma"):
        api.as_(alice).post("/teams", {"name": name})

    first = api.as_(alice).get("/teams", limit=2).json()
    second = api.as_(alice).get("/teams", limit=2, cursor=first["next_cursor"]).json()

    assert [t["name"] for t in first["items"] + second["items"]] == ["Alpha", "Beta", "Gamma"]
    assert second["next_cursor"] is None


# --- update ---


def test_alice_renames_a_team_and_changes_its_members(api: Api, alice: Person, bob: Person, design_team: dict) -> None:
    response = api.as_(alice).patch(f"/teams/{design_team['id']}", {"name": "Product Design", "member_ids": [bob.id]})

    assert response.status_code == 200, response
    assert response.json()["name"] == "Product Design"
    assert response.json()["member_ids"] == [bob.id]


def test_a_patch_without_member_ids_keeps_the_members(api: Api, alice: Person, design_team: dict) -> None:
    response = api.as_(alice).patch(f"/teams/{design_team['id']}", {"name": "UX"})

    assert response.json()["member_ids"] == design_team["member_ids"]


def test_bob_cannot_change_a_team(api: Api, bob: Person, design_team: dict) -> None:
    assert_error(api.as_(bob).patch(f"/teams/{design_team['id']}", {"member_ids": [bob.id]}), 403, "admin_only")


def test_charlie_gets_404_changing_alices_team(api: Api, alice: Person, design_team: dict, charlie: Person) -> None:
    response = api.as_(charlie).patch(f"/teams/{design_team['id']}", {"member_ids": [charlie.id]})

    assert_error(response, 404)
    assert api.as_(alice).get(f"/teams/{design_team['id']}").json() == design_team


def test_charlie_cannot_be_put_in_alices_team(api: Api, alice: Person, design_team: dict, charlie: Person) -> None:
    response = api.as_(alice).patch(f"/teams/{design_team['id']}", {"name": "Renamed", "member_ids": [charlie.id]})

    assert_error(response, 422, "unknown_user", field="member_ids")
    assert api.as_(alice).get(f"/teams/{design_team['id']}").json() == design_team


def test_renaming_onto_another_teams_name_is_a_conflict(api: Api, alice: Person, design_team: dict) -> None:
    api.as_(alice).post("/teams", {"name": "Research"})

    assert_error(api.as_(alice).patch(f"/teams/{design_team['id']}", {"name": "research"}), 409, "team_exists")


# --- delete ---


def test_alice_deletes_a_team(api: Api, alice: Person, design_team: dict) -> None:
    assert api.as_(alice).delete(f"/teams/{design_team['id']}").status_code == 204

    assert_error(api.as_(alice).get(f"/teams/{design_team['id']}"), 404)
    assert team_names(api, alice) == []


def test_deleting_a_team_keeps_its_members(api: Api, alice: Person, bob: Person, design_team: dict) -> None:
    api.as_(alice).delete(f"/teams/{design_team['id']}")

    assert api.as_(bob).get("/me").status_code == 200


def test_bob_cannot_delete_a_team(api: Api, bob: Person, design_team: dict) -> None:
    assert_error(api.as_(bob).delete(f"/teams/{design_team['id']}"), 403, "admin_only")
    assert team_names(api, bob) == ["Design"]


def test_charlie_gets_404_deleting_alices_team(api: Api, alice: Person, design_team: dict, charlie: Person) -> None:
    assert_error(api.as_(charlie).delete(f"/teams/{design_team['id']}"), 404)
    assert team_names(api, alice) == ["Design"]


@pytest.mark.parametrize("team_id", [0, -1, 999_999, 2**63, 10**30])
def test_a_team_id_that_does_not_exist_is_404(api: Api, alice: Person, team_id: int) -> None:
    assert_error(api.as_(alice).get(f"/teams/{team_id}"), 404)
    assert_error(api.as_(alice).patch(f"/teams/{team_id}", {"name": "X"}), 404)
    assert_error(api.as_(alice).delete(f"/teams/{team_id}"), 404)
