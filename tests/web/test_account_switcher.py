from __future__ import annotations

from stint.accounts.middleware import SESSION_ACCOUNT_KEY
from stint.accounts.services import account_signup, named_user_add, named_user_deactivate
from tests.conftest import PASSWORD, Person
from tests.web.conftest import logged_in, text


def test_a_login_in_one_account_sees_no_switcher(alice: Person) -> None:
    assert "Switch to another account" not in text(logged_in(alice).get("/"))


def test_an_invitation_gives_no_access_until_it_is_accepted(alice: Person, charlie: Person) -> None:
    named_user_add(account=charlie.account, actor=charlie.user, email=alice.email, name="Alice", role="member")
    browser = logged_in(alice)
    assert "Switch to another account" not in text(browser.get("/"))
    assert browser.post("/switch-account/", {"account_id": charlie.account.pk}).status_code == 404


def test_alice_switches_between_her_own_accounts(alice: Person, charlie: Person) -> None:
    membership = named_user_add(
        account=charlie.account, actor=charlie.user, email=alice.email, name="Alice", role="member"
    )
    membership.accepted_at = membership.added_at
    membership.save()
    browser = logged_in(alice)
    home = text(browser.get("/"))
    assert "Switch to another account" in home
    assert "Account A (current)" in home

    response = browser.post("/switch-account/", {"account_id": charlie.account.pk}, follow=True)
    assert "You are now working in Account B." in text(response)
    assert "You are in Account B as member" in text(response)
    assert browser.session[SESSION_ACCOUNT_KEY] == charlie.account.pk
    assert browser.get("/settings/users/").status_code == 403, "she is only a member in B"


def test_alice_cannot_switch_into_an_account_she_is_not_in(alice: Person, charlie: Person) -> None:
    browser = logged_in(alice)
    assert browser.post("/switch-account/", {"account_id": charlie.account.pk}).status_code == 404
    assert "You are in Account A" in text(browser.get("/"))
    assert browser.session[SESSION_ACCOUNT_KEY] == alice.account.pk


def test_a_deactivated_membership_is_not_offered_or_accepted(alice: Person, charlie: Person) -> None:
    membership = named_user_add(account=charlie.account, actor=charlie.user, email=alice.email, name="A", role="member")
    named_user_deactivate(account=charlie.account, actor=charlie.user, membership=membership)
    browser = logged_in(alice)
    assert "Switch to another account" not in text(browser.get("/"))
    assert browser.post("/switch-account/", {"account_id": charlie.account.pk}).status_code == 404


def test_switching_needs_a_post(alice: Person) -> None:
    account_signup(account_name="Second", name="Alice", email=alice.email, password=PASSWORD)
    assert logged_in(alice).get("/switch-account/").status_code == 405
