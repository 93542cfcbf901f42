"""Reads for the Help area: whose bug reports a person sees, the feature board, recent error ids, support levels."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When

from stint.accounts.models import Account, Membership, User
from stint.core import clock
from stint.core.errors import NotFound
from stint.support.models import (
    BugReply,
    BugReport,
    FeatureComment,
    FeatureRequest,
    FeatureStatus,
    FeatureVote,
    ServerError,
    SupportLevel,
)

RECENT_ERRORS_WINDOW = timedelta(days=7)
MAX_ID = 2**63 - 1  # a larger id from a URL would overflow the database's integer


def support_level(*, edition: str) -> SupportLevel:
    """DESIGN.md: free = community support, regular = email support, enterprise = priority; the trial has regular's."""
    if edition == "free":
        return SupportLevel.COMMUNITY
    if edition == "enterprise":
        return SupportLevel.PRIORITY
    return SupportLevel.EMAIL


# --- bug reports: the reporter sees theirs; the account's admins see every report of the account ---


def bug_reports_visible(*, account: Account, membership: Membership) -> QuerySet[BugReport]:
    reports = BugReport.objects.filter(account=account).select_related("reporter")
    return reports if membership.is_admin else reports.filter(reporter_id=membership.user_id)


def bug_report_get(*, account: Account, membership: Membership, report_id: int) -> BugReport:
    visible = bug_reports_visible(account=account, membership=membership)
    report = visible.filter(pk=report_id).first() if 0 < report_id <= MAX_ID else None
    if report is None:
        raise NotFound("There is no such bug report in this account.", "bug_report_not_found")
    return report


def bug_replies(*, report: BugReport) -> QuerySet[BugReply]:
    return BugReply.objects.filter(account_id=report.account_id, bug_report=report).select_related("author")


def support_queue() -> QuerySet[BugReport]:
    """The back-office queue: open reports first, priority (Enterprise) first among them, oldest first."""
    closed = [BugReport.Status.RESOLVED, BugReport.Status.CLOSED]
    return (
        BugReport.objects.select_related("account", "reporter")
        .annotate(closed=Case(When(status__in=closed, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("closed", "-priority", "-awaiting_staff", "created_at")
    )


# --- the feature board: everyone signed in sees every request that is not a merged duplicate ---


def feature_board(*, user: User, status: str | None = None) -> QuerySet[FeatureRequest]:
    requests = FeatureRequest.objects.filter(merged_into__isnull=True).annotate(
        voted=Exists(FeatureVote.objects.filter(feature_request=OuterRef("pk"), user=user))
    )
    if status:
        requests = requests.filter(status=status)
    return requests


def feature_board_by_votes(*, user: User, status: str | None = None) -> QuerySet[FeatureRequest]:
    """Open requests first (under review, planned, in progress), most votes first; done and declined after them."""
    closed = [FeatureStatus.DONE, FeatureStatus.DECLINED]
    return (
        feature_board(user=user, status=status)
        .annotate(closed=Case(When(status__in=closed, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("closed", "-vote_count", "-created_at", "-pk")
    )


def feature_request_get(*, user: User, request_id: int) -> FeatureRequest:
    """Merged duplicates too: their page says where the votes went."""
    if not 0 < request_id <= MAX_ID:
        raise NotFound("There is no such feature request.", "feature_request_not_found")
    found = (
        FeatureRequest.objects.filter(pk=request_id)
        .select_related("merged_into")
        .annotate(voted=Exists(FeatureVote.objects.filter(feature_request=OuterRef("pk"), user=user)))
        .first()
    )
    if found is None:
        raise NotFound("There is no such feature request.", "feature_request_not_found")
    return found


def feature_comments(*, feature_request: FeatureRequest) -> QuerySet[FeatureComment]:
    return FeatureComment.objects.filter(feature_request=feature_request).select_related("author")


def feature_followers(*, feature_request: FeatureRequest) -> list[User]:
    """The requester and every voter, once each, in a stable order."""
    ids = {
        feature_request.requester_id,
        *FeatureVote.objects.filter(feature_request=feature_request).values_list("user_id", flat=True),
    }
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


# --- errors people can quote ---


def recent_error_ids(*, user: User) -> list[str]:
    """The ids of this person's server errors of the last days, newest first (what the bug form offers)."""
    since = clock.now() - RECENT_ERRORS_WINDOW
    rows = ServerError.objects.filter(user=user, occurred_at__gte=since).order_by("-occurred_at", "-pk")
    return list(rows.values_list("error_id", flat=True)[:5])
