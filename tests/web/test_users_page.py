from __future__ import annotations

import pytest

from stint.accounts.models import Edition, Membership
from tests.conftest import Mailbox, Person, deliver, edition_set
from tests.web.conftest import field_error, logged_in, text


def test_alice_sees_her_named_users_and_the_seat_count(alice: Person, bob: Person) -> None:
    page = text(logged_in(alice).get("/settings/users/"))
    assert "Alice Archer" in page
    assert "bob@example.com" in page
    assert "2 named users" in page


def test_alice_adds_a_user_who_gets_an_invitation_and_she_gets_the_event_email(alice: Person, mailbox: Mailbox) -> None:
    browser = logged_in(alice)
    response = browser.post("/settings/users/", {"email": "dan@example.com", "name": "Dan Dune", "role": "manager"})
    assert response["Location"] == "/settings/users/"
    page = text(browser.get("/settings/users/"))
    assert "Dan Dune is now a named user (manager). We emailed them an invitation." in page
    assert "Invitation pending" in page
    deliver()
    assert "Alice Archer invited you to Account A on Stint" in mailbox.subjects("dan@example.com")
    assert "Dan Dune was added to Account A" in mailbox.subjects(alice.email)


def test_adding_an_existing_user_shows_the_conflict_next_to_the_email(alice: Person, bob: Person) -> None:
    response = logged_in(alice).post("/settings/users/", {"email": "BOB@example.com", "name": "Bob", "role": "member"})
    assert response.status_code == 200
    assert field_error(response, "email") == "bob@example.com is already a named user of this account."


def test_the_free_edition_limit_is_explained_above_the_form(alice: Person, bob: Person) -> None:
    edition_set(alice.account, Edition.FREE)
    browser = logged_in(alice)
    browser.post("/settings/users/", {"email": "dan@example.com", "name": "Dan", "role": "member"})
    response = browser.post("/settings/users/", {"email": "eve@example.com", "name": "Eve", "role": "member"})
    assert "The Free edition allows 3 named users" in text(response)
    assert not Membership.objects.filter(user__email="eve@example.com").exists()


def test_alice_changes_bobs_role(alice: Person, bob: Person) -> None:
    browser = logged_in(alice)
    response = browser.post(f"/settings/users/{bob.id}/role/", {"role": "manager"}, follow=True)
    assert "Bob Baker is now manager." in text(response)
    assert bob.membership.role == "manager"


def test_the_owner_stays_an_admin(alice: Person) -> None:
    response = logged_in(alice).post(f"/settings/users/{alice.id}/role/", {"role": "member"}, follow=True)
    assert "The account owner is always an admin" in text(response)
    assert alice.membership.role == "admin"


def test_alice_removes_bob_after_confirming_and_can_reactivate_him(
    alice: Person, bob: Person, mailbox: Mailbox
) -> None:
    browser = logged_in(alice)
    confirm = browser.get(f"/settings/users/{bob.id}/remove/")
    assert "Remove Bob Baker?" in text(confirm)
    assert bob.membership.active, "opening the confirmation changes nothing"

    response = browser.post(f"/settings/users/{bob.id}/remove/", follow=True)
    page = text(response)
    assert "Bob Baker was removed; their seat is free again." in page
    assert "Deactivated" in page
    assert "1 named user" in page
    assert not bob.membership.active

    browser.post("/settings/users/", {"email": bob.email, "name": bob.user.name, "role": "member"})
    assert bob.membership.active
    deliver()
    assert "Bob Baker was removed from Account A" in mailbox.subjects(alice.email)


def test_alice_makes_bob_the_owner(alice: Person, bob: Person) -> None:
    browser = logged_in(alice)
    assert "Make Bob Baker the owner?" in text(browser.get(f"/settings/users/{bob.id}/owner/"))
    browser.post(f"/settings/users/{bob.id}/owner/")
    alice.account.refresh_from_db()
    assert alice.account.owner_id == bob.id
    assert bob.membership.role == "admin"
    assert "Make owner" not in text(browser.get("/settings/users/")), "only the owner may transfer ownership"


def test_an_admin_who_is_not_the_owner_cannot_transfer_ownership(alice: Person, bob: Person) -> None:
    Membership.objects.filter(pk=bob.membership.pk).update(role="admin")
    browser = logged_in(bob)
    assert "Make owner" not in text(browser.get("/settings/users/"))
    assert browser.post(f"/settings/users/{bob.id}/owner/").status_code == 403
    alice.account.refresh_from_db()
    assert alice.account.owner_id == alice.id


@pytest.mark.parametrize("path", ["/settings/users/", "/settings/teams/", "/settings/account/"])
def test_bob_cannot_open_the_admin_pages(bob: Person, path: str) -> None:
    response = logged_in(bob).get(path)
    assert response.status_code == 403
    assert "Only admins of this account can open this page." in text(response)


def test_bob_cannot_add_change_or_remove_users(alice: Person, bob: Person) -> None:
    browser = logged_in(bob)
    assert browser.post("/settings/users/", {"email": "x@example.com", "name": "X", "role": "admin"}).status_code == 403
    assert browser.post(f"/settings/users/{alice.id}/role/", {"role": "member"}).status_code == 403
    assert browser.post(f"/settings/users/{alice.id}/remove/").status_code == 403
    assert not Membership.objects.filter(user__email="x@example.com").exists()


def test_charlie_never_sees_or_touches_account_a_users(alice: Person, bob: Person, charlie: Person) -> None:
    browser = logged_in(charlie)
    page = text(browser.get("/settings/users/"))
    assert "Bob Baker" not in page
    assert "alice@example.com" not in page
    assert browser.get(f"/settings/users/{bob.id}/remove/").status_code == 404
    assert browser.post(f"/settings/users/{bob.id}/remove/").status_code == 404
    assert browser.post(f"/settings/users/{bob.id}/role/", {"role": "admin"}).status_code == 404
    assert browser.post(f"/settings/users/{bob.id}/owner/").status_code == 404
    membership = bob.membership
    assert membership.active
    assert membership.role == "member"


def test_alice_resends_an_invitation_from_the_users_page(alice: Person, mailbox: Mailbox) -> None:
    browser = logged_in(alice)
    browser.post("/settings/users/", {"email": "dan@example.com", "name": "Dan Dune", "role": "member"})
    dan = Membership.objects.get(account=alice.account, user__email="dan@example.com")
    assert "Resend the invitation to Dan Dune" in text(browser.get("/settings/users/"))
    response = browser.post(f"/settings/users/{dan.user_id}/invitation/")
    assert response["Location"] == "/settings/users/"
    assert "a new invitation link" in text(browser.get("/settings/users/"))
    deliver()
    assert mailbox.subjects("dan@example.com").count("Alice Archer invited you to Account A on Stint") == 2


def test_charlie_cannot_resend_account_a_invitations(alice: Person, charlie: Person, mailbox: Mailbox) -> None:
    logged_in(alice).post("/settings/users/", {"email": "dan@example.com", "name": "Dan Dune", "role": "member"})
    dan = Membership.objects.get(account=alice.account, user__email="dan@example.com")
    assert logged_in(charlie).post(f"/settings/users/{dan.user_id}/invitation/").status_code == 404
    deliver()
    assert len(mailbox.to("dan@example.com")) == 1
