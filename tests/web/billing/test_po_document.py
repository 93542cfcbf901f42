"""The purchase order's document: a PDF of at most 5 MB on Regular and higher, kept in the data directory's
storage (never on a public URL), downloaded by the account's admins only, replaced and removed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from stint.notifications.models import AccountEvent
from tests.conftest import Person, edition_set
from tests.web.billing.conftest import PAGE, bought, subscription
from tests.web.conftest import field_error, logged_in, text

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Each test stores its documents in its own folder (the tests run in parallel)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def pdf(
    name: str = "PO 2026-17.pdf", content: bytes = PDF, content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def upload(browser: Client, document: SimpleUploadedFile) -> object:
    return browser.post(f"{PAGE}po-document/", {"po_document": document})


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def test_alice_uploads_the_po_document_and_downloads_it(alice: Person, media: Path) -> None:
    bought(alice)
    browser = logged_in(alice)
    response = upload(browser, pdf())
    assert response["Location"] == f"{PAGE}#po"
    page = browser.get(PAGE)
    assert "The PO document is now PO_2026-17.pdf; it is kept with your account." in text(page)
    assert f'href="{PAGE}po-document/pdf/"' in page.content.decode()
    assert "po.changed Alice Archer added the PO document PO_2026-17.pdf." in text(page)
    [stored] = stored_files(media)
    assert stored.name == "PO_2026-17.pdf" and stored.read_bytes() == PDF
    download = browser.get(f"{PAGE}po-document/pdf/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="PO_2026-17.pdf"'
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_replacing_the_document_deletes_the_old_file(
    alice: Person, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    bought(alice)
    browser = logged_in(alice)
    upload(browser, pdf("first.pdf"))
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes once the change is committed
        upload(browser, pdf("second.pdf", PDF + b"% second\n"))
    assert [path.name for path in stored_files(media)] == ["second.pdf"]
    assert "po.changed Alice Archer replaced the PO document first.pdf with second.pdf." in text(browser.get(PAGE))
    assert b"second" in b"".join(browser.get(f"{PAGE}po-document/pdf/").streaming_content)  # type: ignore[attr-defined]


def test_alice_removes_the_document(alice: Person, media: Path, django_capture_on_commit_callbacks: Any) -> None:
    bought(alice)
    browser = logged_in(alice)
    upload(browser, pdf("order.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(f"{PAGE}po-document/remove/")["Location"] == f"{PAGE}#po"
    page = text(browser.get(PAGE))
    assert "The PO document order.pdf was removed." in page
    assert "po.changed Alice Archer removed the PO document order.pdf." in page
    assert stored_files(media) == []
    assert not subscription(alice).po_document
    assert browser.get(f"{PAGE}po-document/pdf/").status_code == 404


def test_removing_nothing_records_no_event(alice: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    browser.post(f"{PAGE}po-document/remove/")
    assert "There is no PO document to remove." in text(browser.get(PAGE))
    assert not AccountEvent.objects.filter(account=alice.account, type="po.changed").exists()


def test_a_file_that_is_not_a_pdf_is_refused_next_to_the_field(alice: Person, media: Path) -> None:
    bought(alice)
    browser = logged_in(alice)
    for document in [
        pdf("order.pdf", b"GIF89a not a pdf at all"),  # a PDF's name and type, not its content
        pdf("order.pdf", content_type="image/png"),  # a PDF's content declared as something else
        pdf("order.pdf", b"%PDF"),  # too short to be one
    ]:
        response = upload(browser, document)
        assert response.status_code == 422
        assert field_error(response, "po_document") == (
            "The PO document must be a PDF file; order.pdf is not one. Please upload your purchase order as a PDF."
        )
    assert stored_files(media) == []
    assert not subscription(alice).po_document


def test_a_document_over_5_mb_is_refused(alice: Person, media: Path) -> None:
    bought(alice)
    response = upload(logged_in(alice), pdf(content=PDF + b"0" * (5 * 1024 * 1024)))
    assert response.status_code == 422
    assert field_error(response, "po_document") == (
        "The PO document is 5.1 MB; it can be at most 5 MB. Please upload a smaller PDF."
    )
    assert stored_files(media) == []


def test_exactly_5_mb_is_fine(alice: Person) -> None:
    bought(alice)
    response = upload(logged_in(alice), pdf(content=PDF.ljust(5 * 1024 * 1024, b"%")))
    assert response.status_code == 302


def test_no_file_chosen(alice: Person) -> None:
    bought(alice)
    response = logged_in(alice).post(f"{PAGE}po-document/", {})
    assert field_error(response, "po_document") == "Choose the PDF of your purchase order to upload."


@pytest.mark.parametrize("edition", ["trial", "free"])
def test_a_trial_or_free_gets_po_not_available_next_to_the_field(alice: Person, media: Path, edition: str) -> None:
    edition_set(alice.account, edition)
    browser = logged_in(alice)
    assert 'name="po_document"' not in browser.get(PAGE).content.decode()
    response = upload(browser, pdf())
    assert response.status_code == 422
    assert field_error(response, "po_document") == (
        "Purchase orders are available on Regular and Enterprise; buy a subscription first."
    )
    assert stored_files(media) == []
    assert not subscription(alice).po_document


def test_the_document_is_on_no_public_url(alice: Person, media: Path, client: Client) -> None:
    bought(alice)
    browser = logged_in(alice)
    upload(browser, pdf("order.pdf"))
    name = subscription(alice).po_document.name
    assert name not in browser.get(PAGE).content.decode()
    assert client.get(f"/media/{name}").status_code == 404
    assert client.get(f"/{name}").status_code == 404


def test_charlie_of_another_account_gets_404(alice: Person, charlie: Person) -> None:
    bought(alice)
    upload(logged_in(alice), pdf())
    assert logged_in(charlie).get(f"{PAGE}po-document/pdf/").status_code == 404


def test_bob_is_no_admin(alice: Person, bob: Person) -> None:
    bought(alice)
    upload(logged_in(alice), pdf("order.pdf"))
    browser = logged_in(bob)
    assert browser.get(f"{PAGE}po-document/pdf/").status_code == 403
    assert upload(browser, pdf("bobs.pdf")).status_code == 403
    assert browser.post(f"{PAGE}po-document/remove/").status_code == 403
    assert subscription(alice).po_document_filename == "order.pdf"


def test_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(f"{PAGE}po-document/pdf/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
