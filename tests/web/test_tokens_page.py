from __future__ import annotations

import re

from django.test import Client

from stint.accounts.models import ApiToken
from tests.conftest import Person
from tests.web.conftest import field_error, logged_in, text


def _created_secret(page: str) -> str:
    match = re.search(r'id="token-secret"[^>]*value="([^"]+)"', page)
    assert match, "the new secret is shown"
    return match.group(1)


def test_bob_creates_a_token_sees_the_secret_once_and_it_works(bob: Person) -> None:
    browser = logged_in(bob)
    response = browser.post("/settings/tokens/", {"label": "CLI on my laptop"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "this is the only time it is shown" in text(response)
    secret = _created_secret(response.content.decode())

    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = browser.get("/settings/tokens/").content.decode()
    assert "CLI on my laptop" in listing
    assert secret not in listing
    assert secret[:12] in listing, "the prefix tells tokens apart"


def test_a_token_needs_a_label(bob: Person) -> None:
    response = logged_in(bob).post("/settings/tokens/", {"label": "  "})
    assert "Please enter a label" in field_error(response, "label")


def test_bob_revokes_a_token_after_confirming_and_it_stops_working(bob: Person) -> None:
    browser = logged_in(bob)
    secret = _created_secret(browser.post("/settings/tokens/", {"label": "Payroll export"}).content.decode())
    token = ApiToken.objects.get(label="Payroll export")
    assert "Revoke the token “Payroll export”?" in text(browser.get(f"/settings/tokens/{token.pk}/revoke/"))
    response = browser.post(f"/settings/tokens/{token.pk}/revoke/", follow=True)
    assert "was revoked" in text(response)
    assert "Revoked" in text(response)
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_people_see_and_revoke_only_their_own_tokens(alice: Person, bob: Person, charlie: Person) -> None:
    alices_token = ApiToken.objects.get(user=alice.user)
    assert "tests" in text(logged_in(bob).get("/settings/tokens/"))  # Bob's own token from the fixture
    for other in (bob, charlie):
        browser = logged_in(other)
        assert browser.post(f"/settings/tokens/{alices_token.pk}/revoke/").status_code == 404
    alices_token.refresh_from_db()
    assert alices_token.revoked_at is None
