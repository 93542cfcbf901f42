"""API.md "Support": bug reports (with their diagnostics and replies) and the feature request board."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Router, Schema, Status
from pydantic import Field, field_validator

from stint.api.auth import ApiRequest
from stint.api.schemas import Id, errors
from stint.core.errors import Invalid
from stint.core.pagination import paginate
from stint.support import selectors, services
from stint.support.diagnostics import ClientDiagnostics, diagnostics_collect
from stint.support.models import BugReply, BugReport, FeatureComment, FeatureRequest

router = Router(tags=["Support"])

FeatureStatusName = Literal["under_review", "planned", "in_progress", "done", "declined"]


# --- schemas ---
# Texts carry no length limit here: the services refuse a text that is too long with 422 `<field>_too_long`, the
# same answer whatever the length (the request's size is bounded by Django).

DIAGNOSTICS_LIMITS = {"browser": 1000, "time_zone": 100, "page": 2000}
MAX_GIVEN_ERROR_IDS = 20


class ClientDiagnosticsIn(Schema):
    browser: str = Field("", description="Default: the request's User-Agent. At most 1000 characters.")
    time_zone: str = Field("", description="An IANA time zone, e.g. Europe/Berlin.")
    page: str = Field("", description="The page the problem is on; only its path is kept.")
    error_ids: list[str] = Field(
        [], description="Error ids shown on error pages (12 hex digits), at most 20; your errors of the last 7 days "
        "are added."
    )  # fmt: skip


def _diagnostics_check(value: Any) -> Any:
    """Refuse, naming the field, what ninja's schema would otherwise read as 'no diagnostics' (a number, a string)."""
    if value is None:
        return value
    if not isinstance(value, dict):
        raise Invalid(
            'diagnostics must be an object, e.g. {"time_zone": "Europe/Berlin"}, or null.', "diagnostics_invalid",
            field="diagnostics",
        )  # fmt: skip
    for key, limit in DIAGNOSTICS_LIMITS.items():
        given = value.get(key, "")
        if not isinstance(given, str):
            raise Invalid(f"diagnostics.{key} must be text.", "diagnostics_invalid", field=f"diagnostics.{key}")
        if len(given) > limit:
            raise Invalid(f"diagnostics.{key} can be at most {limit} characters.", "diagnostics_too_long",
                          field=f"diagnostics.{key}")  # fmt: skip
    ids = value.get("error_ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise Invalid(
            "diagnostics.error_ids must be a list of error ids.", "diagnostics_invalid", field="diagnostics.error_ids"
        )
    if len(ids) > MAX_GIVEN_ERROR_IDS:
        raise Invalid(f"diagnostics.error_ids can hold at most {MAX_GIVEN_ERROR_IDS} ids.", "diagnostics_too_long",
                      field="diagnostics.error_ids")  # fmt: skip
    return value


class BugReportIn(Schema):
    title: str = ""
    description: str = Field("", description="What happened, and what you expected.")
    steps: str = Field("", description="How to make it happen again.")
    include_diagnostics: bool = Field(True, description="Attach the diagnostics of GET /support/diagnostics.")
    diagnostics: ClientDiagnosticsIn | None = None

    _diagnostics_valid = field_validator("diagnostics", mode="before")(_diagnostics_check)


class ReplyOut(Schema):
    id: int
    by_staff: bool
    author: str = Field(description="'Stint support' for staff; the person's name otherwise.")
    body: str
    created_at: datetime

    @staticmethod
    def of(reply: BugReply) -> dict[str, Any]:
        author = "Stint support" if reply.by_staff else reply.author.name
        return {"id": reply.pk, "by_staff": reply.by_staff, "author": author, "body": reply.body,
                "created_at": reply.created_at}  # fmt: skip


class BugReportOut(Schema):
    id: int
    reference: str
    title: str
    description: str
    steps: str
    status: Literal["new", "in_progress", "answered", "resolved", "closed"]
    support_level: Literal["community", "email", "priority"]
    priority: bool
    reporter_id: int
    diagnostics: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class BugReportDetail(BugReportOut):
    replies: list[ReplyOut]


class BugReportPage(Schema):
    items: list[BugReportOut]
    next_cursor: str | None


class ReplyIn(Schema):
    body: str = ""


class DiagnosticsOut(Schema):
    diagnostics: dict[str, Any]
    support_level: Literal["community", "email", "priority"]


class FeatureRequestIn(Schema):
    title: str = ""
    description: str = ""


