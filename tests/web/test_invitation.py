from __future__ import annotations

from django.test import Client

from stint.accounts.middleware import SESSION_ACCOUNT_KEY
from stint.accounts.models import Membership
from stint.accounts.services import named_user_add
from tests.conftest import PASSWORD, Mailbox, Person, deliver
from tests.web.conftest import field_error, link_path, logged_in, text


def _invite(by: Person, email: str, name: str) -> Membership:
    return named_user_add(account=by.account, actor=by.user, email=email, name=name, role="member")


def test_dan_accepts_his_invitation_chooses_a_password_and_is_in(alice: Person, mailbox: Mailbox) -> None:
    alice_browser = logged_in(alice)
    alice_browser.post("/settings/users/", {"email": "dan@example.com", "name": "Dan", "role": "member"})
    deliver()
    [invitation] = mailbox.to("dan@example.com")
    path = link_path(invitation, "/invitations/")

    dan = Client()
    page = dan.get(path)
    assert "Join Account A" in text(page)
    response = dan.post(path, {"name": "Dan Dune", "password": PASSWORD}, follow=True)
    assert "Welcome to Account A!" in text(response)
    assert "You are in Account A" in text(response)

    membership = Membership.objects.get(user__email="dan@example.com")
    assert membership.accepted_at is not None
    assert membership.user.name == "Dan Dune"
    assert "Dan Dune" in text(alice_browser.get("/settings/users/"))
    assert Client().post("/login/", {"email": "dan@example.com", "password": PASSWORD}).status_code == 302


def test_a_weak_password_is_refused_next_to_the_field(alice: Person, client: Client, mailbox: Mailbox) -> None:
    _invite(alice, "dan@example.com", "Dan")
    deliver()
    path = link_path(mailbox.to("dan@example.com")[0], "/invitations/")
    response = client.post(path, {"name": "Dan", "password": "short"})
    assert "too short" in field_error(response, "password")
    assert Membership.objects.get(user__email="dan@example.com").accepted_at is None


def test_someone_who_already_has_a_login_accepts_and_is_asked_to_log_in(
    alice: Person, charlie: Person, client: Client, mailbox: Mailbox
) -> None:
    _invite(alice, charlie.email, "Charlie")
    deliver()
    path = link_path(mailbox.to(charlie.email)[-1], "/invitations/")
    assert "You already have a Stint login" in text(client.get(path))
    response = client.post(path)
    assert response["Location"] == "/login/?email=charlie%40example.org"
    client.post("/login/", {"email": charlie.email, "password": PASSWORD})
    assert "You are in Account A" in text(client.get("/")), "the accepted account opens after logging in"


def test_someone_logged_in_as_the_invited_user_accepts_and_switches(
    alice: Person, charlie: Person, mailbox: Mailbox
) -> None:
    _invite(alice, charlie.email, "Charlie")
    deliver()
    path = link_path(mailbox.to(charlie.email)[-1], "/invitations/")
    browser = logged_in(charlie)
    response = browser.post(path, follow=True)
    assert "You are in Account A" in text(response)
    assert browser.session[SESSION_ACCOUNT_KEY] == alice.account.pk


def test_a_used_or_unknown_link_shows_a_friendly_page(client: Client, alice: Person) -> None:
    response = client.get("/invitations/inv_not-a-real-secret/")
    assert response.status_code == 404
    assert "This invitation link does not work" in text(response)
    assert client.post("/invitations/inv_not-a-real-secret/", {"name": "X", "password": PASSWORD}).status_code == 404


def test_accepting_while_logged_in_as_someone_else_logs_them_out_first(
    alice: Person, charlie: Person, mailbox: Mailbox
) -> None:
    _invite(alice, charlie.email, "Charlie")
    deliver()
    path = link_path(mailbox.to(charlie.email)[-1], "/invitations/")
    browser = logged_in(alice)
    assert "You are logged in as alice@example.com" in text(browser.get(path))
    response = browser.post(path)
    assert response["Location"] == "/login/?email=charlie%40example.org"
    assert browser.get("/")["Location"] == "/login/?next=/", "Alice's session is over"
    assert Membership.objects.get(account=alice.account, user=charlie.user).accepted_at is not None
