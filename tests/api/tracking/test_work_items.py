"""API.md Tracking: GET/POST /work-items, PATCH/DELETE /work-items/{id}: a tree per account, search, archive."""

from __future__ import annotations

from stint.tracking.models import WorkItem
from tests.api.conftest import assert_error
from tests.conftest import Api, Person, Response
from tests.tracking.helpers import at, records_of, work_item


def titles(response: Response) -> list[str]:
    assert response.status_code == 200, response
    return [item["title"] for item in response.json()["items"]]


def test_a_new_account_has_internal_items_for_vacation_sick_leave_and_meetings(alice: Person, api: Api) -> None:
    items = api.as_(alice).get("/work-items").json()["items"]

    assert sorted((i["title"], i["type"], i["state"]) for i in items) == [
        ("Meetings", "internal", "open"),
        ("Sick leave", "internal", "open"),
        ("Vacation", "internal", "open"),
    ]


def test_alice_creates_a_work_item_with_all_its_fields(alice: Person, api: Api) -> None:
    response = api.as_(alice).post(
        "/work-items", {"title": "Checkout", "type": "feature", "external_ref": "GH-12", "estimate_s": 7200}
    )

    assert response.status_code == 201, response
    body = response.json()
    assert body["title"] == "Checkout" and body["type"] == "feature" and body["state"] == "open"
    assert body["external_ref"] == "GH-12" and body["estimate_s"] == 7200 and body["parent_id"] is None
    assert api.as_(alice).get(f"/work-items/{body['id']}").json()["title"] == "Checkout"


def test_a_manager_creates_work_items_but_a_member_cannot(alice: Person, bob: Person, erin: Person, api: Api) -> None:
    assert api.as_(erin).post("/work-items", {"title": "Erin's epic", "type": "epic"}).status_code == 201

    assert_error(api.as_(bob).post("/work-items", {"title": "Bob's task"}), 403, "manager_only")
    assert "Bob's task" not in titles(api.as_(bob).get("/work-items"))


def test_a_member_reads_the_accounts_work_items(alice: Person, bob: Person, api: Api) -> None:
    item = work_item(alice, "Shared task")

    assert api.as_(bob).get(f"/work-items/{item.pk}").json()["title"] == "Shared task"
    assert "Shared task" in titles(api.as_(bob).get("/work-items"))


def test_items_form_a_tree_of_any_depth(alice: Person, api: Api) -> None:
    epic = api.as_(alice).post("/work-items", {"title": "Epic", "type": "epic"}).json()
    feature = api.as_(alice).post("/work-items", {"title": "Feature", "type": "feature", "parent_id": epic["id"]})
    task = api.as_(alice).post("/work-items", {"title": "Task", "parent_id": feature.json()["id"]})
    bug = api.as_(alice).post("/work-items", {"title": "Bug", "type": "bug", "parent_id": task.json()["id"]})

    assert bug.status_code == 201 and bug.json()["parent_id"] == task.json()["id"]
    assert titles(api.as_(alice).get("/work-items", parent_id=epic["id"])) == ["Feature"]
    assert titles(api.as_(alice).get("/work-items", parent_id=task.json()["id"])) == ["Bug"]


def test_moving_an_item_under_its_own_descendant_is_refused(alice: Person, api: Api) -> None:
    top = work_item(alice, "Top")
    middle = work_item(alice, "Middle", parent=top)
    bottom = work_item(alice, "Bottom", parent=middle)

    assert_error(api.as_(alice).patch(f"/work-items/{top.pk}", {"parent_id": bottom.pk}), 422, "parent_cycle")
    assert_error(api.as_(alice).patch(f"/work-items/{top.pk}", {"parent_id": top.pk}), 422, "parent_cycle")
    top.refresh_from_db()
    assert top.parent_id is None


def test_an_item_can_be_moved_and_back_to_the_top(alice: Person, api: Api) -> None:
    first, second = work_item(alice, "First"), work_item(alice, "Second")

    assert api.as_(alice).patch(f"/work-items/{second.pk}", {"parent_id": first.pk}).json()["parent_id"] == first.pk
    assert api.as_(alice).patch(f"/work-items/{second.pk}", {"parent_id": None}).json()["parent_id"] is None


def test_a_parent_from_another_account_is_unknown(alice: Person, charlie: Person, api: Api) -> None:
    theirs = work_item(charlie, "Charlie's secret")

    body = assert_error(
        api.as_(alice).post("/work-items", {"title": "x", "parent_id": theirs.pk}), 422, "unknown_parent"
    )
    assert "secret" not in body["detail"]
    assert_error(api.as_(alice).post("/work-items", {"title": "x", "parent_id": 2**62}), 422, "unknown_parent")


