"""Settings / Work items: the tree, search and filters, and what managers (not members) may change."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from stint.tracking.models import TimeRecord, WorkItem
from tests.conftest import Person
from tests.tracking.helpers import NOW
from tests.web.catalog.conftest import item
from tests.web.conftest import field_error, logged_in, text

PAGE = "/settings/work-items/"


def tree_titles(response) -> list[tuple[int, str]]:
    """(depth, title) of each row of the tree, top to bottom."""
    rows = re.findall(r'data-depth="(\d+)".*?<span class="tree__title">(.*?)</span>', response.content.decode(), re.S)
    return [(int(depth), title) for depth, title in rows]


def relaunch(person: Person) -> dict[str, WorkItem]:
    epic = item(person, "Website relaunch", type="epic", external_ref="WEB-1")
    checkout = item(person, "Checkout", epic, type="feature", external_ref="WEB-7")
    return {
        "epic": epic,
        "checkout": checkout,
        "form": item(person, "Payment form", checkout, external_ref="WEB-12"),
        "bug": item(person, "Blank page on decline", checkout, type="bug", state="closed"),
        "about": item(person, "About page", epic, type="feature"),
    }


def test_an_account_without_work_items_explains_how_to_start(alice: Person) -> None:
    WorkItem.objects.filter(account=alice.account).delete()
    page = text(logged_in(alice).get(PAGE))
    assert "No work items yet" in page
    assert "Website relaunch" in page  # the example it suggests


def test_the_tree_shows_children_under_their_parents_by_title(alice: Person) -> None:
    relaunch(alice)
    assert tree_titles(logged_in(alice).get(PAGE)) == [
        (0, "Meetings"),
        (0, "Sick leave"),
        (0, "Vacation"),
        (0, "Website relaunch"),
        (1, "About page"),
        (1, "Checkout"),
        (2, "Blank page on decline"),
        (2, "Payment form"),
    ]


def test_the_tree_is_read_in_the_same_few_queries_however_big_it_is(alice: Person) -> None:
    browser = logged_in(alice)
    relaunch(alice)
    browser.get(PAGE)  # the session's first page reads a few things once
    with CaptureQueriesContext(connection) as small:
        browser.get(PAGE)
    parent = item(alice, "Big epic")
    for n in range(30):
        item(alice, f"Task {n}", parent)
    with CaptureQueriesContext(connection) as big:
        response = browser.get(PAGE)
    assert "Task 29" in text(response)
    assert len(big) == len(small)


def test_search_finds_a_title_or_an_exact_reference_and_keeps_its_parents(alice: Person) -> None:
    relaunch(alice)
    browser = logged_in(alice)
    by_title = tree_titles(browser.get(PAGE, {"q": "payment"}))
    assert by_title == [(0, "Website relaunch"), (1, "Checkout"), (2, "Payment form")]
    assert tree_titles(browser.get(PAGE, {"q": "web-12"})) == by_title
    assert tree_titles(browser.get(PAGE, {"q": "WEB-1"})) == [(0, "Website relaunch")]
    nothing = text(browser.get(PAGE, {"q": "WEB-"}))  # a reference matches only exactly
    assert "Nothing matches" in nothing


def test_the_state_filter_shows_open_or_closed_items(alice: Person) -> None:
    relaunch(alice)
    browser = logged_in(alice)
    closed = tree_titles(browser.get(PAGE, {"state": "closed"}))
    assert closed == [(0, "Website relaunch"), (1, "Checkout"), (2, "Blank page on decline")]
    assert (2, "Blank page on decline") not in tree_titles(browser.get(PAGE, {"state": "open"}))


def test_archived_items_show_only_when_asked_for(alice: Person) -> None:
    items = relaunch(alice)
    items["about"].archived_at = NOW
    items["about"].save()
    browser = logged_in(alice)
    assert (1, "About page") not in tree_titles(browser.get(PAGE))
    shown = browser.get(PAGE, {"archived": "1"})
    assert (1, "About page") in tree_titles(shown)
    assert "Archived" in text(shown)


def test_alice_creates_a_work_item_under_a_parent_with_an_estimate(alice: Person) -> None:
    epic = relaunch(alice)["epic"]
    data = {"title": "Search", "type": "feature", "parent_id": epic.pk, "external_ref": "WEB-30", "estimate": "12:30"}
    response = logged_in(alice).post(PAGE, data, follow=True)
    assert "The work item “Search” was created." in text(response)
    created = WorkItem.objects.get(title="Search")
    assert (created.parent_id, created.type, created.external_ref, created.estimate_s) == (
        epic.pk,
        "feature",
        "WEB-30",
        12 * 3600 + 30 * 60,
    )
    assert (1, "Search") in tree_titles(response)
    assert "12:30" in text(response)


def test_a_work_item_needs_a_title_and_a_readable_estimate(alice: Person) -> None:
    response = logged_in(alice).post(PAGE, {"title": " ", "type": "task", "estimate": "soon"})
    assert field_error(response, "title") == "Please enter a title."
    assert "like 4:30" in field_error(response, "estimate")
    assert not WorkItem.objects.filter(account=alice.account, title="soon").exists()


def test_the_add_child_link_preselects_the_parent(alice: Person) -> None:
    checkout = relaunch(alice)["checkout"]
    page = logged_in(alice).get(PAGE, {"parent": checkout.pk}).content.decode()
    assert f'<option value="{checkout.pk}" selected>' in page


def test_erin_edits_and_moves_an_item_to_another_parent(alice: Person, erin: Person) -> None:
    items = relaunch(alice)
    browser = logged_in(erin)
    data = {"title": "Payment form v2", "type": "task", "parent_id": items["about"].pk, "estimate": "3"}
    response = browser.post(f"{PAGE}{items['form'].pk}/", data, follow=True)
    assert "The work item “Payment form v2” was saved." in text(response)
    titles = tree_titles(response)
    assert titles.index((2, "Payment form v2")) == titles.index((1, "About page")) + 1
    items["form"].refresh_from_db()
    assert items["form"].estimate_s == 3 * 3600


def test_moving_an_item_to_the_top_level(alice: Person) -> None:
    checkout = relaunch(alice)["checkout"]
    logged_in(alice).post(f"{PAGE}{checkout.pk}/", {"title": "Checkout", "type": "feature", "parent_id": ""})
    checkout.refresh_from_db()
    assert checkout.parent_id is None


def test_moving_an_item_under_its_own_child_is_refused_next_to_the_parent(alice: Person) -> None:
    items = relaunch(alice)
    epic = items["epic"]
    data = {"title": "Website relaunch", "type": "epic", "parent_id": items["form"].pk}
    response = logged_in(alice).post(f"{PAGE}{epic.pk}/", data)
    assert response.status_code == 200
    assert field_error(response, "parent_id") == "A work item cannot be moved under itself or one of its children."
    epic.refresh_from_db()
    assert epic.parent_id is None


def test_closing_and_reopening_an_item(alice: Person) -> None:
    checkout = relaunch(alice)["checkout"]
    browser = logged_in(alice)
    response = browser.post(f"{PAGE}{checkout.pk}/state/", {"state": "closed"}, follow=True)
    assert "“Checkout” is closed" in text(response)
    checkout.refresh_from_db()
    assert checkout.state == "closed"
    browser.post(f"{PAGE}{checkout.pk}/state/", {"state": "open"})
    checkout.refresh_from_db()
    assert checkout.state == "open"


def test_archiving_and_unarchiving_an_item(alice: Person) -> None:
    about = relaunch(alice)["about"]
    browser = logged_in(alice)
    response = browser.post(f"{PAGE}{about.pk}/archive/", {"archived": "1"}, follow=True)
    assert "“About page” was archived" in text(response)
    assert (1, "About page") not in tree_titles(response)
    browser.post(f"{PAGE}{about.pk}/archive/", {"archived": "0"})
    about.refresh_from_db()
    assert about.archived_at is None


def test_an_unused_item_is_deleted_after_confirming(alice: Person) -> None:
    about = relaunch(alice)["about"]
    browser = logged_in(alice)
    assert "Delete the work item “About page”?" in text(browser.get(f"{PAGE}{about.pk}/delete/"))
    assert WorkItem.objects.filter(pk=about.pk).exists()
    response = browser.post(f"{PAGE}{about.pk}/delete/", follow=True)
    assert "The work item “About page” was deleted." in text(response)
    assert not WorkItem.objects.filter(pk=about.pk).exists()


def test_an_item_with_time_or_children_is_not_deleted_and_the_page_says_why(alice: Person) -> None:
    items = relaunch(alice)
    TimeRecord.objects.create(
        account=alice.account,
        user=alice.user,
        start=NOW - timedelta(hours=2),
        end=NOW - timedelta(hours=1),
        duration_s=3600,
        work_item=items["form"],
        created_at=NOW,
        updated_at=NOW,
    )
    browser = logged_in(alice)
    used = text(browser.post(f"{PAGE}{items['form'].pk}/delete/", follow=True))
    assert "“Payment form” was not deleted. Time was recorded on this work item; archive it instead" in used
    parent = text(browser.post(f"{PAGE}{items['checkout'].pk}/delete/", follow=True))
    assert "This work item has children" in parent
    assert WorkItem.objects.filter(pk__in=[items["form"].pk, items["checkout"].pk]).count() == 2


def test_bob_sees_the_tree_but_cannot_change_it(alice: Person, bob: Person) -> None:
    items = relaunch(alice)
    browser = logged_in(bob)
    response = browser.get(PAGE)
    assert (2, "Payment form") in tree_titles(response)
    page = response.content.decode()
    assert "New work item" not in page and f"{PAGE}{items['form'].pk}/" not in page
    assert browser.post(PAGE, {"title": "Sneaky", "type": "task"}).status_code == 403
    assert browser.get(f"{PAGE}{items['form'].pk}/").status_code == 403
    assert browser.post(f"{PAGE}{items['form'].pk}/", {"title": "Renamed", "type": "task"}).status_code == 403
    assert browser.post(f"{PAGE}{items['form'].pk}/state/", {"state": "closed"}).status_code == 403
    assert browser.post(f"{PAGE}{items['form'].pk}/archive/", {"archived": "1"}).status_code == 403
    assert browser.post(f"{PAGE}{items['about'].pk}/delete/").status_code == 403
    items["form"].refresh_from_db()
    assert (items["form"].title, items["form"].state, items["form"].archived_at) == ("Payment form", "open", None)
    assert WorkItem.objects.filter(pk=items["about"].pk).exists()
    assert not WorkItem.objects.filter(title="Sneaky").exists()


def test_charlie_sees_no_trace_of_account_a_and_cannot_touch_its_items(alice: Person, charlie: Person) -> None:
    items = relaunch(alice)
    browser = logged_in(charlie)
    assert "Website relaunch" not in text(browser.get(PAGE, {"q": "WEB-1"}))
    assert "Website relaunch" not in text(browser.get(PAGE))
    form = items["form"].pk
    assert browser.get(f"{PAGE}{form}/").status_code == 404
    assert browser.post(f"{PAGE}{form}/", {"title": "Mine", "type": "task"}).status_code == 404
    assert browser.post(f"{PAGE}{form}/state/", {"state": "closed"}).status_code == 404
    assert browser.post(f"{PAGE}{form}/archive/", {"archived": "1"}).status_code == 404
    assert browser.post(f"{PAGE}{items['about'].pk}/delete/").status_code == 404
    # A's item as the parent of a new item in B: not one of Charlie's choices.
    response = browser.post(PAGE, {"title": "Child of A", "type": "task", "parent_id": items["epic"].pk})
    assert "Select a valid choice" in field_error(response, "parent_id")
    assert not WorkItem.objects.filter(title="Child of A").exists()
    items["form"].refresh_from_db()
    assert (items["form"].title, items["form"].state, items["form"].archived_at) == ("Payment form", "open", None)
    assert WorkItem.objects.filter(pk=items["about"].pk).exists()
