"""The whole purchase in Chromium, as a customer and our sales team live it: sign up, buy Regular monthly by card, add
a user at the previewed charge and read the invoice PDF, a declined card that changes nothing, annual by bank
transfer in one change, sales records the transfer in the back-office, then cancel, resume and refund."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader
from pytest_django.live_server_helper import LiveServer

from stint.accounts.models import User
from stint.billing.models import Invoice, Subscription
from stint.core.money import Money
from tests.browser.test_billing import error_next_to, fill_card
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

INVOICE_NUMBER = re.compile(r"INV-\d{4}-\d{6}")
AMOUNT = r"USD [\d,]+\.\d\d"


def sign_up(page: Page, base: str) -> None:
    page.goto(f"{base}/signup/")
    page.get_by_label("Account name").fill("Acme")
    page.get_by_label("Your name").fill("Alice Archer")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Welcome, Alice Archer")).to_be_visible()


def open_settings(page: Page, name: str) -> None:
    if not page.get_by_role("navigation", name="Settings").is_visible():
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def invoice_row(page: Page, number: str) -> Locator:
    return page.get_by_role("region", name="Invoices", exact=True).get_by_role("row").filter(has_text=number)


def record_the_transfer(page: Page, base: str, number: str) -> None:
    """Sales, in the back-office: log in, find the open invoice, record the bank transfer that paid it."""
    page.goto(f"{base}/backoffice/")
    page.get_by_label("Email").fill("sales@stint.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Invoices", exact=True).click()
    page.get_by_role("link", name=number, exact=True).click()
    page.get_by_role("link", name="Record a payment").click()
    expect(page.get_by_role("heading", name=f"Record a payment for {number}")).to_be_visible()
    owed = page.locator("p", has_text="Still owed:").locator("strong")
    expect(owed).to_have_text(re.compile(AMOUNT))
    amount = owed.inner_text().removeprefix("USD ").replace(",", "")
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Received on").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("Reference").fill("ACME-TRANSFER-1")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text(re.compile(rf"{number}: Recorded a payment of USD {amount} .*now paid\."))).to_be_visible()


def test_from_sign_up_to_refund(
    page: Page, new_page: Callable[[], Page], live_server: LiveServer, screenshots: Path
) -> None:
    base = live_server.url
    sign_up(page, base)

    # Buy Regular monthly with the Visa test card.
    open_settings(page, "My Account")
    buy = page.get_by_role("region", name="Buy a subscription")
    buy.get_by_label("Regular, monthly").check()
    fill_card(buy, "4242 4242 4242 4242")
    buy.get_by_role("button", name="Buy and pay now").click()
    expect(page.get_by_text(re.compile(r"You bought Regular \(monthly\) for 1 named user\."))).to_be_visible()
    expect(page.get_by_test_id("payment-method")).to_contain_text("Visa •••• 4242")

    # The Users page says what adding a user costs; adding one costs exactly that.
    open_settings(page, "Users")
    preview = page.get_by_test_id("seat-preview")
    expect(preview).to_contain_text(re.compile(rf"Adding a user now charges {AMOUNT} to the card at once"))
    match = re.search(rf"charges ({AMOUNT}) to the card", preview.inner_text())
    assert match is not None
    previewed = match.group(1)
    page.get_by_label("Name", exact=True).fill("Bob Baker")
    page.get_by_label("Email", exact=True).fill("bob@example.com")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("Bob Baker is now a named user (member).")).to_be_visible()
    seat_invoice = Invoice.objects.get(billing_reason="seat_change")
    assert Money(seat_invoice.total_minor, seat_invoice.currency).format() == previewed

    open_settings(page, "My Account")
    row = invoice_row(page, seat_invoice.number)
    expect(row).to_contain_text("Users added")
    expect(row).to_contain_text(previewed)
    expect(row).to_contain_text("Paid")
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile(r"^PDF")).click()
    content = Path(download_info.value.path()).read_bytes()
    pdf_text = " ".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(content)).pages)
    assert seat_invoice.number in pdf_text and previewed in pdf_text

    # A declined card: the error is next to the card number, and the Visa stays.
    method = page.get_by_role("region", name="Payment method")
    method.get_by_text("Change payment method").click()
    fill_card(method, "4000 0000 0000 0002")
    method.get_by_role("button", name="Save payment method").click()
    expect(error_next_to(page, "id_number")).to_have_text(
        "The card was declined by its bank; please use another card, or ask the bank why."
    )
    method = page.get_by_role("region", name="Payment method")
    expect(method.get_by_label("Card number")).to_have_value("")
    expect(page.get_by_test_id("payment-method")).to_contain_text("Visa •••• 4242")
    expect(page.get_by_role("region", name="Subscription", exact=True)).to_contain_text("Regular (monthly)")
    subscription = Subscription.objects.get(account__name="Acme")
    assert (subscription.card_last4, subscription.interval) == ("4242", "month")

    # Annual, paid by bank transfer, in one change.
    plan = page.get_by_role("region", name="Change plan")
    transfer = plan.get_by_role("radio", name=re.compile(r"^Bank transfer"))
    expect(transfer).to_be_disabled()  # the plan is still monthly
    plan.get_by_label("Regular, annual").check()
    transfer.check()
    expect(plan.get_by_label("Card number")).to_be_hidden()
    page.screenshot(path=str(screenshots / "my-account-annual-by-bank-transfer.png"), full_page=True)
    plan.get_by_role("button", name="Change plan").click()
    changed = page.get_by_text(re.compile(r"^Your subscription is now Regular \(annual\)\."))
    expect(changed).to_contain_text("The payment method is now Bank transfer.")
    expect(changed).to_contain_text(re.compile(rf"Invoice INV-\d{{4}}-\d{{6}}: {AMOUNT} due, payable within 30 days"))
    annual = Invoice.objects.get(billing_reason="plan_change")
    expect(changed).to_contain_text(annual.number)
    expect(page.get_by_test_id("payment-method")).to_contain_text("Bank transfer")
    expect(invoice_row(page, annual.number)).to_contain_text("Open")

    # Sales records the transfer in the back-office.
    User.objects.create_superuser("sales@stint.example", PASSWORD, name="Sam Sales")
    record_the_transfer(new_page(), base, annual.number)
    page.reload()
    expect(invoice_row(page, annual.number)).to_contain_text("Paid")

    # Cancel, then resume.
    page.get_by_role("link", name="Cancel subscription").click()
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page.get_by_test_id("period-end")).to_contain_text("(cancelled)")
    page.get_by_role("link", name="Resume subscription").click()
    page.get_by_role("button", name="Resume subscription").click()
    expect(page.get_by_text(re.compile(r"The subscription is resumed: it renews on"))).to_be_visible()

    # Refund: the confirmation states the amount, which is what comes back; then the account is on Free.
    page.get_by_role("link", name="Refund and move to Free").click()
    amount = page.get_by_test_id("confirm-amount")
    expect(amount).to_have_text(re.compile(AMOUNT))
    refunded = amount.inner_text()
    assert refunded == Money(annual.amount_due_minor, annual.currency).format()  # what the bank transfer paid
    expect(page.get_by_role("heading", name=f"Refund {refunded} and move to Free?")).to_be_visible()
    page.get_by_role("button", name=f"Refund {refunded}").click()
    expect(page.get_by_text(re.compile(rf"{re.escape(refunded)} was refunded .*now on Free\."))).to_be_visible()
    expect(page.get_by_role("region", name="Subscription", exact=True)).to_contain_text("Free")
    assert Subscription.objects.get(account__name="Acme").edition == "free"
