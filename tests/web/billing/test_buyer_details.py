from __future__ import annotations

from stint.accounts.models import Account
from stint.billing.services import subscription_purchase
from tests.billing.conftest import VISA
from tests.conftest import Person
from tests.web.conftest import field_error, logged_in


def test_the_owner_sets_the_buyer_printed_on_new_invoices(alice: Person) -> None:
    browser = logged_in(alice)
    response = browser.post(
        "/settings/account/buyer/",
        {
            "legal_name": "Alice Archer GmbH",
            "address": "Hauptstr. 1\n10115 Berlin",
            "country": "de",
            "vat_id": "de 123 456 789",
        },
    )
    assert response.status_code == 302
    account = Account.objects.get(pk=alice.account.pk)
    assert (account.legal_name, account.country, account.vat_id) == ("Alice Archer GmbH", "DE", "DE123456789")
    _, invoice = subscription_purchase(
        account=account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    assert (invoice.buyer["name"], invoice.buyer["vat_id"]) == ("Alice Archer GmbH", "DE123456789")
    assert b'value="Alice Archer GmbH"' in browser.get("/settings/account/").content


def test_a_bad_country_is_shown_next_to_its_field_and_nothing_changes(alice: Person) -> None:
    response = logged_in(alice).post(
        "/settings/account/buyer/", {"legal_name": "X", "address": "", "country": "Germany", "vat_id": ""}
    )
    assert response.status_code == 200
    assert "two-letter code" in field_error(response, "country")
    assert Account.objects.get(pk=alice.account.pk).legal_name == ""


def test_a_member_cannot_change_the_billing_details(bob: Person) -> None:
    response = logged_in(bob).post("/settings/account/buyer/", {"legal_name": "Bob Inc", "country": "US"})
    assert response.status_code == 403
    assert Account.objects.get(pk=bob.account.pk).legal_name == ""