def test_search_finds_items_by_part_of_the_title_or_the_exact_reference(alice: Person, api: Api) -> None:
    work_item(alice, "Checkout redesign", external_ref="GH-123")
    work_item(alice, "Login bug", external_ref="GH-1234")

    assert titles(api.as_(alice).get("/work-items", search="checkout")) == ["Checkout redesign"]
    assert titles(api.as_(alice).get("/work-items", search="GH-123")) == ["Checkout redesign"]
    assert titles(api.as_(alice).get("/work-items", search="gh-1234")) == ["Login bug"]
    assert titles(api.as_(alice).get("/work-items", search="GH-12")) == []
    assert titles(api.as_(alice).get("/work-items", search="  checkout  ")) == ["Checkout redesign"]
    assert_error(api.as_(alice).get("/work-items", search="GH\x00123"), 400)


def test_a_blank_search_lists_every_item(alice: Person, api: Api) -> None:
    work_item(alice, "Checkout redesign", external_ref="GH-123")

    assert len(titles(api.as_(alice).get("/work-items", search="   "))) == 4


def test_archiving_hides_an_item_unless_archived_ones_are_asked_for(alice: Person, api: Api) -> None:
    item = work_item(alice, "Old project")

    response = api.as_(alice).patch(f"/work-items/{item.pk}", {"archived": True})

    assert response.status_code == 200 and response.json()["archived"] is True
    assert "Old project" not in titles(api.as_(alice).get("/work-items"))
    assert "Old project" in titles(api.as_(alice).get("/work-items", include_archived="true"))
    api.as_(alice).patch(f"/work-items/{item.pk}", {"archived": False})
    assert "Old project" in titles(api.as_(alice).get("/work-items"))


def test_closing_an_item_and_filtering_by_state(alice: Person, api: Api) -> None:
    item = work_item(alice, "Done thing")

    assert api.as_(alice).patch(f"/work-items/{item.pk}", {"state": "closed"}).json()["state"] == "closed"
    assert titles(api.as_(alice).get("/work-items", state="closed")) == ["Done thing"]


def test_a_member_cannot_change_or_delete_items(alice: Person, bob: Person, api: Api) -> None:
    item = work_item(alice, "Keep")

    assert_error(api.as_(bob).patch(f"/work-items/{item.pk}", {"title": "Mine"}), 403, "manager_only")
    assert_error(api.as_(bob).delete(f"/work-items/{item.pk}"), 403, "manager_only")
    assert WorkItem.objects.get(pk=item.pk).title == "Keep"


def test_an_unused_item_is_deleted(alice: Person, api: Api) -> None:
    item = work_item(alice, "Typo")

    assert api.as_(alice).delete(f"/work-items/{item.pk}").status_code == 204
    assert_error(api.as_(alice).get(f"/work-items/{item.pk}"), 404, "work_item_not_found")


def test_an_item_with_time_on_it_cannot_be_deleted(alice: Person, api: Api) -> None:
    item = work_item(alice, "Billed")
    records_of(alice, at("2026-11-23 09:00"), work_item=item)

    assert_error(api.as_(alice).delete(f"/work-items/{item.pk}"), 409, "has_records")
    assert WorkItem.objects.filter(pk=item.pk).exists()


def test_an_item_with_children_cannot_be_deleted(alice: Person, api: Api) -> None:
    parent = work_item(alice, "Parent")
    work_item(alice, "Child", parent=parent)

    assert_error(api.as_(alice).delete(f"/work-items/{parent.pk}"), 409, "has_children")


def test_charlie_never_sees_or_touches_alices_items(alice: Person, charlie: Person, api: Api) -> None:
    item = work_item(alice, "Alice's roadmap")

    assert_error(api.as_(charlie).get(f"/work-items/{item.pk}"), 404, "work_item_not_found")
    assert_error(api.as_(charlie).patch(f"/work-items/{item.pk}", {"title": "Mine"}), 404)
    assert_error(api.as_(charlie).delete(f"/work-items/{item.pk}"), 404)
    assert "Alice's roadmap" not in titles(api.as_(charlie).get("/work-items", include_archived="true"))
    assert titles(api.as_(charlie).get("/work-items", search="roadmap")) == []
    assert WorkItem.objects.get(pk=item.pk).title == "Alice's roadmap"


def test_bad_fields_are_refused_with_the_error_shape(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).post("/work-items", {"title": "x", "type": "story"}), 400)
    assert_error(api.as_(alice).post("/work-items", {"title": "x", "state": "done"}), 400)
    assert_error(api.as_(alice).post("/work-items", {"title": "x", "estimate_s": -1}), 400)
    assert_error(api.as_(alice).post("/work-items", {"title": "x", "estimate_s": 10**12}), 400)
    assert_error(api.as_(alice).post("/work-items", {"title": "x", "parent_id": 2**64}), 400)
    assert_error(api.as_(alice).post("/work-items", {"title": "x", "external_ref": "r" * 101}), 422)
    assert_error(api.as_(alice).post("/work-items", {"title": "   "}), 422)


def test_nobody_without_a_token_sees_work_items(alice: Person, api: Api) -> None:
    assert_error(api.get("/work-items"), 401)
    assert_error(api.post("/work-items", {"title": "x"}), 401)
