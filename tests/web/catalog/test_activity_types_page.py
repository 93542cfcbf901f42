"""Settings / Activity types: managers keep the list, everyone picks a favourite."""

from __future__ import annotations

from datetime import timedelta

from stint.tracking.models import ActivityType, TimeRecord, TrackingPreference
from tests.conftest import Person
from tests.tracking.helpers import NOW
from tests.web.catalog.conftest import activity
from tests.web.conftest import field_error, logged_in, text

PAGE = "/settings/activity-types/"


def favorite_of(person: Person) -> ActivityType | None:
    preference = TrackingPreference.objects.filter(account=person.account, user=person.user).first()
    return preference.favorite_activity_type if preference else None


def test_an_account_without_activity_types_explains_what_they_are_for(alice: Person, bob: Person) -> None:
    assert "No activity types yet" in text(logged_in(alice).get(PAGE))
    assert "Managers and admins add activity types" in text(logged_in(bob).get(PAGE))


def test_alice_creates_the_default_activity_type_with_its_colour(alice: Person) -> None:
    data = {"name": "Development", "color": "#9333ea", "is_default": "on"}
    response = logged_in(alice).post(PAGE, data, follow=True)
    page = response.content.decode()
    assert "The activity type Development was created." in text(response)
    assert 'style="background: #9333ea"' in page
    assert "Development Default" in text(response)
    created = ActivityType.objects.get(account=alice.account)
    assert (created.name, created.color, created.is_default) == ("Development", "#9333ea", True)


def test_a_duplicate_name_is_refused_next_to_the_name(alice: Person) -> None:
    activity(alice, "Meeting")
    response = logged_in(alice).post(PAGE, {"name": "meeting", "color": "#2b59c3"})
    assert field_error(response, "name") == "There is already an activity type called 'meeting'."
    assert ActivityType.objects.filter(account=alice.account).count() == 1


def test_a_colour_must_be_a_colour(alice: Person) -> None:
    response = logged_in(alice).post(PAGE, {"name": "Design", "color": "red"})
    assert field_error(response, "color") == "Pick a colour."
    assert not ActivityType.objects.exists()


def test_erin_renames_and_recolours_an_activity_type(alice: Person, erin: Person) -> None:
    meeting = activity(alice, "Meeting")
    response = logged_in(erin).post(f"{PAGE}{meeting.pk}/", {"name": "Meetings", "color": "#d97706"}, follow=True)
    assert "The activity type Meetings was saved." in text(response)
    meeting.refresh_from_db()
    assert (meeting.name, meeting.color) == ("Meetings", "#d97706")


def test_making_another_type_the_default_moves_the_badge(alice: Person, erin: Person) -> None:
    development = activity(alice, "Development", is_default=True)
    meeting = activity(alice, "Meeting")
    response = logged_in(erin).post(f"{PAGE}{meeting.pk}/default/", follow=True)
    assert "Meeting is now the default for new records." in text(response)
    assert "Meeting Default" in text(response) and "Development Default" not in text(response)
    development.refresh_from_db()
    assert not development.is_default


def test_an_archived_type_is_hidden_from_members_and_stops_being_the_default(alice: Person, bob: Person) -> None:
    development = activity(alice, "Development", is_default=True)
    response = logged_in(alice).post(f"{PAGE}{development.pk}/archive/", {"archived": "1"}, follow=True)
    assert "Development is archived" in text(response)
    development.refresh_from_db()
    assert development.archived_at is not None and not development.is_default
    assert "Development" not in text(logged_in(bob).get(PAGE))
    logged_in(alice).post(f"{PAGE}{development.pk}/archive/", {"archived": "0"})
    development.refresh_from_db()
    assert development.archived_at is None


