"""GET /api/v1/invoices, /invoices/{id} and /invoices/{id}/pdf: the account's invoices, newest first (admins)."""

from __future__ import annotations

import pytest

from tests.api.billing.conftest import DAY, bought
from tests.api.conftest import assert_error
from tests.conftest import Api, Person

INVOICE_FIELDS = {
    "id", "number", "status", "billing_reason", "issued_at", "due_at", "currency", "subtotal_minor", "tax_minor",
    "total_minor", "balance_applied_minor", "amount_due_minor", "amount_paid_minor", "po_number", "lines",
}  # fmt: skip
LINE_FIELDS = {
    "description", "quantity", "unit_amount_minor", "amount_minor", "period_start", "period_end", "proration",
}  # fmt: skip


@pytest.fixture
def two_invoices(api: Api, alice: Person, frozen, regular) -> list[dict]:
    """The purchase, then a seat change two weeks later."""
    frozen.advance(14 * DAY)
    api.as_(alice).post("/users", {"email": "dana@example.net", "name": "Dana Diaz"})
    return api.as_(alice).get("/invoices").json()["items"]


def test_invoices_are_listed_newest_first_with_every_field(api: Api, two_invoices: list[dict]) -> None:
    assert [i["billing_reason"] for i in two_invoices] == ["seat_change", "purchase"]
    assert [i["number"] for i in two_invoices] == ["INV-2026-000002", "INV-2026-000001"]
    for invoice in two_invoices:
        assert set(invoice) >= INVOICE_FIELDS
        assert all(set(line) >= LINE_FIELDS for line in invoice["lines"])


def test_the_list_is_paginated(api: Api, alice: Person, two_invoices: list[dict]) -> None:
    first = api.as_(alice).get("/invoices", limit=1).json()
    second = api.as_(alice).get("/invoices", limit=1, cursor=first["next_cursor"]).json()

    assert [i["number"] for i in first["items"] + second["items"]] == ["INV-2026-000002", "INV-2026-000001"]
    assert second["next_cursor"] is None
    assert_error(api.as_(alice).get("/invoices", cursor="nonsense"), 400, "invalid_cursor")
    assert_error(api.as_(alice).get("/invoices", limit=501), 400, "invalid_limit")


def test_one_invoice_is_shown_as_in_the_list(api: Api, alice: Person, two_invoices: list[dict]) -> None:
    for invoice in two_invoices:
        assert api.as_(alice).get(f"/invoices/{invoice['id']}").json() == invoice


def test_the_pdf_downloads_with_its_number_as_file_name(api: Api, alice: Person, regular: dict) -> None:
    response = api.as_(alice).get(f"/invoices/{regular['invoice']['id']}/pdf")

    assert response.status_code == 200, response
    assert response.headers["Content-Type"] == "application/pdf"
    assert 'filename="INV-2026-000001.pdf"' in response.headers["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_a_second_admin_sees_the_invoices(api: Api, alice: Person, frank: Person, regular: dict) -> None:
    assert len(api.as_(frank).get("/invoices").json()["items"]) == 1
    assert api.as_(frank).get(f"/invoices/{regular['invoice']['id']}/pdf").status_code == 200


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_bob_and_erin_get_403(api: Api, bob: Person, erin: Person, regular: dict, suffix: str) -> None:
    for person in (bob, erin):
        assert_error(api.as_(person).get("/invoices"), 403, "admin_only")
        assert_error(api.as_(person).get(f"/invoices/{regular['invoice']['id']}{suffix}"), 403, "admin_only")


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_charlie_gets_404_for_alices_invoice(api: Api, charlie: Person, regular: dict, suffix: str) -> None:
    body = assert_error(api.as_(charlie).get(f"/invoices/{regular['invoice']['id']}{suffix}"), 404, "invoice_not_found")

    assert "INV-" not in body["detail"]
    assert api.as_(charlie).get("/invoices").json()["items"] == []


def test_charlies_own_invoices_do_not_show_alices(api: Api, alice: Person, charlie: Person, regular: dict) -> None:
    mine = bought(api, charlie)["invoice"]

    assert [i["id"] for i in api.as_(charlie).get("/invoices").json()["items"]] == [mine["id"]]
    assert mine["number"] == "INV-2026-000002"  # one series per installation


@pytest.mark.parametrize("value", [0, -1, 2**63, 10**30])
def test_an_id_out_of_range_is_not_found(api: Api, alice: Person, value: int) -> None:
    assert_error(api.as_(alice).get(f"/invoices/{value}"), 404)
    assert_error(api.as_(alice).get(f"/invoices/{value}/pdf"), 404)


def test_a_path_id_that_is_not_a_number_answers_400(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).get("/invoices/first"), 400, "invalid_request")


def test_without_a_token_it_answers_401(api: Api, regular: dict) -> None:
    assert_error(api.get("/invoices"), 401)
    assert_error(api.get(f"/invoices/{regular['invoice']['id']}/pdf"), 401)
