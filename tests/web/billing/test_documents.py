"""Invoices and credit notes in My Account: listed with status, amounts and dates, downloaded as PDF, and only ever
the account's own."""

from __future__ import annotations

import io

from pypdf import PdfReader

from stint.billing.services import subscription_purchase, subscription_refund
from stint.core.clock import FrozenClock
from tests.conftest import Person, make_member
from tests.web.billing.conftest import DAY, PAGE, bought
from tests.web.conftest import logged_in, text


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_alice_downloads_her_invoice_as_pdf(alice: Person, bob: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    page = browser.get(PAGE).content.decode()
    invoice_id = alice.account.invoices.get().pk
    link = f"{PAGE}invoices/{invoice_id}/pdf/"
    assert f'href="{link}"' in page
    response = browser.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-2026-000001.pdf"'
    assert response.content.startswith(b"%PDF")
    assert "INV-2026-000001" in pdf_text(response.content)
    assert "USD 18.00" in pdf_text(response.content)


def test_alice_downloads_a_credit_note_as_pdf(alice: Person) -> None:
    bought(alice)
    subscription_refund(account=alice.account, actor=alice.user)
    note = alice.account.credit_notes.get()
    response = logged_in(alice).get(f"{PAGE}credit-notes/{note.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="CN-2026-000001.pdf"'
    assert "CN-2026-000001" in pdf_text(response.content) and "USD 9.00" in pdf_text(response.content)


def test_charlie_cannot_download_alices_documents(alice: Person, charlie: Person) -> None:
    bought(alice)
    subscription_refund(account=alice.account, actor=alice.user)
    invoice, note = alice.account.invoices.get(), alice.account.credit_notes.get()
    browser = logged_in(charlie)
    assert browser.get(f"{PAGE}invoices/{invoice.pk}/pdf/").status_code == 404
    assert browser.get(f"{PAGE}credit-notes/{note.pk}/pdf/").status_code == 404
    assert "INV-2026-000001" not in text(browser.get(f"{PAGE}invoices/"))
    assert "CN-2026-000001" not in text(browser.get(f"{PAGE}credit-notes/"))


def test_an_unknown_document_is_not_found(alice: Person) -> None:
    browser = logged_in(alice)
    assert browser.get(f"{PAGE}invoices/999999/pdf/").status_code == 404
    assert browser.get(f"{PAGE}credit-notes/999999/pdf/").status_code == 404


def test_statuses_say_what_is_owed(frozen: FrozenClock, alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="year",
        payment_method={"type": "bank_transfer"},
    )  # fmt: skip
    browser = logged_in(alice)
    assert "USD 90.00 USD 90.00 Open due on Mar 2, 2026" in text(browser.get(PAGE))
    frozen.advance(31 * DAY)
    assert "USD 90.00 USD 90.00 Overdue was due on Mar 2, 2026" in text(browser.get(PAGE))


def test_the_page_shows_the_ten_newest_and_links_to_all(alice: Person) -> None:
    bought(alice)
    for n in range(10):
        make_member(alice, f"Person {n}", f"p{n}@example.com")  # each charges a prorated seat: an invoice
    browser = logged_in(alice)
    page = text(browser.get(PAGE)).split("Event log")[0]
    assert "All 11 invoices" in page
    assert "INV-2026-000011" in page and "INV-2026-000001" not in page
    first = browser.get(f"{PAGE}invoices/")
    assert "INV-2026-000001" in text(first) and "INV-2026-000011" in text(first)
    assert first.context["next_cursor"] is None
    assert browser.get(f"{PAGE}invoices/", {"cursor": "garbage"})["Location"] == f"{PAGE}invoices/"


def test_the_lists_have_empty_states(alice: Person) -> None:
    browser = logged_in(alice)
    assert "No invoices yet" in text(browser.get(f"{PAGE}invoices/"))
    assert "No credit notes yet" in text(browser.get(f"{PAGE}credit-notes/"))
