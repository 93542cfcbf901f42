"""Errors people can report: an unexpected server error shows our page with an error id, the id is in the log beside
the traceback, and the bug form offers it."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from django.test import Client, RequestFactory

from stint.api import accounts as api_accounts
from stint.support import selectors
from stint.support.models import ServerError
from stint.urls import handler500
from tests.conftest import Person
from tests.web.conftest import logged_in, text


@pytest.fixture
def broken_help_page(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """A real page that fails, with debug off as in production (Django's handler500 path)."""

    def explode(**kwargs: Any) -> None:
        raise RuntimeError("the support level table caught fire")

    monkeypatch.setattr(selectors, "support_level", explode)
    settings.DEBUG = False
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False


def failing_client(person: Person) -> Client:
    client = logged_in(person)
    client.raise_request_exception = False
    return client


def test_an_unexpected_error_shows_our_page_with_an_error_id_that_is_in_the_log(
    broken_help_page: None, bob: Person, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="stint.errors"):
        response = failing_client(bob).get("/help/")

    assert response.status_code == 500
    error_id = re.search(r'data-testid="error-id">([0-9a-f]{12})<', response.content.decode()).group(1)
    assert "Something went wrong on our side" in text(response)
    assert "tell your administrator" not in text(response)
    assert f"report it as a bug , with this error id, so we can fix it: {error_id}" in text(response)
    [record] = [r for r in caplog.records if r.name == "stint.errors"]
    assert error_id in record.getMessage() and "GET /help/" in record.getMessage()
    assert "the support level table caught fire" in caplog.text  # the traceback is logged with it
    stored = ServerError.objects.get(error_id=error_id)
    assert (stored.user_id, stored.path, stored.exception) == (bob.id, "/help/", "RuntimeError")
    assert f'href="/help/bugs/new/?error_id={error_id}"' in response.content.decode()


def test_the_bug_form_prefills_the_error_id_of_the_page_and_the_recent_ones(
    broken_help_page: None, bob: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = failing_client(bob).get("/help/").content.decode()
    second = failing_client(bob).get("/help/").content.decode()
    first_id, second_id = (re.search(r"error_id=([0-9a-f]{12})", page).group(1) for page in (first, second))
    monkeypatch.undo()  # the Help pages work again

    form = logged_in(bob).get(f"/help/bugs/new/?error_id={first_id}")

    assert form.status_code == 200
    page = form.content.decode()
    assert re.search(rf'name="diag_error_ids" value="{first_id},{second_id}"', page), page
    assert f"{first_id}, {second_id}" in text(form)


def test_other_peoples_errors_are_not_offered(
    broken_help_page: None, alice: Person, bob: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_client(alice).get("/help/")
    monkeypatch.undo()
    assert ServerError.objects.count() == 1
    page = logged_in(bob).get("/help/bugs/new/").content.decode()
    assert re.search(r'<input type="hidden" name="diag_error_ids" id="id_diag_error_ids">', page), page


def test_an_error_outside_a_view_gets_an_id_too() -> None:
    request = RequestFactory().get("/api/v1/anything")
    try:
        raise ValueError("in a middleware")
    except ValueError:
        response = handler500(request)
    body = json.loads(response.content)
    assert response.status_code == 500 and body["code"] == "server_error"
    assert re.fullmatch(r"[0-9a-f]{12}", body["error_id"]) and body["error_id"] in body["detail"]


def test_not_found_and_forbidden_get_no_error_id(bob: Person) -> None:
    assert logged_in(bob).get("/help/bugs/999/").status_code == 404
    assert not ServerError.objects.exists()


def test_an_unexpected_api_error_is_kept_for_the_callers_bug_report(
    bob: Person, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(**kwargs: Any) -> list[Any]:
        raise RuntimeError("the account list caught fire")

    monkeypatch.setattr(api_accounts.selectors, "user_accounts", explode)
    with caplog.at_level(logging.ERROR, logger="stint.errors"):
        response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {bob.token}"})

    body = response.json()
    assert response.status_code == 500 and body["code"] == "server_error"
    assert body["error_id"] in body["detail"] and body["error_id"] in caplog.text
    assert "the account list caught fire" in caplog.text
    stored = ServerError.objects.get(error_id=body["error_id"])
    assert (stored.user_id, stored.path) == (bob.id, "/api/v1/me")
