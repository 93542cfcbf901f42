"""The purchase order number: Regular and higher; on a trial or Free the page explains it comes with a subscription."""

from __future__ import annotations

from tests.conftest import Person, edition_set
from tests.web.billing.conftest import PAGE, bought, subscription
from tests.web.conftest import field_error, logged_in, text


def test_alice_sets_and_clears_the_po_number(alice: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    assert browser.post(f"{PAGE}po/", {"po_number": " PO-2026-17 "})["Location"] == f"{PAGE}#po"
    page = browser.get(PAGE)
    assert "The PO number is now PO-2026-17; it is printed on every new invoice." in text(page)
    assert 'value="PO-2026-17"' in page.content.decode()
    assert "po.changed Alice Archer changed the PO number from (none) to PO-2026-17." in text(page)
    browser.post(f"{PAGE}po/", {"po_number": ""})
    assert "New invoices carry no PO number." in text(browser.get(PAGE))
    assert subscription(alice).po_number == ""


def test_a_po_number_is_at_most_60_characters(alice: Person) -> None:
    bought(alice)
    response = logged_in(alice).post(f"{PAGE}po/", {"po_number": "P" * 61})
    assert "at most 60 characters" in field_error(response, "po_number")


def test_a_trial_explains_that_a_po_comes_with_a_subscription(alice: Person) -> None:
    browser = logged_in(alice)
    page = text(browser.get(PAGE))
    assert "A PO number comes with a subscription (Regular or Enterprise): enter it when you buy above" in page
    response = browser.post(f"{PAGE}po/", {"po_number": "PO-1"})
    assert "Purchase orders are available on Regular and Enterprise; buy a subscription first." in text(response)
    assert subscription(alice).po_number == ""


def test_free_explains_it_too(alice: Person) -> None:
    edition_set(alice.account, "free")
    assert "A PO number comes with a subscription" in text(logged_in(alice).get(PAGE))
