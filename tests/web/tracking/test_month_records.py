"""The month's add, edit and delete forms, with the services' errors next to the fields."""

from __future__ import annotations

from stint.tracking.models import TimeRecord
from tests.conftest import Person
from tests.web.conftest import field_error, logged_in, text
from tests.web.tracking.conftest import Catalog, at, record


def form(catalog: Catalog, **values: object) -> dict[str, object]:
    return {
        "date": "2026-11-24",
        "start": "09:00",
        "end": "10:15",
        "work_item_id": catalog.login.pk,
        "activity_type_id": catalog.development.pk,
        "billable": "on",
        "comment": "Pairing",
        **values,
    }


def test_alice_adds_a_record_from_the_month(alice: Person, catalog: Catalog) -> None:
    response = logged_in(alice).post("/records/new/?date=2026-11-24", form(catalog))
    assert response.status_code == 302 and response["Location"] == "/month/?month=2026-11"
    [made] = TimeRecord.objects.all()
    assert (made.start, made.duration_s, made.source, made.comment) == (
        at("2026-11-24 09:00"),
        4500,
        "manual",
        "Pairing",
    )


def test_in_the_dialog_a_save_redirects_the_page(alice: Person, catalog: Catalog) -> None:
    response = logged_in(alice).post("/records/new/", form(catalog), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/month/?month=2026-11"


def test_an_overlap_is_shown_next_to_the_start(alice: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-24 09:30"), 60)
    response = logged_in(alice).post("/records/new/", form(catalog), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "overlaps the existing record" in field_error(response, "start")
    assert "<html" not in response.content.decode()  # only the dialog's form


def test_a_closed_item_is_refused_next_to_the_work_item(alice: Person, catalog: Catalog) -> None:
    response = logged_in(alice).post("/records/new/", form(catalog, work_item_id=catalog.closed.pk))
    assert "Select a valid choice" in field_error(response, "work_item_id")  # closed items are not offered


def test_alice_edits_and_deletes_her_record(alice: Person, catalog: Catalog) -> None:
    mine = record(alice, at("2026-11-24 09:00"), 60, work_item=catalog.login)
    client = logged_in(alice)
    assert 'value="09:00"' in client.get(f"/records/{mine.pk}/edit/").content.decode()
    client.post(f"/records/{mine.pk}/edit/", form(catalog, start="13:00", end="13:45", billable=""))
    mine.refresh_from_db()
    assert (mine.start, mine.duration_s, mine.billable) == (at("2026-11-24 13:00"), 2700, False)
    assert "Delete the record?" in text(client.get(f"/records/{mine.pk}/delete/"))
    client.post(f"/records/{mine.pk}/delete/")
    assert not TimeRecord.objects.exists()


def test_bob_cannot_edit_alices_record(alice: Person, bob: Person, catalog: Catalog) -> None:
    hers = record(alice, at("2026-11-24 09:00"), 60)
    # Within the account the answer may say the record is someone else's (403); it is never changed.
    assert logged_in(bob).post(f"/records/{hers.pk}/edit/", form(catalog)).status_code in {403, 404}
    assert logged_in(bob).post(f"/records/{hers.pk}/delete/").status_code in {403, 404}
    assert TimeRecord.objects.filter(pk=hers.pk).exists()


def test_the_month_shows_day_totals(alice: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-24 09:00"), 60)
    record(alice, at("2026-11-24 11:00"), 30)
    page = logged_in(alice).get("/month/?month=2026-11").content.decode()
    assert 'title="Day total">1:30<' in page
    assert "Total 1:30" in text(logged_in(alice).get("/month/?month=2026-11"))


def test_editing_a_record_keeps_its_closed_work_item(alice: Person, catalog: Catalog) -> None:
    kept = record(alice, at("2026-11-24 09:00"), 60, work_item=catalog.login, activity_type=catalog.development)
    catalog.login.state = "closed"
    catalog.login.save()
    browser = logged_in(alice)
    assert "(closed)" in text(browser.get(f"/records/{kept.pk}/edit/"))
    response = browser.post(
        f"/records/{kept.pk}/edit/", form(catalog, date="2026-11-24", end="10:00", comment="Typo fixed")
    )
    assert response.status_code == 302, text(response)
    kept.refresh_from_db()
    assert (kept.work_item_id, kept.comment) == (catalog.login.pk, "Typo fixed")


def test_a_time_the_clocks_skip_is_refused_next_to_its_field(alice: Person, catalog: Catalog) -> None:
    alice.user.timezone = "Europe/Berlin"
    alice.user.save()
    response = logged_in(alice).post(
        "/records/new/?date=2026-03-29", form(catalog, date="2026-03-29", start="02:30", end="03:30")
    )
    assert response.status_code == 200
    assert "02:30 does not exist on Mar 29 in Europe/Berlin" in field_error(response, "start")
    assert not TimeRecord.objects.exists()
