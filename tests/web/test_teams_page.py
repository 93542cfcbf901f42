from __future__ import annotations

from stint.accounts.models import Team
from tests.conftest import Person
from tests.web.conftest import field_error, logged_in, text


def test_an_empty_teams_page_explains_what_teams_are_for(alice: Person) -> None:
    assert "No teams yet" in text(logged_in(alice).get("/settings/teams/"))


def test_alice_creates_a_team_with_members(alice: Person, bob: Person) -> None:
    browser = logged_in(alice)
    response = browser.post("/settings/teams/", {"name": "Design", "member_ids": [bob.id]}, follow=True)
    page = text(response)
    assert "The team Design was created." in page
    assert "1 member: Bob Baker" in page
    team = Team.objects.get(account=alice.account)
    assert [m.user_id for m in team.members.all()] == [bob.id]


def test_a_duplicate_team_name_is_refused_next_to_the_name(alice: Person) -> None:
    browser = logged_in(alice)
    browser.post("/settings/teams/", {"name": "Design"})
    response = browser.post("/settings/teams/", {"name": "design"})
    assert field_error(response, "name") == "There is already a team called 'design'."
    assert Team.objects.count() == 1


def test_alice_renames_a_team_and_changes_its_members(alice: Person, bob: Person) -> None:
    browser = logged_in(alice)
    browser.post("/settings/teams/", {"name": "Design", "member_ids": [bob.id]})
    team = Team.objects.get()
    response = browser.post(f"/settings/teams/{team.pk}/", {"name": "Product", "member_ids": [alice.id]})
    assert response["Location"] == "/settings/teams/"
    team.refresh_from_db()
    assert team.name == "Product"
    assert [m.user_id for m in team.members.all()] == [alice.id]


def test_alice_deletes_a_team_after_confirming(alice: Person) -> None:
    browser = logged_in(alice)
    browser.post("/settings/teams/", {"name": "Design"})
    team = Team.objects.get()
    assert "Delete the team Design?" in text(browser.get(f"/settings/teams/{team.pk}/delete/"))
    assert Team.objects.exists()
    browser.post(f"/settings/teams/{team.pk}/delete/")
    assert not Team.objects.exists()


def test_charlie_cannot_open_or_delete_account_a_teams(alice: Person, charlie: Person) -> None:
    logged_in(alice).post("/settings/teams/", {"name": "Secret Project"})
    team = Team.objects.get()
    browser = logged_in(charlie)
    assert "Secret Project" not in text(browser.get("/settings/teams/"))
    assert browser.get(f"/settings/teams/{team.pk}/").status_code == 404
    assert browser.post(f"/settings/teams/{team.pk}/delete/").status_code == 404
    assert Team.objects.filter(pk=team.pk).exists()


def test_charlie_cannot_put_account_a_people_in_his_team(alice: Person, bob: Person, charlie: Person) -> None:
    browser = logged_in(charlie)
    response = browser.post("/settings/teams/", {"name": "Spies", "member_ids": [bob.id]})
    assert "Select a valid choice" in field_error(response, "member_ids")
    assert not Team.objects.filter(name="Spies").exists()
