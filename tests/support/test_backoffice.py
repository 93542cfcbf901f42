"""Support staff in the back-office: the queue (Enterprise first), replies emailed and shown in the app, feature
statuses emailed to the requester and the voters once each, duplicates merged with their votes. Every action lands
in the admin history."""

from __future__ import annotations

import re

from django.contrib.admin.models import LogEntry
from django.test import Client

from stint.accounts.models import User
from stint.support.models import BugReport, FeatureRequest, FeatureVote
from stint.support.services import bug_report_create, feature_request_create, feature_vote_add
from tests.conftest import Mailbox, Person, body_text, deliver, edition_set
from tests.web.conftest import logged_in, text


def report_of(person: Person, title: str = "Week page broken") -> BugReport:
    return bug_report_create(
        account=person.account, membership=person.membership, title=title, description="It shows Monday twice."
    )


def queue_titles(backoffice: Client) -> list[str]:
    page = backoffice.get("/backoffice/support/bugreport/").content.decode()
    return re.findall(r'<td class="field-title">([^<]+)</td>', page)


def test_the_queue_puts_enterprise_reports_first_and_answered_ones_last(
    backoffice: Client, alice: Person, charlie: Person
) -> None:
    edition_set(charlie.account, "enterprise")
    report_of(alice, "Older regular report")
    done = report_of(alice, "Resolved report")
    report_of(charlie, "Newer enterprise report")
    BugReport.objects.filter(pk=done.pk).update(status="resolved")

    assert queue_titles(backoffice) == ["Newer enterprise report", "Older regular report", "Resolved report"]


