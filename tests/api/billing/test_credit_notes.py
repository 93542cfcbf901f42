"""GET /api/v1/credit-notes, /credit-notes/{id} and /credit-notes/{id}/pdf (admins)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.billing.conftest import DAY, START, z
from tests.api.conftest import assert_error
from tests.conftest import Api, Person

PERIOD_END = START.replace(month=2, day=28)


@pytest.fixture
def bob_removed(api: Api, alice: Person, bob: Person, frozen, regular) -> dict:
    """Bob is removed a week before the period ends: a credit note of USD 2.25 against the purchase."""
    frozen.advance(21 * DAY)
    api.as_(alice).delete(f"/users/{bob.id}")
    [note] = api.as_(alice).get("/credit-notes").json()["items"]
    return note


def test_a_removed_user_gives_a_credit_note_against_the_invoice(api: Api, regular: dict, bob_removed: dict) -> None:
    note = bob_removed
    assert note["number"] == "CN-2026-000001"
    assert (note["invoice_id"], note["invoice_number"]) == (regular["invoice"]["id"], "INV-2026-000001")
    assert (note["reason"], note["currency"]) == ("seat_removed", "USD")
    assert (note["total_minor"], note["refund_minor"], note["credit_minor"]) == (225, 0, 225)
    [line] = note["lines"]
    assert (line["quantity"], line["unit_amount_minor"], line["amount_minor"]) == (1, 900, 225)
    assert (line["period_start"], line["period_end"], line["proration"]) == (
        z(START + timedelta(days=21)),
        z(PERIOD_END),
        "1/4",
    )


def test_one_credit_note_is_shown_as_in_the_list(api: Api, alice: Person, bob_removed: dict) -> None:
    assert api.as_(alice).get(f"/credit-notes/{bob_removed['id']}").json() == bob_removed


def test_the_balance_is_applied_to_the_next_invoice(api: Api, alice: Person, frozen, bob_removed: dict) -> None:
    frozen.advance(DAY)

    api.as_(alice).post("/users", {"email": "dana@example.net", "name": "Dana Diaz"})

    # Six days of 28 left: the period's committed value goes from 15.75 to 17.678..., rounded 17.68: 1.93 billed.
    invoice = api.as_(alice).get("/invoices").json()["items"][0]
    assert (invoice["total_minor"], invoice["balance_applied_minor"], invoice["amount_due_minor"]) == (193, 193, 0)
    assert api.as_(alice).get("/subscription").json()["credit_balance_minor"] == 225 - 193


def test_the_credit_notes_are_paginated_newest_first(api: Api, alice: Person, frozen, regular: dict) -> None:
    frozen.advance(14 * DAY)
    api.as_(alice).patch("/subscription", {"plan": "enterprise"})
    frozen.advance(DAY)
    api.as_(alice).patch("/subscription", {"plan": "regular"})

    first = api.as_(alice).get("/credit-notes", limit=1).json()
    second = api.as_(alice).get("/credit-notes", limit=1, cursor=first["next_cursor"]).json()

    assert [n["number"] for n in first["items"] + second["items"]] == ["CN-2026-000002", "CN-2026-000001"]
    assert second["next_cursor"] is None


def test_the_pdf_downloads_with_its_number_as_file_name(api: Api, alice: Person, bob_removed: dict) -> None:
    response = api.as_(alice).get(f"/credit-notes/{bob_removed['id']}/pdf")

    assert response.status_code == 200, response
    assert response.headers["Content-Type"] == "application/pdf"
    assert 'filename="CN-2026-000001.pdf"' in response.headers["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_erin_gets_403(api: Api, erin: Person, bob_removed: dict, suffix: str) -> None:
    assert_error(api.as_(erin).get("/credit-notes"), 403, "admin_only")
    assert_error(api.as_(erin).get(f"/credit-notes/{bob_removed['id']}{suffix}"), 403, "admin_only")


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_charlie_gets_404_for_alices_credit_note(api: Api, charlie: Person, bob_removed: dict, suffix: str) -> None:
    assert_error(api.as_(charlie).get(f"/credit-notes/{bob_removed['id']}{suffix}"), 404, "credit_note_not_found")
    assert api.as_(charlie).get("/credit-notes").json()["items"] == []


@pytest.mark.parametrize("value", [0, 2**63, 10**30])
def test_an_id_out_of_range_is_not_found(api: Api, alice: Person, value: int) -> None:
    assert_error(api.as_(alice).get(f"/credit-notes/{value}"), 404)
