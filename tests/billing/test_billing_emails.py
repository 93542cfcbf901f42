"""Every billing event reaches the owner once, by email, with the document attached where there is one."""

from __future__ import annotations

import io
from email.message import EmailMessage

from pypdf import PdfReader

from stint.accounts.services import named_user_add, named_user_deactivate
from stint.billing.services import subscription_purchase, subscription_refund
from stint.core.clock import FrozenClock
from tests.billing.conftest import VISA
from tests.conftest import Mailbox, Person, body_text, deliver


def pdf_text(message: EmailMessage) -> tuple[str, str]:
    (attachment,) = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    return attachment.get_filename() or "", "\n".join(page.extract_text() for page in reader.pages)


def test_a_purchase_emails_the_owner_once_with_the_invoice_pdf(
    frozen: FrozenClock, alice: Person, mailbox: Mailbox
) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    deliver()
    deliver()
    subjects = mailbox.subjects("alice@example.com")
    invoice_mails = [m for m in mailbox.to("alice@example.com") if "INV-2026-000001" in body_text(m)]
    assert len([s for s in subjects if "nvoice" in s]) >= 1
    created = [m for m in invoice_mails if list(m.iter_attachments())]
    assert len(created) == 1
    filename, text = pdf_text(created[0])
    assert filename == "INV-2026-000001.pdf"
    assert "INV-2026-000001" in text and "USD 9.00" in text and "Account A" in text
    assert len(subjects) == len(set(subjects)), subjects


def test_a_seat_credit_and_a_refund_email_their_credit_notes(
    frozen: FrozenClock, alice: Person, mailbox: Mailbox
) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    frozen.advance(7 * 86400)
    bob = named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    frozen.advance(7 * 86400)
    named_user_deactivate(account=alice.account, actor=alice.user, membership=bob)
    subscription_refund(account=alice.account, actor=alice.user)
    deliver()
    mailbox.wait_for(1)
    notes = sorted(pdf_text(m)[0] for m in mailbox.to("alice@example.com") if pdf_text_safe(m).startswith("CN-"))
    assert notes == ["CN-2026-000001.pdf", "CN-2026-000002.pdf", "CN-2026-000003.pdf"]
    texts = [body_text(m) for m in mailbox.to("alice@example.com")]
    assert any("refunded" in t for t in texts)
    assert any("now on Free" in t for t in texts)


def pdf_text_safe(message: EmailMessage) -> str:
    return next(
        (
            part.get_filename() or ""
            for part in message.iter_attachments()
            if part.get_content_type() == "application/pdf"
        ),
        "",
    )