def test_an_unused_type_is_deleted_after_confirming_and_a_used_one_is_not(alice: Person) -> None:
    design = activity(alice, "Design")
    meeting = activity(alice, "Meeting")
    TimeRecord.objects.create(
        account=alice.account,
        user=alice.user,
        start=NOW - timedelta(hours=2),
        end=NOW - timedelta(hours=1),
        duration_s=3600,
        activity_type=meeting,
        created_at=NOW,
        updated_at=NOW,
    )
    browser = logged_in(alice)
    assert "Delete the activity type Design?" in text(browser.get(f"{PAGE}{design.pk}/delete/"))
    assert "The activity type Design was deleted." in text(browser.post(f"{PAGE}{design.pk}/delete/", follow=True))
    refused = text(browser.post(f"{PAGE}{meeting.pk}/delete/", follow=True))
    assert "Meeting was not deleted. Time was recorded with this activity type; archive it instead." in refused
    assert list(ActivityType.objects.values_list("name", flat=True)) == ["Meeting"]


def test_bob_marks_his_favourite_and_clears_it(alice: Person, bob: Person) -> None:
    activity(alice, "Development", is_default=True)
    design = activity(alice, "Design")
    browser = logged_in(bob)
    response = browser.post(f"{PAGE}favorite/", {"activity_type_id": design.pk}, follow=True)
    assert "Design is your favourite" in text(response)
    assert "Design is your favourite; unmark it" in text(response)  # the filled star's label
    assert favorite_of(bob) == design
    assert favorite_of(alice) is None
    browser.post(f"{PAGE}favorite/", {"activity_type_id": ""})
    assert favorite_of(bob) is None


def test_an_archived_type_cannot_be_a_favourite(alice: Person, bob: Person) -> None:
    design = activity(alice, "Design", archived_at=NOW)
    response = logged_in(bob).post(f"{PAGE}favorite/", {"activity_type_id": design.pk}, follow=True)
    assert "Design is archived and cannot be your favourite." in text(response)
    assert favorite_of(bob) is None


def test_bob_sees_the_list_but_cannot_change_it(alice: Person, bob: Person) -> None:
    design = activity(alice, "Design")
    browser = logged_in(bob)
    response = browser.get(PAGE)
    assert "Design" in text(response)
    page = response.content.decode()
    assert "New activity type" not in page and f"{PAGE}{design.pk}/" not in page
    assert browser.post(PAGE, {"name": "Sneaky", "color": "#000000"}).status_code == 403
    assert browser.post(f"{PAGE}{design.pk}/", {"name": "Renamed", "color": "#000000"}).status_code == 403
    assert browser.post(f"{PAGE}{design.pk}/default/").status_code == 403
    assert browser.post(f"{PAGE}{design.pk}/archive/", {"archived": "1"}).status_code == 403
    assert browser.post(f"{PAGE}{design.pk}/delete/").status_code == 403
    design.refresh_from_db()
    assert (design.name, design.is_default, design.archived_at) == ("Design", False, None)
    assert list(ActivityType.objects.values_list("name", flat=True)) == ["Design"]


def test_charlie_sees_no_trace_of_account_a_and_cannot_touch_its_types(alice: Person, charlie: Person) -> None:
    design = activity(alice, "Secret design work")
    browser = logged_in(charlie)
    assert "Secret design work" not in text(browser.get(PAGE))
    assert browser.get(f"{PAGE}{design.pk}/").status_code == 404
    assert browser.post(f"{PAGE}{design.pk}/", {"name": "Mine", "color": "#000000"}).status_code == 404
    assert browser.post(f"{PAGE}{design.pk}/default/").status_code == 404
    assert browser.post(f"{PAGE}{design.pk}/archive/", {"archived": "1"}).status_code == 404
    assert browser.post(f"{PAGE}{design.pk}/delete/").status_code == 404
    assert browser.post(f"{PAGE}favorite/", {"activity_type_id": design.pk}).status_code == 404
    assert favorite_of(charlie) is None
    design.refresh_from_db()
    assert (design.name, design.is_default, design.archived_at) == ("Secret design work", False, None)
