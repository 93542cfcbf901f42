"""The Help pages: which support applies, reporting a bug and following it, and the feature board."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from stint.accounts.models import User
from stint.support.models import BugReport, FeatureRequest
from stint.support.services import feature_request_merge
from tests.conftest import Mailbox, Person, deliver, edition_set
from tests.web.conftest import field_error, logged_in, text


@pytest.mark.parametrize(
    ("edition", "says"),
    [
        ("free", ["Community support", "community board", "no email support is promised: answers are not guaranteed"]),
        ("trial", ["Email support", "the trial, which includes Regular's email support", "we answer by email"]),
        ("regular", ["Email support", "we answer by email"]),
        ("enterprise", ["Priority support", "answered first"]),
    ],
)
def test_the_help_page_says_which_support_applies(alice: Person, edition: str, says: list[str]) -> None:
    edition_set(alice.account, edition)
    page = text(logged_in(alice).get("/help/"))
    for sentence in says:
        assert sentence in page, sentence


def test_help_is_in_the_main_navigation_and_needs_a_login(alice: Person) -> None:
    assert 'href="/help/"' in logged_in(alice).get("/").content.decode()
    assert Client().get("/help/")["Location"].startswith("/login/")
    assert Client().get("/help/features/")["Location"].startswith("/login/")
    assert Client().get("/help/bugs/new/?error_id=3f2a9c81b0de")["Location"].startswith("/login/")


def test_on_prem_the_help_page_says_reports_and_the_board_stay_on_the_server(alice: Person, settings: Any) -> None:
    settings.STINT_MODE = "onprem"
    assert "in its own database" in text(logged_in(alice).get("/help/"))
    assert "belongs to this server" in text(logged_in(alice).get("/help/features/"))


def test_the_bug_form_lists_the_diagnostics_before_sending(bob: Person) -> None:
    response = logged_in(bob).get("/help/bugs/new/?from=/records/%3Fq%3Dsecret", HTTP_USER_AGENT="Chromium/140")
    page = text(response)
    for shown in ["Stint version", "0.1.0", "Mode cloud", "Edition trial", "Browser Chromium/140", "Page /records/"]:
        assert shown in page, shown
    assert "secret" not in page and "bob@example.com" not in page.split("Diagnostics", 1)[1]


def test_bob_reports_a_bug_and_follows_it(bob: Person, mailbox: Mailbox) -> None:
    browser = logged_in(bob)
    response = browser.post(
        "/help/bugs/new/",
        {"title": "Week shows Monday twice", "description": "Since Sunday weeks.", "steps": "",
         "include_diagnostics": "on", "diag_page": "/week/", "diag_time_zone": "Europe/Paris", "diag_error_ids": ""},
        HTTP_USER_AGENT="Chromium/140",
    )  # fmt: skip

    report = BugReport.objects.get()
    assert response["Location"] == f"/help/bugs/{report.pk}/"
    assert report.diagnostics["time_zone"] == "Europe/Paris" and report.diagnostics["page"] == "/week/"
    detail = text(browser.get(response["Location"]))
    assert report.reference in detail and "Week shows Monday twice" in detail and "New" in detail
    assert report.reference in text(browser.get("/help/bugs/"))
    deliver()
    assert any(report.reference in str(m["Subject"]) for m in mailbox.to(bob.email))

    browser.post(f"/help/bugs/{report.pk}/", {"body": "Also in May."})
    assert "Also in May." in text(browser.get(f"/help/bugs/{report.pk}/"))


def test_a_report_without_diagnostics(bob: Person) -> None:
    logged_in(bob).post("/help/bugs/new/", {"title": "T", "description": "D", "diag_page": "/week/"})
    assert BugReport.objects.get().diagnostics == {}


def test_the_form_explains_what_is_missing(bob: Person) -> None:
    response = logged_in(bob).post("/help/bugs/new/", {"title": "", "description": "D", "include_diagnostics": "on"})
    assert response.status_code == 200
    assert field_error(response, "title") == "Please enter a title."
    assert not BugReport.objects.exists()


def test_alice_sees_bobs_report_bob_not_alices_and_charlie_neither(alice: Person, bob: Person, charlie: Person) -> None:
    logged_in(bob).post("/help/bugs/new/", {"title": "Bob's bug", "description": "D"})
    logged_in(alice).post("/help/bugs/new/", {"title": "Alice's bug", "description": "D"})
    bobs, alices = BugReport.objects.get(title="Bob's bug"), BugReport.objects.get(title="Alice's bug")

    assert "Bob's bug" in text(logged_in(alice).get("/help/bugs/"))
    assert logged_in(alice).get(f"/help/bugs/{bobs.pk}/").status_code == 200
    assert "Alice's bug" not in text(logged_in(bob).get("/help/bugs/"))
    assert logged_in(bob).get(f"/help/bugs/{alices.pk}/").status_code == 404
    assert logged_in(charlie).get(f"/help/bugs/{bobs.pk}/").status_code == 404
    assert logged_in(charlie).post(f"/help/bugs/{bobs.pk}/", {"body": "hi"}).status_code == 404
    assert "Bob's bug" not in text(logged_in(charlie).get("/help/bugs/"))


def test_bob_proposes_a_feature_and_charlie_votes_for_it(bob: Person, charlie: Person) -> None:
    response = logged_in(bob).post("/help/features/new/", {"title": "PDF month", "description": "For accounting."})
    feature = FeatureRequest.objects.get()
    assert response["Location"] == f"/help/features/{feature.pk}/"

    board = logged_in(charlie).get("/help/features/")
    assert "No promises" in text(board) and "PDF month" in text(board)
    assert "Bob" not in text(board)
    logged_in(charlie).post(f"/help/features/{feature.pk}/vote/", {"action": "vote", "next": "board"})
    logged_in(charlie).post(f"/help/features/{feature.pk}/vote/", {"action": "vote"})
    feature.refresh_from_db()
    assert feature.vote_count == 2
    page = logged_in(charlie).get(f"/help/features/{feature.pk}/").content.decode()
    assert re.search(r'data-testid="votes">2<', page) and "Remove my vote" in page

    logged_in(charlie).post(f"/help/features/{feature.pk}/vote/", {"action": "unvote"})
    feature.refresh_from_db()
    assert feature.vote_count == 1


def test_a_comment_on_the_board_names_nobody(alice: Person, charlie: Person) -> None:
    logged_in(alice).post("/help/features/new/", {"title": "PDF month", "description": "x"})
    feature = FeatureRequest.objects.get()
    logged_in(charlie).post(f"/help/features/{feature.pk}/", {"body": "Us too."})
    page = text(logged_in(alice).get(f"/help/features/{feature.pk}/"))
    assert "A Stint user" in page and "Us too." in page and "Charlie" not in page


def test_the_board_filters_by_status(alice: Person) -> None:
    logged_in(alice).post("/help/features/new/", {"title": "PDF month", "description": "x"})
    assert "PDF month" in text(logged_in(alice).get("/help/features/?status=under_review"))
    assert "PDF month" not in text(logged_in(alice).get("/help/features/?status=planned"))
    assert logged_in(alice).get("/help/features/?status=nonsense").status_code == 200


def test_every_help_form_carries_a_csrf_token(alice: Person) -> None:
    logged_in(alice).post("/help/features/new/", {"title": "PDF month", "description": "x"})
    feature = FeatureRequest.objects.get()
    browser = logged_in(alice)
    for path in ["/help/bugs/new/", "/help/features/", f"/help/features/{feature.pk}/", "/help/features/new/"]:
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', browser.get(path).content.decode(), re.S)
        assert forms, path
        assert all('name="csrfmiddlewaretoken"' in form for form in forms), path


def test_every_free_page_says_the_same_about_answers(charlie: Person) -> None:
    edition_set(charlie.account, "free")
    browser = logged_in(charlie)
    promise = "no email support is promised: answers are not guaranteed"
    assert promise in text(browser.get("/help/bugs/new/"))
    browser.post("/help/bugs/new/", {"title": "T", "description": "D"})
    page = text(browser.get(f"/help/bugs/{BugReport.objects.get().pk}/"))
    assert promise in page and "no answer by email" not in page


@pytest.mark.parametrize(
    ("mode", "readers"),
    [("cloud", "Every Stint customer reads the board."),
     ("onprem", "Everyone who uses Stint on this server reads the board.")],
)  # fmt: skip
def test_the_board_forms_say_who_reads_them_before_anything_is_posted(
    alice: Person, settings: Any, mode: str, readers: str
) -> None:
    settings.STINT_MODE = mode
    browser = logged_in(alice)
    form = text(browser.get("/help/features/new/"))
    assert readers in form
    assert "Do not write names of people or companies, email addresses or phone numbers" in form
    assert form.index(readers) < form.index("Why you need it")
    browser.post("/help/features/new/", {"title": "PDF month", "description": "x"})
    assert readers in text(browser.get(f"/help/features/{FeatureRequest.objects.get().pk}/"))


def test_emails_and_phone_numbers_posted_on_the_board_are_removed(alice: Person, charlie: Person) -> None:
    logged_in(alice).post(
        "/help/features/new/",
        {"title": "PDF month for bob@acme.example", "description": "Ring me: +44 20 7946 0958"},
    )
    feature = FeatureRequest.objects.get()
    logged_in(charlie).post(f"/help/features/{feature.pk}/", {"body": "Mail erin@example.org or 0171 1234567"})
    page = text(logged_in(charlie).get(f"/help/features/{feature.pk}/"))
    assert "PDF month for [email removed]" in page and "Ring me: [phone number removed]" in page
    assert "Mail [email removed] or [phone number removed]" in page
    for leak in ["bob@acme.example", "7946", "erin@example.org", "1234567"]:
        assert leak not in page, leak


def test_a_title_with_direction_marks_is_refused_on_the_form(bob: Person) -> None:
    response = logged_in(bob).post("/help/features/new/", {"title": "PDF \u202eexport", "description": "x"})
    assert response.status_code == 200
    assert "invisible text direction marks" in field_error(response, "title")
    response = logged_in(bob).post("/help/bugs/new/", {"title": "Bug \u2067here", "description": "x"})
    assert "invisible text direction marks" in field_error(response, "title")
    assert not FeatureRequest.objects.exists() and not BugReport.objects.exists()


def test_a_merged_request_shows_merged_and_where_to_vote(alice: Person, bob: Person) -> None:
    browser = logged_in(alice)
    browser.post("/help/features/new/", {"title": "PDF month", "description": "x"})
    browser.post("/help/features/new/", {"title": "Monthly PDF", "description": "y"})
    target, duplicate = FeatureRequest.objects.order_by("pk")
    staff = User.objects.create_user("sam@stint.localhost", None, name="Sam", is_staff=True)
    feature_request_merge(duplicate=duplicate, target=target, actor=staff)

    response = logged_in(bob).get(f"/help/features/{duplicate.pk}/")
    page = text(response)
    assert "Merged" in page and "Under review" not in page
    html = response.content.decode()
    assert 'data-testid="votes"' not in html and 'value="vote"' not in html and "Remove my vote" not in html
    assert f'href="/help/features/{target.pk}/"' in response.content.decode()


def test_removing_a_vote_you_never_gave_says_nothing_changed(alice: Person, bob: Person) -> None:
    logged_in(alice).post("/help/features/new/", {"title": "PDF month", "description": "x"})
    feature = FeatureRequest.objects.get()
    browser = logged_in(bob)
    page = text(browser.post(f"/help/features/{feature.pk}/vote/", {"action": "unvote"}, follow=True))
    assert "You had not voted for" in page and "nothing changed" in page and "was removed" not in page

    browser.post(f"/help/features/{feature.pk}/vote/", {"action": "vote"})
    page = text(browser.post(f"/help/features/{feature.pk}/vote/", {"action": "vote"}, follow=True))
    assert "You had already voted for" in page
    page = text(browser.post(f"/help/features/{feature.pk}/vote/", {"action": "unvote"}, follow=True))
    assert "Your vote for #" in page and "was removed" in page
    feature.refresh_from_db()
    assert feature.vote_count == 1


@pytest.mark.parametrize(
    "hidden",
    [{"diag_error_ids": "3f2a9c81b0de," + "x" * 300}, {"diag_page": "/week/" + "x" * 3000},
     {"diag_time_zone": "Europe/" + "x" * 200}],
)  # fmt: skip
def test_a_broken_hidden_diagnostic_never_stops_a_report(bob: Person, hidden: dict[str, str]) -> None:
    response = logged_in(bob).post(
        "/help/bugs/new/", {"title": "T", "description": "D", "include_diagnostics": "on", **hidden}
    )
    report = BugReport.objects.get()
    assert response["Location"] == f"/help/bugs/{report.pk}/"
    assert set(report.diagnostics) >= {"version", "edition"}
    assert all(len(str(value)) <= 300 for value in report.diagnostics.values())
    assert "x" * 50 not in str(report.diagnostics.get("error_ids")) + report.diagnostics.get("time_zone", "")


def test_the_bug_form_says_when_error_ids_were_left_out(bob: Person) -> None:
    response = logged_in(bob).post(
        "/help/bugs/new/", {"title": "", "description": "D", "diag_error_ids": "3f2a9c81b0de,not-an-id"}
    )
    assert field_error(response, "title") == "Please enter a title."
    page = text(response)
    assert "Recent error ids 3f2a9c81b0de" in page and "Some error ids were left out" in page
    clean = logged_in(bob).post("/help/bugs/new/", {"title": "", "description": "D", "diag_error_ids": "3f2a9c81b0de"})
    assert "left out" not in text(clean)


def test_the_docs_start_page_has_one_address(client: Client) -> None:
    response = client.get("/help/docs/index/")
    assert response.status_code == 301 and response["Location"] == "/help/docs/"
