"""POST /api/v1/subscription/cancel and /resume: cancel at the end of the period, undo until then."""

from __future__ import annotations

from stint.billing.services import billing_tick
from tests.api.billing.conftest import DAY
from tests.api.conftest import assert_error
from tests.conftest import Api, Person


def test_cancelling_keeps_the_subscription_until_the_period_ends(api: Api, alice: Person, regular) -> None:
    response = api.as_(alice).post("/subscription/cancel")

    assert response.status_code == 200, response
    body = response.json()
    assert (body["cancel_at_period_end"], body["edition"], body["status"]) == (True, "regular", "active")
    assert api.as_(alice).get("/subscription").json()["cancel_at_period_end"] is True
    events = [e["type"] for e in api.as_(alice).get("/account/events").json()["items"]]
    assert "subscription.cancelled" in events


def test_a_cancelled_subscription_becomes_free_at_the_period_end(api: Api, alice: Person, frozen, regular) -> None:
    api.as_(alice).post("/subscription/cancel")
    frozen.advance(28 * DAY)

    billing_tick()

    subscription = api.as_(alice).get("/subscription").json()
    assert (subscription["edition"], subscription["plan"], subscription["status"]) == ("free", "free", "free")
    assert [i["billing_reason"] for i in api.as_(alice).get("/invoices").json()["items"]] == ["purchase"]


def test_resuming_undoes_the_cancellation(api: Api, alice: Person, frozen, regular) -> None:
    api.as_(alice).post("/subscription/cancel")

    response = api.as_(alice).post("/subscription/resume")

    assert response.status_code == 200, response
    assert response.json()["cancel_at_period_end"] is False
    frozen.advance(28 * DAY)
    billing_tick()
    assert api.as_(alice).get("/subscription").json()["edition"] == "regular"
    assert api.as_(alice).get("/invoices").json()["items"][0]["billing_reason"] == "renewal"


def test_cancelling_twice_changes_nothing_more(api: Api, alice: Person, regular) -> None:
    api.as_(alice).post("/subscription/cancel")

    assert api.as_(alice).post("/subscription/cancel").json()["cancel_at_period_end"] is True
    events = [e["type"] for e in api.as_(alice).get("/account/events").json()["items"]]
    assert events.count("subscription.cancelled") == 1


def test_a_trial_has_nothing_to_cancel_or_resume(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/subscription/cancel"), 409, "no_subscription")
    assert_error(api.as_(alice).post("/subscription/resume"), 409, "no_subscription")


def test_bob_cannot_cancel_or_resume(api: Api, alice: Person, bob: Person, regular) -> None:
    assert_error(api.as_(bob).post("/subscription/cancel"), 403, "admin_only")
    assert_error(api.as_(bob).post("/subscription/resume"), 403, "admin_only")
    assert api.as_(alice).get("/subscription").json()["cancel_at_period_end"] is False