def test_a_staff_reply_is_emailed_to_the_reporter_and_shown_in_the_app(
    backoffice: Client, alice: Person, bob: Person, mailbox: Mailbox
) -> None:
    report = report_of(bob)
    deliver()
    mailbox.clear()

    response = backoffice.post(
        f"/backoffice/support/bugreport/{report.pk}/change/",
        {"status": "new", "reply": "Fixed in the next release; thank you!"},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    report.refresh_from_db()
    assert (report.status, report.awaiting_staff) == ("answered", False)
    deliver()
    [email] = mailbox.to(bob.email)
    assert report.reference in str(email["Subject"])
    assert "Fixed in the next release; thank you!" in body_text(email)
    page = text(logged_in(bob).get(f"/help/bugs/{report.pk}/"))
    assert "Stint support" in page and "Fixed in the next release; thank you!" in page and "Answered" in page
    assert "Replied to the reporter" in LogEntry.objects.get().get_change_message()


def test_staff_resolve_a_report_without_a_reply(backoffice: Client, bob: Person, mailbox: Mailbox) -> None:
    report = report_of(bob)
    deliver()
    mailbox.clear()
    backoffice.post(f"/backoffice/support/bugreport/{report.pk}/change/", {"status": "resolved", "reply": ""})
    report.refresh_from_db()
    assert report.status == "resolved"
    deliver()
    assert mailbox.to(bob.email) == []
    assert "status set to Resolved" in LogEntry.objects.get().get_change_message()


def test_the_back_office_shows_the_diagnostics_and_links_the_error_ids(backoffice: Client, bob: Person) -> None:
    report = bug_report_create(
        account=bob.account, membership=bob.membership, title="Boom", description="500",
        diagnostics={"version": "0.1.0", "edition": "trial", "role": "member", "error_ids": ["3f2a9c81b0de"]},
    )  # fmt: skip
    page = backoffice.get(f"/backoffice/support/bugreport/{report.pk}/change/").content.decode()
    assert "Stint version" in page and "0.1.0" in page
    assert "/backoffice/support/servererror/?q=3f2a9c81b0de" in page
    assert "Role of the reporter" in page and "Your role" not in page


def test_a_reply_saved_with_a_closing_status_emails_that_status_and_invites_no_answer(
    backoffice: Client, bob: Person, mailbox: Mailbox
) -> None:
    report = report_of(bob)
    deliver()
    mailbox.clear()

    response = backoffice.post(
        f"/backoffice/support/bugreport/{report.pk}/change/",
        {"status": "closed", "reply": "This is how Sunday weeks work; closing."},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    report.refresh_from_db()
    assert report.status == "closed"
    deliver()
    [email] = mailbox.to(bob.email)
    body = body_text(email)
    assert "Status: Closed" in body and "Answered" not in body
    assert "Answer, or read" not in body and "send a new bug report" in body
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "Closed" in html and "Answered" not in html and "Answer, or read" not in html
    assert LogEntry.objects.get().get_change_message() == "Replied to the reporter (emailed); status set to Closed."


def test_a_reply_saved_with_resolved_says_resolved_and_still_invites_an_answer(
    backoffice: Client, bob: Person, mailbox: Mailbox
) -> None:
    report = report_of(bob)
    deliver()
    mailbox.clear()
    backoffice.post(f"/backoffice/support/bugreport/{report.pk}/change/", {"status": "resolved", "reply": "Fixed."})
    deliver()
    [email] = mailbox.to(bob.email)
    assert "Status: Resolved" in body_text(email) and "Answer, or read" in body_text(email)
    assert BugReport.objects.get().status == "resolved"


def test_staff_see_what_a_free_report_promises_and_a_courtesy_reply_still_reaches_the_reporter(
    backoffice: Client, charlie: Person, mailbox: Mailbox
) -> None:
    edition_set(charlie.account, "free")
    report = report_of(charlie, "Free report")
    deliver()
    [received] = [m for m in mailbox.to(charlie.email) if report.reference in str(m["Subject"])]
    assert "no email support is promised: answers are not guaranteed" in body_text(received)
    mailbox.clear()

    queue = backoffice.get("/backoffice/support/bugreport/").content.decode()
    assert re.search(r'<td class="field-support_level">Community support</td>', queue), queue
    page = text(backoffice.get(f"/backoffice/support/bugreport/{report.pk}/change/"))
    assert "no email support is promised and answers are not guaranteed" in page
    assert "You may still answer as a courtesy" in page

    backoffice.post(f"/backoffice/support/bugreport/{report.pk}/change/", {"status": "new", "reply": "Try this."})
    deliver()
    assert "Try this." in body_text(mailbox.to(charlie.email)[0])
    assert "Try this." in text(logged_in(charlie).get(f"/help/bugs/{report.pk}/"))


def test_staff_edits_on_the_board_follow_the_boards_rules(backoffice: Client, alice: Person, bob: Person) -> None:
    idea = _idea(alice)
    response = backoffice.post(
        f"/backoffice/support/featurerequest/{idea.pk}/change/",
        {"title": "PDF \u202eexport", "description": idea.description, "status": idea.status, **_no_inlines()},
    )
    assert response.status_code == 200 and "direction marks" in text(response)
    backoffice.post(
        f"/backoffice/support/featurerequest/{idea.pk}/change/",
        {"title": idea.title, "description": "As asked by dana@acme.example", "status": idea.status, **_no_inlines()},
    )
    assert "[email removed]" in text(logged_in(bob).get(f"/help/features/{idea.pk}/"))


def test_customers_cannot_open_the_queue(alice: Person) -> None:
    response = logged_in(alice).get("/backoffice/support/bugreport/")
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]


def test_staff_without_support_permissions_cannot_reply(alice: Person, bob: Person) -> None:
    report = report_of(bob)
    clerk = User.objects.create_user("clerk@stint.localhost", "correct horse battery", name="Cleo", is_staff=True)
    client = Client()
    client.force_login(clerk)
    response = client.post(f"/backoffice/support/bugreport/{report.pk}/change/", {"status": "closed", "reply": "x"})
    assert response.status_code == 403
    assert BugReport.objects.get().status == "new"


def _idea(person: Person, title: str = "Export the month as PDF") -> FeatureRequest:
    return feature_request_create(user=person.user, account=person.account, title=title, description="Please.")


def test_a_status_change_emails_the_requester_and_every_voter_once(
    backoffice: Client, alice: Person, bob: Person, charlie: Person, mailbox: Mailbox
) -> None:
    idea = _idea(alice)
    feature_vote_add(feature=idea, user=bob.user)
    feature_vote_add(feature=idea, user=charlie.user)
    feature_vote_add(feature=idea, user=alice.user)
    deliver()
    mailbox.clear()

    response = backoffice.post(
        f"/backoffice/support/featurerequest/{idea.pk}/change/",
        {"title": idea.title, "description": idea.description, "status": "planned", "note": "Next quarter, maybe.",
         **_no_inlines()},
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:3000]
    deliver()
    assert sorted(str(m["To"]) for m in mailbox.messages) == [alice.email, bob.email, charlie.email]
    assert all("is now Planned" in str(m["Subject"]) for m in mailbox.messages)
    assert "Next quarter, maybe." in body_text(mailbox.to(bob.email)[0])
    assert "that you proposed" in body_text(mailbox.to(alice.email)[0])
    assert "Status set to Planned" in LogEntry.objects.get().get_change_message()
    assert "Planned" in text(logged_in(charlie).get(f"/help/features/{idea.pk}/"))


def test_merging_a_duplicate_keeps_every_vote_once(
    backoffice: Client, alice: Person, bob: Person, charlie: Person, dana: Person, mailbox: Mailbox
) -> None:
    target = _idea(alice)  # Alice's vote
    duplicate = _idea(charlie, "Monthly PDF export")  # Charlie's vote
    feature_vote_add(feature=duplicate, user=bob.user)
    feature_vote_add(feature=target, user=bob.user)  # Bob voted for both: one vote remains
    feature_vote_add(feature=duplicate, user=dana.user)
    deliver()
    mailbox.clear()

    response = backoffice.post(
        f"/backoffice/support/featurerequest/{duplicate.pk}/change/",
        {"title": duplicate.title, "description": duplicate.description, "status": duplicate.status,
         "merge_into": target.pk, **_no_inlines()},
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:3000]
    target.refresh_from_db()
    duplicate.refresh_from_db()
    assert target.vote_count == 4
    assert set(FeatureVote.objects.filter(feature_request=target).values_list("user__email", flat=True)) == {
        alice.email, bob.email, charlie.email, dana.email,
    }  # fmt: skip
    assert (duplicate.merged_into_id, duplicate.vote_count) == (target.pk, 0)
    deliver()
    assert sorted(str(m["To"]) for m in mailbox.messages) == [bob.email, charlie.email, dana.email]
    assert all(f"merged into #{target.pk}" in str(m["Subject"]) for m in mailbox.messages)
    board = text(logged_in(dana).get("/help/features/"))
    assert "Monthly PDF export" not in board and "Export the month as PDF" in board


def test_staff_comment_on_the_board_as_the_stint_team(backoffice: Client, alice: Person, bob: Person) -> None:
    idea = _idea(alice)
    backoffice.post(
        f"/backoffice/support/featurerequest/{idea.pk}/change/",
        {"title": idea.title, "description": idea.description, "status": idea.status,
         "comment": "We are looking into it.", **_no_inlines()},
    )  # fmt: skip
    page = text(logged_in(bob).get(f"/help/features/{idea.pk}/"))
    assert "Stint team" in page and "We are looking into it." in page
    assert "Sam" not in page


def _no_inlines() -> dict[str, str]:
    """The management forms of the two read-only inlines on the feature request page."""
    data = {}
    for prefix in ("comments", "changes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
                     f"{prefix}-MAX_NUM_FORMS": "1000"})  # fmt: skip
    return data
