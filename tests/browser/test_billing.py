"""My Account in Chromium: a trial owner buys Regular monthly by card, downloads the invoice, and goes through a
declined card, cancel, resume and the 30-day refund; the PO document's upload, download and removal."""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader
from pytest_django.live_server_helper import LiveServer

from stint.billing.gateways.cards import card_brand
from stint.billing.models import Invoice, Subscription
from stint.billing.services import subscription_purchase
from tests.billing.conftest import VISA
from tests.browser.tracking_helpers import log_in
from tests.conftest import Person

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

INVOICE_NUMBER = re.compile(r"INV-\d{4}-\d{6}")


@pytest.fixture(autouse=True)
def plans(transactional_db: None) -> None:
    """The plans and prices the migrations seed. A transactional test empties every table when it ends, seeded rows
    included, so a browser test that runs after another one in the same process would find no plan to buy."""
    seed = importlib.import_module("stint.billing.migrations.0002_seed_plans").seed
    seed(django_apps, None)


def fill_card(form: Locator, number: str, cvc: str = "123") -> None:
    """Type the card as a person does, so billing.js sees every keystroke."""
    form.get_by_role("radio", name=re.compile(r"^Card\b")).check()
    field = form.get_by_label("Card number")
    field.fill("")
    field.press_sequentially(number)
    form.get_by_label("Expiry month").fill("12")
    form.get_by_label("Expiry year").fill("2030")
    form.get_by_label("Security code (CVC)").fill(cvc)


def error_next_to(page: Page, field_id: str) -> Locator:
    """The error shown in the same field block as the input with this id."""
    return page.locator(".field", has=page.locator(f"#{field_id}")).locator(f"#{field_id}_error")


def test_alice_buys_downloads_the_invoice_cancels_resumes_and_gets_a_refund(
    page: Page, live_server: LiveServer, alice: Person, screenshots: Path
) -> None:
    log_in(page, live_server.url, alice, "/settings/account/")
    expect(page.get_by_role("heading", name="My Account", exact=True)).to_be_visible()
    facts = page.get_by_role("region", name="Subscription", exact=True)
    expect(facts).to_contain_text("Trial")
    expect(page.get_by_test_id("trial-left")).to_contain_text("days left")
    buy = page.get_by_role("region", name="Buy a subscription")
    expect(buy.locator("label", has_text="Regular, monthly")).to_contain_text("USD 9.00 per user per month")
    page.screenshot(path=str(screenshots / "my-account-trial.png"), full_page=True)

    # Bank transfer and check come with annual plans only: billing.js turns them off for a monthly plan.
    buy.get_by_label("Regular, monthly").check()
    expect(buy.get_by_role("radio", name=re.compile(r"^Bank transfer"))).to_be_disabled()
    buy.get_by_label("Regular, annual").check()
    expect(buy.get_by_role("radio", name=re.compile(r"^Bank transfer"))).to_be_enabled()
    buy.get_by_label("Regular, monthly").check()

    # A declined card: the error sits next to the card number, the number is not kept, nothing is bought.
    fill_card(buy, "4000 0000 0000 0002")
    expect(buy.locator("[data-card-brand]")).to_have_text("Visa")
    buy.get_by_role("button", name="Buy and pay now").click()
    expect(error_next_to(page, "id_number")).to_have_text(
        "The card was declined by its bank; please use another card, or ask the bank why."
    )
    expect(page.get_by_label("Card number")).to_have_value("")
    expect(page.get_by_role("region", name="Buy a subscription")).to_contain_text("Visa ending 0002")
    expect(page.get_by_role("region", name="Subscription", exact=True)).to_contain_text("Trial")
    expect(page.get_by_role("region", name="Invoices", exact=True)).to_contain_text("No invoices yet")
    assert Subscription.objects.get(account=alice.account).status == "trialing"
    assert not Invoice.objects.filter(account=alice.account).exists()
    page.screenshot(path=str(screenshots / "my-account-declined.png"), full_page=True)

    # Regular, monthly, with the Visa test card.
    buy = page.get_by_role("region", name="Buy a subscription")
    buy.get_by_label("Regular, monthly").check()
    fill_card(buy, "4242 4242 4242 4242")
    buy.get_by_role("button", name="Buy and pay now").click()
    expect(page.get_by_text(re.compile(r"You bought Regular \(monthly\) for 1 named user\."))).to_be_visible()
    expect(page.get_by_role("region", name="Subscription", exact=True)).to_contain_text("Regular")
    expect(page.get_by_test_id("period-end")).to_contain_text("Renews on")
    expect(page.get_by_test_id("payment-method")).to_contain_text("Visa •••• 4242")
    row = page.get_by_role("region", name="Invoices", exact=True).get_by_role("row").filter(has_text=INVOICE_NUMBER)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("USD 9.00")
    expect(row).to_contain_text("Paid")
    page.screenshot(path=str(screenshots / "my-account-paid.png"), full_page=True)

    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile(r"^PDF")).click()
    download = download_info.value
    number = Invoice.objects.get(account=alice.account).number
    assert download.suggested_filename == f"{number}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert number in pdf_text and "USD 9.00" in pdf_text

    # Inline validation while typing: a brand we do not take is named at once, before anything is sent.
    method = page.get_by_role("region", name="Payment method")
    method.get_by_text("Change payment method").click()
    method.get_by_label("Card number").press_sequentially("6011 1111")
    expect(method.locator("[data-card-brand]")).to_have_text("Not accepted")
    expect(method.locator("[data-card-error='number']")).to_contain_text(
        "We accept Visa, MasterCard and American Express cards only"
    )

    # Cancel, through its confirmation.
    page.get_by_role("link", name="Cancel subscription").click()
    expect(page.get_by_role("heading", name="Cancel the subscription?")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Then the account is on Free")).to_be_visible()
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page.get_by_text(re.compile(r"The subscription is cancelled: it ends on"))).to_be_visible()
    expect(page.get_by_test_id("period-end")).to_contain_text("(cancelled)")

    # Resume it.
    page.get_by_role("link", name="Resume subscription").click()
    expect(page.get_by_role("heading", name="Resume the subscription?")).to_be_visible()
    page.get_by_role("button", name="Resume subscription").click()
    expect(page.get_by_text(re.compile(r"The subscription is resumed: it renews on"))).to_be_visible()
    expect(page.get_by_test_id("period-end")).to_contain_text("Renews on")

    # Refund: the confirmation says how much comes back and that Free starts now.
    page.get_by_role("link", name="Refund and move to Free").click()
    expect(page.get_by_role("heading", name="Refund USD 9.00 and move to Free?")).to_be_visible()
    expect(page.get_by_test_id("confirm-amount")).to_have_text("USD 9.00")
    expect(page.get_by_text("USD 9.00 is paid back to Visa •••• 4242")).to_be_visible()
    expect(page.get_by_text(re.compile(r"The account goes to Free now"))).to_be_visible()
    page.screenshot(path=str(screenshots / "my-account-refund.png"), full_page=True)
    page.get_by_role("button", name="Refund USD 9.00").click()
    expect(page.get_by_text(re.compile(r"USD 9\.00 was refunded to Visa •••• 4242 .*now on Free\."))).to_be_visible()
    expect(page.get_by_role("region", name="Subscription", exact=True)).to_contain_text("Free")
    notes = page.get_by_role("region", name="Credit notes")
    expect(notes.get_by_role("row").filter(has_text=re.compile(r"CN-\d{4}-\d{6}"))).to_contain_text("USD 9.00")
    assert Subscription.objects.get(account=alice.account).edition == "free"