class FeatureRequestOut(Schema):
    id: int
    title: str
    description: str
    status: FeatureStatusName
    votes: int
    voted: bool = Field(description="Whether you voted for it.")
    mine: bool = Field(description="Whether you proposed it.")
    merged_into_id: int | None = Field(description="Set when staff merged it into another request (votes moved).")
    created_at: datetime

    @staticmethod
    def of(feature: FeatureRequest, *, user_id: int) -> dict[str, Any]:
        return {
            "id": feature.pk,
            "title": feature.title,
            "description": feature.description,
            "status": feature.status,
            "votes": feature.vote_count,
            "voted": bool(getattr(feature, "voted", False)),
            "mine": feature.requester_id == user_id,
            "merged_into_id": feature.merged_into_id,
            "created_at": feature.created_at,
        }


class FeatureRequestPage(Schema):
    items: list[FeatureRequestOut]
    next_cursor: str | None


class VotesOut(Schema):
    votes: int
    voted: bool


class CommentIn(Schema):
    body: str = ""


class CommentOut(Schema):
    id: int
    by_staff: bool
    author: str = Field(description="'Stint team', 'You', or 'A Stint user': the board names no customer.")
    body: str
    created_at: datetime

    @staticmethod
    def of(comment: FeatureComment, *, user_id: int) -> dict[str, Any]:
        mine = comment.author_id == user_id
        author = "Stint team" if comment.by_staff else ("You" if mine else "A Stint user")
        return {"id": comment.pk, "by_staff": comment.by_staff, "author": author, "body": comment.body,
                "created_at": comment.created_at}  # fmt: skip


class CommentPage(Schema):
    items: list[CommentOut]
    next_cursor: str | None


def _client(request: ApiRequest, given: ClientDiagnosticsIn | None) -> ClientDiagnostics:
    """The caller's diagnostics, with the ids of their own recent server errors (as the bug form offers them)."""
    user_agent = request.headers.get("User-Agent", "")
    recent = tuple(selectors.recent_error_ids(user=request.user))
    if given is None:
        return ClientDiagnostics(browser=user_agent, error_ids=recent)
    return ClientDiagnostics(
        browser=given.browser or user_agent,
        time_zone=given.time_zone,
        page=given.page,
        error_ids=(*given.error_ids, *recent),
    )


def _report_out(report: BugReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "reference": report.reference,
        "title": report.title,
        "description": report.description,
        "steps": report.steps,
        "status": report.status,
        "support_level": report.support_level,
        "priority": report.priority,
        "reporter_id": report.reporter_id,
        "diagnostics": report.diagnostics,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
    }


# --- bug reports ---


@router.get("/support/diagnostics", response={200: DiagnosticsOut, **errors(401)})
def diagnostics_preview(request: ApiRequest, time_zone: str = "", page: str = ""):
    """What a bug report would carry: no personal data, no secret. Send it with the report, or leave it out."""
    client = ClientDiagnostics(
        browser=request.headers.get("User-Agent", ""),
        time_zone=time_zone,
        page=page,
        error_ids=tuple(selectors.recent_error_ids(user=request.user)),
    )
    found = diagnostics_collect(account=request.account, membership=request.membership, client=client)
    return {"diagnostics": found, "support_level": selectors.support_level(edition=request.account.edition)}


@router.post("/support/bug-reports", response={201: BugReportOut, **errors(400, 401, 422, 429)})
def bug_report_create(request: ApiRequest, payload: BugReportIn):
    """Report a bug. It gets a reference (e.g. BUG-7KQ2MX) and the reporter an email confirmation. Tokens,
    passwords and card numbers are removed from every field."""
    diagnostics = (
        diagnostics_collect(
            account=request.account, membership=request.membership, client=_client(request, payload.diagnostics)
        )
        if payload.include_diagnostics
        else {}
    )
    report = services.bug_report_create(
        account=request.account,
        membership=request.membership,
        title=payload.title,
        description=payload.description,
        steps=payload.steps,
        diagnostics=diagnostics,
    )
    return Status(201, _report_out(report))


@router.get("/support/bug-reports", response={200: BugReportPage, **errors(400, 401)})
def bug_report_list(request: ApiRequest, limit: int | None = None, cursor: str | None = None):
    """Your bug reports, newest first; an admin sees every report of the account."""
    visible = selectors.bug_reports_visible(account=request.account, membership=request.membership)
    rows, next_cursor = paginate(visible, limit=limit, cursor=cursor, newest_first=True)
    return {"items": [_report_out(r) for r in rows], "next_cursor": next_cursor}


