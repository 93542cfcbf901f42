"""GET /api/v1/account/events: the account's event log (admins), newest first, with each email's status."""

from __future__ import annotations

from tests.api.conftest import EVENT_TYPES, assert_error
from tests.conftest import Api, Person, deliver


def test_alice_sees_the_events_of_her_account_newest_first(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    response = api.as_(alice).get("/account/events")

    assert response.status_code == 200, response
    body = response.json()
    assert body["next_cursor"] is None
    assert [e["type"] for e in body["items"]] == ["user.removed", "user.added", "trial.started", "account.created"]
    created = [e["created_at"] for e in body["items"]]
    assert created == sorted(created, reverse=True)


def test_each_event_has_the_documented_fields(api: Api, alice: Person, bob: Person) -> None:
    for event in api.as_(alice).get("/account/events").json()["items"]:
        assert {"id", "type", "created_at", "summary", "email_status"} <= set(event)
        assert event["type"] in EVENT_TYPES
        assert event["created_at"].endswith("Z")
        assert event["summary"]


def test_the_summary_says_what_happened(api: Api, alice: Person, bob: Person) -> None:
    added = api.as_(alice).get("/account/events").json()["items"][0]

    assert added["type"] == "user.added"
    assert "Bob Baker" in added["summary"]


def test_email_status_is_pending_until_the_worker_sends_it(api: Api, alice: Person) -> None:
    before = api.as_(alice).get("/account/events").json()["items"]

    deliver()
    after = api.as_(alice).get("/account/events").json()["items"]

    assert {e["email_status"] for e in before} == {"pending"}
    assert {e["email_status"] for e in after} == {"sent"}


def test_another_admin_sees_the_log(api: Api, alice: Person, frank: Person) -> None:
    assert api.as_(frank).get("/account/events").status_code == 200


def test_bob_cannot_see_the_log(api: Api, alice: Person, bob: Person) -> None:
    assert_error(api.as_(bob).get("/account/events"), 403, "admin_only")


def test_a_manager_cannot_see_the_log(api: Api, erin: Person) -> None:
    assert_error(api.as_(erin).get("/account/events"), 403, "admin_only")


def test_charlie_sees_only_his_accounts_events(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    response = api.as_(charlie).get("/account/events")

    assert [e["type"] for e in response.json()["items"]] == ["trial.started", "account.created"]
    assert b"Bob Baker" not in response.content
    assert b"Account A" not in response.content


def test_the_log_pages_newest_first(api: Api, alice: Person, bob: Person) -> None:
    first = api.as_(alice).get("/account/events", limit=2).json()
    second = api.as_(alice).get("/account/events", limit=2, cursor=first["next_cursor"]).json()

    assert [e["type"] for e in first["items"]] == ["user.added", "trial.started"]
    assert [e["type"] for e in second["items"]] == ["account.created"]
    assert second["next_cursor"] is None


def test_a_bad_limit_or_cursor_is_refused(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).get("/account/events", limit=0), 400)
    assert_error(api.as_(alice).get("/account/events", limit=501), 400)
    assert_error(api.as_(alice).get("/account/events", limit="ten"), 400)
    assert_error(api.as_(alice).get("/account/events", cursor="bogus"), 400)