def test_the_brand_shown_while_typing_follows_the_servers_rules(
    page: Page, live_server: LiveServer, alice: Person
) -> None:
    log_in(page, live_server.url, alice, "/settings/account/")
    field = page.get_by_label("Card number")
    brand = page.locator("[data-card-brand]")
    names = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express"}
    for typed in ["4", "4242 42", "34", "37", "3", "35", "5", "51", "55", "56", "2", "22", "2221", "2720", "2721",
                  "2220", "6011", "1", "4000-0000"]:  # fmt: skip
        field.fill(typed)
        known = card_brand(typed)
        digits = typed.replace(" ", "").replace("-", "")
        undecided = digits in {"2", "22", "3", "5"}
        expected = names[known] if known else ("" if undecided else "Not accepted")
        expect(brand, f"typed {typed!r}").to_have_text(expected)


def test_alice_uploads_replaces_downloads_and_removes_the_po_document(
    page: Page, live_server: LiveServer, alice: Person, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    log_in(page, live_server.url, alice, "/settings/account/")
    po = page.get_by_role("region", name="Purchase order")
    document = b"%PDF-1.4\n% PO 2026-17\n%%EOF\n"

    po.get_by_label("PO document").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a PDF"}]
    )
    po.get_by_role("button", name="Upload the PO document").click()
    expect(error_next_to(page, "id_po_document")).to_have_text(
        "The PO document must be a PDF file; notes.txt is not one. Please upload your purchase order as a PDF."
    )

    po = page.get_by_role("region", name="Purchase order")
    po.get_by_label("PO document").set_input_files(
        files=[{"name": "PO 2026-17.pdf", "mimeType": "application/pdf", "buffer": document}]
    )
    po.get_by_role("button", name="Upload the PO document").click()
    expect(page.get_by_text("The PO document is now PO_2026-17.pdf")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_test_id("po-document").get_by_role("link", name="PO_2026-17.pdf").click()
    assert download_info.value.suggested_filename == "PO_2026-17.pdf"
    assert Path(download_info.value.path()).read_bytes() == document

    po = page.get_by_role("region", name="Purchase order")
    po.get_by_label("PO document").set_input_files(
        files=[{"name": "PO-2026-18.pdf", "mimeType": "application/pdf", "buffer": document}]
    )
    po.get_by_role("button", name="Replace the PO document").click()
    expect(page.get_by_test_id("po-document")).to_contain_text("PO-2026-18.pdf")

    po = page.get_by_role("region", name="Purchase order")
    po.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("The PO document PO-2026-18.pdf was removed.")).to_be_visible()
    expect(page.get_by_test_id("po-document")).to_have_count(0)