@router.get("/support/bug-reports/{report_id}", response={200: BugReportDetail, **errors(400, 401, 404)})
def bug_report_get(request: ApiRequest, report_id: Id):
    report = selectors.bug_report_get(account=request.account, membership=request.membership, report_id=report_id)
    replies = [ReplyOut.of(r) for r in selectors.bug_replies(report=report).order_by("created_at", "pk")]
    return {**_report_out(report), "replies": replies}


@router.post(
    "/support/bug-reports/{report_id}/replies", response={201: ReplyOut, **errors(400, 401, 404, 409, 422, 429)}
)
def bug_reply_add(request: ApiRequest, report_id: Id, payload: ReplyIn):
    """Add to a report (more details, an answer to a question of support); it goes back to support's queue."""
    report = selectors.bug_report_get(account=request.account, membership=request.membership, report_id=report_id)
    reply = services.bug_reply_add(report=report, author=request.user, body=payload.body)
    return Status(201, ReplyOut.of(reply))


# --- feature requests ---


@router.get("/support/feature-requests", response={200: FeatureRequestPage, **errors(400, 401)})
def feature_request_list(
    request: ApiRequest, status: FeatureStatusName | None = None, limit: int | None = None, cursor: str | None = None
):
    """The board, newest first: every account's requests (on-prem: this server's). Merged duplicates are left out."""
    board = selectors.feature_board(user=request.user, status=status)
    rows, next_cursor = paginate(board, limit=limit, cursor=cursor, newest_first=True)
    return {"items": [FeatureRequestOut.of(f, user_id=request.user.pk) for f in rows], "next_cursor": next_cursor}


@router.post("/support/feature-requests", response={201: FeatureRequestOut, **errors(400, 401, 422, 429)})
def feature_request_create(request: ApiRequest, payload: FeatureRequestIn):
    """Propose a feature; it starts under review with your vote. No promise is made that it will be built. Every
    customer reads the board: email addresses, phone numbers, tokens, passwords and card numbers are removed, and a
    title with invisible text direction marks is refused."""
    feature = services.feature_request_create(
        user=request.user, account=request.account, title=payload.title, description=payload.description
    )
    found = selectors.feature_request_get(user=request.user, request_id=feature.pk)
    return Status(201, FeatureRequestOut.of(found, user_id=request.user.pk))


@router.get("/support/feature-requests/{request_id}", response={200: FeatureRequestOut, **errors(400, 401, 404)})
def feature_request_get(request: ApiRequest, request_id: Id):
    found = selectors.feature_request_get(user=request.user, request_id=request_id)
    return FeatureRequestOut.of(found, user_id=request.user.pk)


@router.post("/support/feature-requests/{request_id}/vote", response={200: VotesOut, **errors(400, 401, 404, 409)})
def feature_vote(request: ApiRequest, request_id: Id):
    """Vote for a request: one vote per person, voting again changes nothing."""
    feature = selectors.feature_request_get(user=request.user, request_id=request_id)
    return {"votes": services.feature_vote_add(feature=feature, user=request.user), "voted": True}


@router.delete("/support/feature-requests/{request_id}/vote", response={200: VotesOut, **errors(400, 401, 404, 409)})
def feature_unvote(request: ApiRequest, request_id: Id):
    """Take your vote back."""
    feature = selectors.feature_request_get(user=request.user, request_id=request_id)
    return {"votes": services.feature_vote_remove(feature=feature, user=request.user), "voted": False}


@router.get("/support/feature-requests/{request_id}/comments", response={200: CommentPage, **errors(400, 401, 404)})
def feature_comment_list(request: ApiRequest, request_id: Id, limit: int | None = None, cursor: str | None = None):
    feature = selectors.feature_request_get(user=request.user, request_id=request_id)
    rows, next_cursor = paginate(selectors.feature_comments(feature_request=feature), limit=limit, cursor=cursor)
    return {"items": [CommentOut.of(c, user_id=request.user.pk) for c in rows], "next_cursor": next_cursor}


@router.post(
    "/support/feature-requests/{request_id}/comments",
    response={201: CommentOut, **errors(400, 401, 404, 409, 422, 429)},
)
def feature_comment_add(request: ApiRequest, request_id: Id, payload: CommentIn):
    """Comment on a request, shown as from "A Stint user"; as on the whole board, email addresses, phone numbers and
    secrets are removed."""
    feature = selectors.feature_request_get(user=request.user, request_id=request_id)
    comment = services.feature_comment_add(feature=feature, author=request.user, body=payload.body)
    return Status(201, CommentOut.of(comment, user_id=request.user.pk))
