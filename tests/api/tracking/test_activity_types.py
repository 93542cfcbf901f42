"""API.md Tracking: GET/POST /activity-types, PATCH/DELETE /activity-types/{id}: name, colour, one default."""

from __future__ import annotations

from stint.tracking.models import ActivityType
from tests.api.conftest import assert_error
from tests.conftest import Api, Person
from tests.tracking.helpers import NOW, at, records_of


def activity(person: Person, name: str, **fields: object) -> ActivityType:
    return ActivityType.objects.create(account=person.account, name=name, created_at=NOW, **fields)


def defaults(api: Api, person: Person) -> list[str]:
    return [a["name"] for a in api.as_(person).get("/activity-types").json()["items"] if a["is_default"]]


def test_alice_creates_an_activity_type_with_a_colour(alice: Person, api: Api) -> None:
    response = api.as_(alice).post("/activity-types", {"name": "Development", "color": "#11aa22"})

    assert response.status_code == 201, response
    body = response.json()
    assert (body["name"], body["color"], body["is_default"]) == ("Development", "#11aa22", False)
    assert api.as_(alice).get(f"/activity-types/{body['id']}").json()["name"] == "Development"


def test_a_colour_that_is_not_hex_is_refused(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).post("/activity-types", {"name": "Design", "color": "red"}), 422, "invalid_color")
    assert_error(api.as_(alice).post("/activity-types", {"name": "Design", "color": "#12345"}), 422, "invalid_color")
    item = activity(alice, "Design")
    assert_error(api.as_(alice).patch(f"/activity-types/{item.pk}", {"color": "#zzzzzz"}), 422, "invalid_color")


def test_a_duplicate_name_is_a_conflict_whatever_its_case(alice: Person, api: Api) -> None:
    activity(alice, "Meeting")
    other = activity(alice, "Review")

    assert_error(api.as_(alice).post("/activity-types", {"name": "meeting"}), 409, "activity_type_exists")
    assert_error(api.as_(alice).patch(f"/activity-types/{other.pk}", {"name": "MEETING"}), 409, "activity_type_exists")


def test_the_same_name_in_another_account_is_fine(alice: Person, charlie: Person, api: Api) -> None:
    activity(alice, "Meeting")

    assert api.as_(charlie).post("/activity-types", {"name": "Meeting"}).status_code == 201


def test_a_second_default_takes_over_from_the_first(alice: Person, api: Api) -> None:
    api.as_(alice).post("/activity-types", {"name": "Development", "is_default": True})
    assert defaults(api, alice) == ["Development"]

    api.as_(alice).post("/activity-types", {"name": "Design", "is_default": True})
    assert defaults(api, alice) == ["Design"]

    development = ActivityType.objects.get(account=alice.account, name="Development")
    assert api.as_(alice).patch(f"/activity-types/{development.pk}", {"is_default": True}).json()["is_default"]
    assert defaults(api, alice) == ["Development"]


def test_a_manager_manages_activity_types_but_a_member_only_reads_them(
    alice: Person, bob: Person, erin: Person, api: Api
) -> None:
    assert api.as_(erin).post("/activity-types", {"name": "Support"}).status_code == 201
    support = ActivityType.objects.get(account=alice.account, name="Support")

    assert_error(api.as_(bob).post("/activity-types", {"name": "Gaming"}), 403, "manager_only")
    assert_error(api.as_(bob).patch(f"/activity-types/{support.pk}", {"name": "Fun"}), 403, "manager_only")
    assert_error(api.as_(bob).delete(f"/activity-types/{support.pk}"), 403, "manager_only")
    assert [a["name"] for a in api.as_(bob).get("/activity-types").json()["items"]] == ["Support"]


def test_an_unused_activity_type_is_deleted_a_used_one_is_kept(alice: Person, api: Api) -> None:
    unused, used = activity(alice, "Unused"), activity(alice, "Used")
    records_of(alice, at("2026-11-23 09:00"), activity_type=used)

    assert api.as_(alice).delete(f"/activity-types/{unused.pk}").status_code == 204
    assert_error(api.as_(alice).delete(f"/activity-types/{used.pk}"), 409, "has_records")
    assert list(ActivityType.objects.filter(account=alice.account).values_list("name", flat=True)) == ["Used"]


def test_archived_activity_types_are_listed_only_when_asked_for(alice: Person, api: Api) -> None:
    old = activity(alice, "Old")

    assert api.as_(alice).patch(f"/activity-types/{old.pk}", {"archived": True}).json()["archived"] is True
    assert api.as_(alice).get("/activity-types").json()["items"] == []
    assert [a["name"] for a in api.as_(alice).get("/activity-types", include_archived="true").json()["items"]] == [
        "Old"
    ]


def test_charlie_never_sees_or_touches_alices_activity_types(alice: Person, charlie: Person, api: Api) -> None:
    secret = activity(alice, "Alice's secret sauce")

    assert_error(api.as_(charlie).get(f"/activity-types/{secret.pk}"), 404, "activity_type_not_found")
    assert_error(api.as_(charlie).patch(f"/activity-types/{secret.pk}", {"name": "Mine"}), 404)
    assert_error(api.as_(charlie).delete(f"/activity-types/{secret.pk}"), 404)
    assert api.as_(charlie).get("/activity-types", include_archived="true").json()["items"] == []
    assert ActivityType.objects.get(pk=secret.pk).name == "Alice's secret sauce"
