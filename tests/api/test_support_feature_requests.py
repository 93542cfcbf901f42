"""API.md "Support": the feature request board, shared by every account, one vote per person."""

from __future__ import annotations

from stint.support.models import FeatureComment, FeatureRequest, FeatureVote
from stint.support.services import feature_request_merge, feature_status_set
from tests.api.conftest import assert_error
from tests.conftest import Api, Person

IDEA = {"title": "Export the month as PDF", "description": "For our accountant."}


def propose(api: Api, person: Person, **changes: str) -> dict:
    response = api.as_(person).post("/support/feature-requests", {**IDEA, **changes})
    assert response.status_code == 201, response
    return response.json()


def test_a_feature_request_starts_under_review_with_its_requesters_vote(api: Api, bob: Person) -> None:
    body = propose(api, bob)
    assert (body["title"], body["status"], body["votes"], body["voted"], body["mine"]) == (
        "Export the month as PDF", "under_review", 1, True, True,
    )  # fmt: skip


def test_the_board_is_shared_by_every_account_and_names_nobody(api: Api, alice: Person, charlie: Person) -> None:
    idea = propose(api, alice)
    listed = api.as_(charlie).get("/support/feature-requests").json()["items"]
    assert [(i["id"], i["votes"], i["voted"], i["mine"]) for i in listed] == [(idea["id"], 1, False, False)]
    assert "alice" not in str(listed).lower() and "Account A" not in str(listed)


