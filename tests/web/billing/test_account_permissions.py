"""Only admins open My Account and its billing pages; members get the 403 page, visitors the log-in page, and
nothing changes."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import Person, make_member
from tests.web.billing.conftest import PAGE, bought, card, subscription
from tests.web.conftest import logged_in

PAGES = ["", "invoices/", "credit-notes/", "cancel/", "resume/", "refund/", "invoices/1/pdf/", "credit-notes/1/pdf/"]
FORMS = {
    "buy/": {"offer": "regular:month", **card()},
    "plan/": {"offer": "enterprise:month"},
    "payment-method/": card("5555555555554444"),
    "po/": {"po_number": "PO-1"},
    "cancel/": {},
    "resume/": {},
    "refund/": {},
}


@pytest.mark.parametrize("path", PAGES)
def test_bob_gets_the_admins_only_page(alice: Person, bob: Person, path: str) -> None:
    bought(alice)
    response = logged_in(bob).get(PAGE + path)
    assert response.status_code == 403
    assert "Only admins of this account can open this page." in response.content.decode()


@pytest.mark.parametrize(("path", "data"), FORMS.items())
def test_bob_cannot_change_the_subscription(alice: Person, bob: Person, path: str, data: dict[str, str]) -> None:
    bought(alice)
    before = subscription(alice)
    assert logged_in(bob).post(PAGE + path, data).status_code == 403
    after = subscription(alice)
    assert (after.edition, after.cancel_at_period_end, after.card_last4, after.po_number) == (
        before.edition,
        before.cancel_at_period_end,
        before.card_last4,
        before.po_number,
    )


def test_a_manager_is_no_admin_either(alice: Person) -> None:
    manager = make_member(alice, "Mia Manager", "mia@example.com", role="manager")
    assert logged_in(manager).get(PAGE).status_code == 403


@pytest.mark.parametrize("path", ["", "buy/", "invoices/"])
def test_visitors_are_sent_to_log_in(client: Client, path: str) -> None:
    response = client.get(PAGE + path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_admin_who_is_not_the_owner_manages_billing_too(alice: Person) -> None:
    admin = make_member(alice, "Ada Admin", "ada@example.com", role="admin")
    browser = logged_in(admin)
    assert browser.post(f"{PAGE}buy/", {"offer": "regular:month", **card()}).status_code == 302
    assert subscription(alice).edition == "regular"
