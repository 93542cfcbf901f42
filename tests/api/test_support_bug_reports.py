"""API.md "Support": POST /support/bug-reports and what the reporter can follow afterwards."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from stint.api import accounts as api_accounts
from stint.support.models import BugReport
from tests.api.conftest import assert_error
from tests.conftest import Api, Mailbox, Person, body_text, deliver, edition_set

REPORT = {"title": "The week page shows Monday twice", "description": "After switching to Sunday weeks.", "steps": "1."}


def test_a_bug_report_gets_a_reference_and_an_email_confirmation(api: Api, alice: Person, mailbox: Mailbox) -> None:
    response = api.as_(alice).post("/support/bug-reports", REPORT)

    assert response.status_code == 201, response
    body = response.json()
    assert isinstance(body["id"], int)
    assert re.fullmatch(r"BUG-[A-Z2-9]{6}", body["reference"])
    assert body["status"] == "new"
    deliver()
    [email] = [m for m in mailbox.to(alice.email) if body["reference"] in str(m["Subject"])]
    assert "We received your bug report" in str(email["Subject"])
    assert f"/help/bugs/{body['id']}/" in body_text(email)


def test_the_diagnostics_say_version_mode_edition_browser_time_zone_page_and_error_ids(api: Api, bob: Person) -> None:
    diagnostics = {"time_zone": "Europe/Berlin", "page": "http://x/records/?q=1", "error_ids": ["3f2a9c81b0de"]}
    response = api.as_(bob).post(
        "/support/bug-reports", {**REPORT, "diagnostics": diagnostics}, headers={"User-Agent": "Firefox/140.0"}
    )

    found = response.json()["diagnostics"]
    assert found["version"] and found["mode"] == "cloud" and found["edition"] == "trial"
    assert (found["browser"], found["time_zone"], found["page"]) == ("Firefox/140.0", "Europe/Berlin", "/records/")
    assert found["error_ids"] == ["3f2a9c81b0de"]
    assert "bob@example.com" not in str(found) and "Bob" not in str(found)


def test_the_reporter_may_leave_the_diagnostics_out(api: Api, bob: Person) -> None:
    response = api.as_(bob).post("/support/bug-reports", {**REPORT, "include_diagnostics": False})
    assert response.json()["diagnostics"] == {}


def test_diagnostics_never_carry_a_token_a_password_or_card_data(api: Api, alice: Person) -> None:
    leaky = {
        "title": "Card 4242 4242 4242 4242 refused",
        "description": f"curl -H 'Authorization: Bearer {alice.token}' gives 500; my password is hunter2hunter2",
        "steps": "cvc 123, then card 5555555555554444",
        "diagnostics": {
            "browser": f"Mozilla/5.0 token={alice.token}",
            "page": f"/invitations/inv_{'A1b2C3d4' * 5}/?password=hunter2hunter2",
            "time_zone": "password=hunter2hunter2",
            "error_ids": [alice.token, "4242424242424242", "3f2a9c81b0de"],
        },
    }
    response = api.as_(alice).post("/support/bug-reports", leaky, headers={"User-Agent": f"Bearer {alice.token}"})

    assert response.status_code == 201, response
    stored = BugReport.objects.get()
    everything = str([stored.title, stored.description, stored.steps, stored.diagnostics]) + response.content.decode()
    for secret in [alice.token, alice.token[6:20], "hunter2hunter2", "4242 4242 4242 4242", "4242424242424242",
                   "5555555555554444", "cvc 123", "A1b2C3d4"]:  # fmt: skip
        assert secret not in everything, secret
    assert stored.diagnostics["error_ids"] == ["3f2a9c81b0de"]


def test_a_report_needs_a_title_and_a_description(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/support/bug-reports", {**REPORT, "title": "  "}), 422, "title_required")
    assert_error(api.as_(alice).post("/support/bug-reports", {"title": "x"}), 422, "description_required")
    assert_error(api.as_(alice).post("/support/bug-reports", {**REPORT, "title": 5}), 400, "invalid_request")
    assert_error(
        api.as_(alice).post("/support/bug-reports", {**REPORT, "description": "bell\x07"}), 422, "description_invalid"
    )
    assert_error(api.as_(alice).post("/support/bug-reports", {**REPORT, "title": "two\nlines"}), 422, "title_invalid")
    assert not BugReport.objects.exists()


def test_reporting_needs_a_token(api: Api, alice: Person) -> None:
    assert_error(api.post("/support/bug-reports", REPORT), 401)


def test_enterprise_reports_are_priority_and_free_ones_community(api: Api, alice: Person, charlie: Person) -> None:
    edition_set(alice.account, "enterprise")
    edition_set(charlie.account, "free")
    mine = api.as_(alice).post("/support/bug-reports", REPORT).json()
    theirs = api.as_(charlie).post("/support/bug-reports", REPORT).json()
    assert (mine["priority"], mine["support_level"]) == (True, "priority")
    assert (theirs["priority"], theirs["support_level"]) == (False, "community")


def test_bob_sees_his_reports_alice_the_accounts_and_charlie_none(
    api: Api, alice: Person, bob: Person, charlie: Person
) -> None:
    bobs = api.as_(bob).post("/support/bug-reports", REPORT).json()
    alices = api.as_(alice).post("/support/bug-reports", REPORT).json()

    assert [r["id"] for r in api.as_(bob).get("/support/bug-reports").json()["items"]] == [bobs["id"]]
    assert [r["id"] for r in api.as_(alice).get("/support/bug-reports").json()["items"]] == [alices["id"], bobs["id"]]
    assert api.as_(charlie).get("/support/bug-reports").json()["items"] == []
    assert api.as_(alice).get(f"/support/bug-reports/{bobs['id']}").status_code == 200
    assert_error(api.as_(bob).get(f"/support/bug-reports/{alices['id']}"), 404, "bug_report_not_found")
    assert_error(api.as_(charlie).get(f"/support/bug-reports/{bobs['id']}"), 404, "bug_report_not_found")
    assert_error(api.as_(charlie).post(f"/support/bug-reports/{bobs['id']}/replies", {"body": "hi"}), 404)


def test_the_reporter_adds_details_and_the_report_goes_back_to_support(api: Api, bob: Person) -> None:
    report = api.as_(bob).post("/support/bug-reports", REPORT).json()
    reply = api.as_(bob).post(f"/support/bug-reports/{report['id']}/replies", {"body": "It also happens in May."})

    assert reply.status_code == 201, reply
    assert (reply.json()["author"], reply.json()["by_staff"]) == ("Bob Baker", False)
    detail = api.as_(bob).get(f"/support/bug-reports/{report['id']}").json()
    assert [r["body"] for r in detail["replies"]] == ["It also happens in May."]
    assert BugReport.objects.get().awaiting_staff is True


def test_an_id_too_large_for_the_database_is_not_found(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).get(f"/support/bug-reports/{2**63}"), 400)
    assert_error(api.as_(alice).get(f"/support/bug-reports/{2**63 - 1}"), 404)


def test_the_diagnostics_preview_shows_what_would_be_sent(api: Api, bob: Person) -> None:
    response = api.as_(bob).get("/support/diagnostics", time_zone="Asia/Tokyo", page="/week/")
    body = response.json()
    assert body["support_level"] == "email"
    assert body["diagnostics"]["time_zone"] == "Asia/Tokyo" and body["diagnostics"]["page"] == "/week/"
    assert body["diagnostics"]["role"] == "member"


def test_a_flood_of_reports_is_throttled(api: Api, bob: Person) -> None:
    for _ in range(10):
        assert api.as_(bob).post("/support/bug-reports", REPORT).status_code == 201
    assert_error(api.as_(bob).post("/support/bug-reports", REPORT), 429, "too_many_writes")


@pytest.mark.parametrize(
    ("field", "length"),
    [("title", 151), ("title", 1001), ("title", 50_000), ("description", 10_001), ("description", 20_001),
     ("steps", 30_000)],
)  # fmt: skip
def test_a_text_too_long_is_refused_naming_it_whatever_its_length(
    api: Api, alice: Person, field: str, length: int
) -> None:
    response = api.as_(alice).post("/support/bug-reports", {**REPORT, field: "x" * length})
    assert_error(response, 422, f"{field}_too_long", field=field)
    assert not BugReport.objects.exists()


@pytest.mark.parametrize(
    ("diagnostics", "code", "field"),
    [
        (5, "diagnostics_invalid", "diagnostics"),
        ("x", "diagnostics_invalid", "diagnostics"),
        ([], "diagnostics_invalid", "diagnostics"),
        ({"browser": 5}, "diagnostics_invalid", "diagnostics.browser"),
        ({"error_ids": "3f2a9c81b0de"}, "diagnostics_invalid", "diagnostics.error_ids"),
        ({"page": "/" + "x" * 2000}, "diagnostics_too_long", "diagnostics.page"),
        ({"error_ids": ["3f2a9c81b0de"] * 21}, "diagnostics_too_long", "diagnostics.error_ids"),
    ],
)
def test_diagnostics_of_the_wrong_shape_are_refused_naming_the_field(
    api: Api, alice: Person, diagnostics: Any, code: str, field: str
) -> None:
    response = api.as_(alice).post("/support/bug-reports", {**REPORT, "diagnostics": diagnostics})
    assert_error(response, 422, code, field=field)
    assert not BugReport.objects.exists()


def test_an_empty_reply_names_the_body_field(api: Api, bob: Person) -> None:
    report = api.as_(bob).post("/support/bug-reports", REPORT).json()
    url = f"/support/bug-reports/{report['id']}/replies"
    assert_error(api.as_(bob).post(url, {}), 422, "body_required", field="body")
    assert_error(api.as_(bob).post(url, {"body": "x" * 20_001}), 422, "body_too_long", field="body")


def test_a_title_with_direction_marks_is_refused_and_other_texts_lose_them(api: Api, bob: Person) -> None:
    for mark in ["\u202e", "\u2066", "\u200f"]:
        response = api.as_(bob).post("/support/bug-reports", {**REPORT, "title": f"Invoice {mark}fdp.exe"})
        assert_error(response, 422, "title_invalid", field="title")
    body = {**REPORT, "description": "Shown \u202ereversed\u202c here", "steps": "1.\u2067 Open\u2069"}
    created = api.as_(bob).post("/support/bug-reports", body).json()
    assert (created["description"], created["steps"]) == ("Shown reversed here", "1. Open")
    reply = api.as_(bob).post(f"/support/bug-reports/{created['id']}/replies", {"body": "\u200eMore\u200f"})
    assert reply.json()["body"] == "More"


@pytest.fixture
def bobs_api_error(bob: Person, monkeypatch: pytest.MonkeyPatch) -> str:
    """An unexpected error Bob met through the API (its id is in the answer), the API working again afterwards."""

    def explode(**kwargs: Any) -> list[Any]:
        raise RuntimeError("the account list caught fire")

    with monkeypatch.context() as patch:
        patch.setattr(api_accounts.selectors, "user_accounts", explode)
        response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {bob.token}"})
    assert response.status_code == 500
    return str(response.json()["error_id"])


def test_the_api_attaches_the_callers_recent_error_ids(
    api: Api, alice: Person, bob: Person, bobs_api_error: str
) -> None:
    preview = api.as_(bob).get("/support/diagnostics").json()["diagnostics"]
    assert preview["error_ids"] == [bobs_api_error]

    plain = api.as_(bob).post("/support/bug-reports", REPORT).json()
    quoting = api.as_(bob).post("/support/bug-reports", {**REPORT, "diagnostics": {"error_ids": ["3f2a9c81b0de"]}})
    assert plain["diagnostics"]["error_ids"] == [bobs_api_error]
    assert quoting.json()["diagnostics"]["error_ids"] == ["3f2a9c81b0de", bobs_api_error]
    assert "error_ids" not in api.as_(alice).post("/support/bug-reports", REPORT).json()["diagnostics"]
    left_out = api.as_(bob).post("/support/bug-reports", {**REPORT, "include_diagnostics": False}).json()
    assert left_out["diagnostics"] == {}