def test_one_vote_per_person(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    idea = propose(api, alice)
    url = f"/support/feature-requests/{idea['id']}/vote"

    assert api.as_(bob).post(url).json() == {"votes": 2, "voted": True}
    assert api.as_(bob).post(url).json() == {"votes": 2, "voted": True}
    assert api.as_(charlie).post(url).json() == {"votes": 3, "voted": True}
    assert api.as_(alice).post(url).json() == {"votes": 3, "voted": True}
    assert FeatureVote.objects.filter(feature_request_id=idea["id"]).count() == 3


def test_a_vote_can_be_taken_back(api: Api, alice: Person, bob: Person) -> None:
    idea = propose(api, alice)
    url = f"/support/feature-requests/{idea['id']}/vote"
    api.as_(bob).post(url)
    assert api.as_(bob).delete(url).json() == {"votes": 1, "voted": False}
    assert api.as_(bob).delete(url).json() == {"votes": 1, "voted": False}


def test_votes_are_closed_on_done_declined_and_merged_requests(api: Api, alice: Person, bob: Person) -> None:
    from stint.accounts.models import User

    staff = User.objects.create_user("sam@stint.localhost", None, name="Sam", is_staff=True)
    done, duplicate, target = propose(api, alice), propose(api, alice, title="PDF month"), propose(api, alice)
    feature_status_set(feature=FeatureRequest.objects.get(pk=done["id"]), actor=staff, status="done")
    feature_request_merge(
        duplicate=FeatureRequest.objects.get(pk=duplicate["id"]),
        target=FeatureRequest.objects.get(pk=target["id"]),
        actor=staff,
    )
    assert_error(api.as_(bob).post(f"/support/feature-requests/{done['id']}/vote"), 409, "feature_request_closed")
    assert_error(api.as_(bob).post(f"/support/feature-requests/{duplicate['id']}/vote"), 409, "feature_request_merged")
    assert api.as_(bob).get(f"/support/feature-requests/{duplicate['id']}").json()["merged_into_id"] == target["id"]
    assert duplicate["id"] not in [i["id"] for i in api.as_(bob).get("/support/feature-requests").json()["items"]]


def test_the_board_filters_by_status(api: Api, alice: Person) -> None:
    idea = propose(api, alice)
    under_review = api.as_(alice).get("/support/feature-requests", status="under_review").json()["items"]
    assert [i["id"] for i in under_review] == [idea["id"]]
    assert api.as_(alice).get("/support/feature-requests", status="planned").json()["items"] == []
    assert_error(api.as_(alice).get("/support/feature-requests", status="someday"), 400)


def test_the_board_pages_with_a_cursor(api: Api, alice: Person) -> None:
    ids = [propose(api, alice, title=f"Idea {n}")["id"] for n in range(3)]
    first = api.as_(alice).get("/support/feature-requests", limit=2).json()
    rest = api.as_(alice).get("/support/feature-requests", limit=2, cursor=first["next_cursor"]).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == list(reversed(ids))
    assert rest["next_cursor"] is None


def test_comments_show_you_or_a_stint_user_never_a_name(api: Api, alice: Person, charlie: Person) -> None:
    idea = propose(api, alice)
    url = f"/support/feature-requests/{idea['id']}/comments"
    assert api.as_(charlie).post(url, {"body": "We need this too."}).status_code == 201
    assert api.as_(alice).post(url, {"body": "Monthly, please."}).status_code == 201

    seen_by_alice = api.as_(alice).get(url).json()["items"]
    assert [(c["author"], c["body"]) for c in seen_by_alice] == [
        ("A Stint user", "We need this too."),
        ("You", "Monthly, please."),
    ]
    assert_error(api.as_(alice).post(url, {"body": " "}), 422, "body_required")


def test_a_request_needs_a_title_and_a_description(api: Api, bob: Person) -> None:
    assert_error(api.as_(bob).post("/support/feature-requests", {**IDEA, "title": ""}), 422, "title_required")
    assert_error(api.as_(bob).post("/support/feature-requests", {**IDEA, "description": ""}), 422)
    for length in [151, 1001, 50_000]:
        response = api.as_(bob).post("/support/feature-requests", {**IDEA, "title": "x" * length})
        assert_error(response, 422, "title_too_long", field="title")
    response = api.as_(bob).post("/support/feature-requests", {**IDEA, "description": "x" * 20_001})
    assert_error(response, 422, "description_too_long", field="description")
    assert_error(api.as_(bob).post("/support/feature-requests", {"title": "x"}), 422, "description_required")
    assert_error(api.as_(bob).post("/support/feature-requests", {**IDEA, "title": ["x"]}), 400, "invalid_request")
    assert_error(api.post("/support/feature-requests", IDEA), 401)
    assert not FeatureRequest.objects.exists()


def test_an_unknown_request_is_not_found(api: Api, charlie: Person) -> None:
    assert_error(api.as_(charlie).get("/support/feature-requests/999"), 404, "feature_request_not_found")
    assert_error(api.as_(charlie).post("/support/feature-requests/999/vote"), 404, "feature_request_not_found")
    assert_error(api.as_(charlie).get("/support/feature-requests/999/comments"), 404)


def test_an_empty_comment_names_the_body_field(api: Api, alice: Person) -> None:
    url = f"/support/feature-requests/{propose(api, alice)['id']}/comments"
    assert_error(api.as_(alice).post(url, {}), 422, "body_required", field="body")
    assert_error(api.as_(alice).post(url, {"body": "x" * 20_001}), 422, "body_too_long", field="body")


def test_emails_and_phone_numbers_never_reach_the_board(api: Api, alice: Person, charlie: Person) -> None:
    idea = propose(
        api, alice, title="PDF export, ask dana@acme.example", description="Call +49 30 1234567 or (555) 123-4567."
    )
    url = f"/support/feature-requests/{idea['id']}/comments"
    api.as_(charlie).post(url, {"body": "Me too: charlie@example.org, 0171 1234567, password: hunter2"})

    seen = api.as_(charlie).get(f"/support/feature-requests/{idea['id']}").json()
    assert seen["title"] == "PDF export, ask [email removed]"
    assert seen["description"] == "Call [phone number removed] or [phone number removed]."
    [comment] = api.as_(alice).get(url).json()["items"]
    assert comment["body"] == "Me too: [email removed], [phone number removed], password: [removed]"
    stored = str(list(FeatureRequest.objects.values())) + str(list(FeatureComment.objects.values()))
    for leak in ["dana@acme.example", "1234567", "123-4567", "charlie@example.org", "hunter2"]:
        assert leak not in stored, leak


def test_a_title_with_direction_marks_is_refused_and_other_texts_lose_them(api: Api, bob: Person) -> None:
    response = api.as_(bob).post("/support/feature-requests", {**IDEA, "title": "PDF \u202eexport"})
    assert_error(response, 422, "title_invalid", field="title")
    assert "direction" in response.json()["detail"]
    idea = propose(api, bob, description="\u2066Monthly\u2069 PDF")
    assert idea["description"] == "Monthly PDF"
    comment = api.as_(bob).post(f"/support/feature-requests/{idea['id']}/comments", {"body": "Yes\u202e!"})
    assert comment.json()["body"] == "Yes!"
