"""The tracker bar's JSON views and the week's cell view, as the page scripts call them."""

from __future__ import annotations

from stint.core.clock import FrozenClock
from stint.tracking.models import Timer, TimeRecord
from tests.conftest import Person
from tests.web.conftest import logged_in
from tests.web.tracking.conftest import Catalog, at, record

JSON = {"HTTP_ACCEPT": "application/json"}


def test_alice_starts_and_stops_the_timer_and_every_tab_sees_it(
    alice: Person, catalog: Catalog, frozen: FrozenClock
) -> None:
    tab, other_tab = logged_in(alice), logged_in(alice)
    started = tab.post(
        "/tracking/timer/start/",
        {"work_item": catalog.login.pk, "activity_type": catalog.development.pk, "comment": "Form"},
        **JSON,
    ).json()
    assert started["running"] and started["work_item"] == "PROJ-1 Login page"
    state = other_tab.get("/tracking/timer/").json()
    assert state["running"] and state["started_at"] == "2026-11-26T15:00:00+00:00"
    frozen.advance(25 * 60)
    assert other_tab.post("/tracking/timer/stop/", **JSON).json()["running"] is False
    assert tab.get("/tracking/timer/").json() == {"running": False, "now": "2026-11-26T15:25:00+00:00"}
    [made] = TimeRecord.objects.all()
    assert (made.duration_s, made.source, made.comment) == (1500, "timer", "Form")


def test_starting_on_a_closed_item_says_why(alice: Person, catalog: Catalog) -> None:
    answer = logged_in(alice).post("/tracking/timer/start/", {"work_item": catalog.closed.pk}, **JSON)
    assert answer.status_code == 422
    assert "closed" in answer.json()["error"]
    assert not Timer.objects.exists()


def test_without_javascript_start_and_stop_return_to_the_page(alice: Person) -> None:
    client = logged_in(alice)
    assert client.post("/tracking/timer/start/", {"next": "/week/"})["Location"] == "/week/"
    assert Timer.objects.filter(user=alice.user).exists()
    assert client.post("/tracking/timer/stop/", {"next": "https://evil.example/"})["Location"] == "/"


def test_stopping_without_a_timer_is_an_error_not_a_crash(alice: Person) -> None:
    answer = logged_in(alice).post("/tracking/timer/stop/", **JSON)
    assert answer.status_code == 422 and answer.json()["error"] == "No timer is running."


def test_the_picker_searches_work_items_of_the_account_only(alice: Person, charlie: Person, catalog: Catalog) -> None:
    found = logged_in(alice).get("/tracking/work-items/", {"q": "login"}).json()["items"]
    assert [item["label"] for item in found] == ["PROJ-1 Login page"]
    assert (
        logged_in(alice).get("/tracking/work-items/", {"q": "PROJ-2"}).json()["items"][0]["label"] == "PROJ-2 Reports"
    )
    assert logged_in(charlie).get("/tracking/work-items/", {"q": "login"}).json()["items"] == []


def test_a_cell_saves_and_answers_the_new_totals(alice: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-24 09:00"), 60, work_item=catalog.reports, activity_type=catalog.development)
    cell = {"date": "2026-11-23", "work_item": catalog.login.pk, "activity_type": catalog.development.pk}
    answer = logged_in(alice).post("/tracking/week/cell/", {**cell, "duration": "1h30m"}).json()
    assert answer["cell"] == "1:30"
    assert answer["days"] == ["1:30", "1:00", "0:00", "0:00", "0:00", "0:00", "0:00"]
    assert answer["total"] == "2:30"
    assert answer["rows"][f"{catalog.login.pk}-{catalog.development.pk}"] == "1:30"


def test_a_cell_error_comes_back_for_the_cell(alice: Person, catalog: Catalog) -> None:
    client = logged_in(alice)
    cell = {"date": "2026-11-23", "work_item": catalog.closed.pk, "activity_type": catalog.development.pk}
    answer = client.post("/tracking/week/cell/", {**cell, "duration": "2h"})
    assert answer.status_code == 422 and "closed" in answer.json()["error"]
    answer = client.post("/tracking/week/cell/", {**cell, "duration": "lots"})
    assert "is not a duration" in answer.json()["error"]
    future = {**cell, "work_item": catalog.login.pk, "date": "2026-11-28"}
    assert "days after today" in client.post("/tracking/week/cell/", {**future, "duration": "1"}).json()["error"]


def test_add_row_shows_an_empty_row_to_type_into(alice: Person, catalog: Catalog) -> None:
    page = logged_in(alice).get(
        "/week/", {"date": "2026-11-23", "add_item": catalog.reports.pk, "add_activity": catalog.meeting.pk}
    )
    body = page.content.decode()
    assert f'data-row="{catalog.reports.pk}-{catalog.meeting.pk}"' in body
    assert f'name="row" value="{catalog.reports.pk}-{catalog.meeting.pk}"' in body  # kept when adding another
