"""Writes of the Help area: bug reports and their replies, the feature board (requests, votes, comments, statuses,
merges), and the record of server errors. Staff actions take `actor` and check `is_staff` here, not only in the
back-office."""

from __future__ import annotations

import logging
import secrets
import unicodedata
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from stint.accounts.models import Account, Membership, User
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid, Throttled
from stint.support import emails
from stint.support.models import (
    BugReply,
    BugReport,
    FeatureComment,
    FeatureRequest,
    FeatureStatus,
    FeatureStatusChange,
    FeatureVote,
    ServerError,
)
from stint.support.scrub import scrub, scrub_public
from stint.support.selectors import feature_followers, support_level

log = logging.getLogger(__name__)

TITLE_MAX = 150
TEXT_MAX = 10_000
PER_HOUR = 10  # bug reports, feature requests, comments and replies a person may write in an hour, each
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: references are read aloud and typed
# Invisible marks that change the direction text is shown in: in a title they can make it read as something else
# (to staff and, on the board, to every customer).
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# --- input ---


def text_clean(value: str | None, *, field: str, label: str, max_length: int, required: bool = True,
               one_line: bool = False) -> str:  # fmt: skip
    """Stripped text, line breaks allowed unless `one_line`; never a control character PostgreSQL would refuse.
    Direction marks are refused in one line of text (a title) and removed from longer text."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if one_line and any(c in BIDI_CONTROLS for c in text):
        raise Invalid(
            f"{label.capitalize()} must not contain invisible text direction marks.", f"{field}_invalid", field=field
        )
    text = "".join(c for c in text if c not in BIDI_CONTROLS).strip()
    if not text and required:
        raise Invalid(f"Please enter {label}.", f"{field}_required", field=field)
    if len(text) > max_length:
        raise Invalid(f"{label.capitalize()} can be at most {max_length} characters.", f"{field}_too_long", field=field)
    allowed = set() if one_line else {"\n", "\t"}
    if any(unicodedata.category(c) in {"Cc", "Cs"} and c not in allowed for c in text) or (
        one_line and any(unicodedata.category(c) in {"Zl", "Zp"} for c in text)
    ):
        where = "one line of text, without" if one_line else "text without"
        raise Invalid(f"{label.capitalize()} must be {where} control characters.", f"{field}_invalid", field=field)
    return text


def _throttle(rows: QuerySet, *, what: str) -> None:
    if rows.filter(created_at__gte=clock.now() - timedelta(hours=1)).count() >= PER_HOUR:
        raise Throttled(f"You wrote {PER_HOUR} {what} in the last hour; please wait a little.", "too_many_writes")


# --- bug reports ---


def _new_reference() -> str:
    return "BUG-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def bug_report_create(*, account: Account, membership: Membership, title: str, description: str,
                      steps: str = "", diagnostics: dict | None = None) -> BugReport:  # fmt: skip
    """A bug report with a reference, its diagnostics (already collected and scrubbed by support.diagnostics) and a
    confirmation email to the reporter. Every text is scrubbed of secrets and card numbers before it is stored."""
    title = scrub(text_clean(title, field="title", label="a title", max_length=TITLE_MAX, one_line=True))
    description = scrub(text_clean(description, field="description", label="what happened", max_length=TEXT_MAX))
    steps = scrub(text_clean(steps, field="steps", label="the steps", max_length=TEXT_MAX, required=False))
    reporter = membership.user
    _throttle(BugReport.objects.filter(reporter=reporter), what="bug reports")
    level = support_level(edition=account.edition)
    now = clock.now()
    with transaction.atomic():
        for _ in range(5):
            try:
                with transaction.atomic():
                    report = BugReport.objects.create(
                        account=account,
                        reporter=reporter,
                        reference=_new_reference(),
                        title=title,
                        description=description,
                        steps=steps,
                        diagnostics=diagnostics or {},
                        edition=account.edition,
                        support_level=level,
                        priority=level == "priority",
                        created_at=now,
                        updated_at=now,
                    )
                break
            except IntegrityError:  # the reference was taken (one chance in millions): draw another
                continue
        else:
            raise RuntimeError("Could not draw a free bug report reference.")
        emails.bug_report_received_email(report=report)
    return report


def bug_reply_add(*, report: BugReport, author: User, body: str, by_staff: bool = False,
                  status: str | None = None) -> BugReply:  # fmt: skip
    """A reply on a report. Staff replies are emailed to the reporter and mark the report answered, or give it the
    `status` staff chose with the reply (the email states it); a reply from the customer's side puts the report back
    in front of staff. Closed reports take no more replies from customers."""
    body = scrub(text_clean(body, field="body", label="a reply", max_length=TEXT_MAX))
    if by_staff and not author.is_staff:
        raise Forbidden("Only our support staff can answer as Stint support.", "staff_only")
    if status is not None and (not by_staff or status not in BugReport.Status.values):
        raise Invalid(f"{status!r} is not a status a reply can set.", "invalid_status", field="status")
    if not by_staff:
        _throttle(BugReply.objects.filter(author=author), what="replies")
    now = clock.now()
    with transaction.atomic():
        report = BugReport.objects.select_for_update().get(pk=report.pk)
        if report.status == BugReport.Status.CLOSED and not by_staff:
            raise Conflict("This report is closed; please send a new bug report.", "bug_report_closed")
        reply = BugReply.objects.create(
            account_id=report.account_id, bug_report=report, author=author, by_staff=by_staff, body=body, created_at=now
        )
        if by_staff:
            if status is not None:
                report.status = status
            elif report.is_open:
                report.status = BugReport.Status.ANSWERED
            report.awaiting_staff = False
            emails.bug_reply_email(reply=reply)
        else:
            if report.status in {BugReport.Status.ANSWERED, BugReport.Status.RESOLVED}:
                report.status = BugReport.Status.IN_PROGRESS
            report.awaiting_staff = True
        report.updated_at = now
        report.save(update_fields=["status", "awaiting_staff", "updated_at"])
    return reply


def bug_report_status_set(*, report: BugReport, actor: User, status: str) -> BugReport:
    if not actor.is_staff:
        raise Forbidden("Only our support staff can change the status of a bug report.", "staff_only")
    if status not in BugReport.Status.values:
        raise Invalid(f"{status!r} is not a bug report status.", "invalid_status", field="status")
    with transaction.atomic():
        report = BugReport.objects.select_for_update().get(pk=report.pk)
        report.status = status
        if not report.is_open:
            report.awaiting_staff = False
        report.updated_at = clock.now()
        report.save(update_fields=["status", "awaiting_staff", "updated_at"])
    return report


# --- the feature board ---


def _vote_count_refresh(feature: FeatureRequest) -> None:
    feature.vote_count = FeatureVote.objects.filter(feature_request=feature).count()
    feature.updated_at = clock.now()
    feature.save(update_fields=["vote_count", "updated_at"])


def feature_request_create(*, user: User, account: Account | None, title: str, description: str) -> FeatureRequest:
    """A new request, under review, with its requester's vote. Every customer reads the board: secrets, email
    addresses and phone numbers are removed from what is written on it."""
    title = text_clean(title, field="title", label="a title", max_length=TITLE_MAX, one_line=True)
    description = text_clean(description, field="description", label="a description", max_length=TEXT_MAX)
    _throttle(FeatureRequest.objects.filter(requester=user), what="feature requests")
    now = clock.now()
    with transaction.atomic():
        feature = FeatureRequest.objects.create(
            title=scrub_public(title),
            description=scrub_public(description),
            requester=user,
            account=account,
            vote_count=1,
            created_at=now,
            updated_at=now,
        )
        FeatureVote.objects.create(feature_request=feature, user=user, created_at=now)
    return feature


def _open_for_votes(feature: FeatureRequest) -> None:
    if feature.merged_into_id:
        raise Conflict(f"This request was merged into #{feature.merged_into_id}; vote there.", "feature_request_merged")
    if feature.is_closed:
        raise Conflict(
            f"This request is {feature.get_status_display().lower()}; votes are closed.", "feature_request_closed"
        )


def feature_vote_add(*, feature: FeatureRequest, user: User) -> int:
    """One vote per person: voting again changes nothing. Answers the number of votes."""
    with transaction.atomic():
        feature = FeatureRequest.objects.select_for_update().get(pk=feature.pk)
        _open_for_votes(feature)
        if not FeatureVote.objects.filter(feature_request=feature, user=user).exists():
            FeatureVote.objects.create(feature_request=feature, user=user, created_at=clock.now())
            _vote_count_refresh(feature)
    return feature.vote_count


def feature_vote_remove(*, feature: FeatureRequest, user: User) -> int:
    with transaction.atomic():
        feature = FeatureRequest.objects.select_for_update().get(pk=feature.pk)
        _open_for_votes(feature)
        if FeatureVote.objects.filter(feature_request=feature, user=user).delete()[0]:
            _vote_count_refresh(feature)
    return feature.vote_count


def feature_comment_add(*, feature: FeatureRequest, author: User, body: str, by_staff: bool = False) -> FeatureComment:
    body = scrub_public(text_clean(body, field="body", label="a comment", max_length=TEXT_MAX))
    if by_staff and not author.is_staff:
        raise Forbidden("Only our staff can comment as the Stint team.", "staff_only")
    if not by_staff:
        _throttle(FeatureComment.objects.filter(author=author), what="comments")
    if feature.merged_into_id and not by_staff:
        raise Conflict(
            f"This request was merged into #{feature.merged_into_id}; comment there.", "feature_request_merged"
        )
    return FeatureComment.objects.create(
        feature_request=feature, author=author, by_staff=by_staff, body=body, created_at=clock.now()
    )


def feature_status_set(
    *, feature: FeatureRequest, actor: User, status: str, note: str = ""
) -> FeatureStatusChange | None:
    """Staff set the status; the requester and every voter get one email about it. Setting the same status again
    changes nothing and sends nothing."""
    if not actor.is_staff:
        raise Forbidden("Only our staff can change the status of a feature request.", "staff_only")
    if status not in FeatureStatus.values:
        raise Invalid(f"{status!r} is not a feature request status.", "invalid_status", field="status")
    note = scrub_public(text_clean(note, field="note", label="a note", max_length=TEXT_MAX, required=False))
    with transaction.atomic():
        feature = FeatureRequest.objects.select_for_update().get(pk=feature.pk)
        if feature.merged_into_id:
            raise Conflict("A merged request has no status of its own; change its target's.", "feature_request_merged")
        if feature.status == status:
            return None
        change = FeatureStatusChange.objects.create(
            feature_request=feature, from_status=feature.status, to_status=status, note=note, actor=actor,
            created_at=clock.now(),
        )  # fmt: skip
        feature.status = status
        feature.updated_at = change.created_at
        feature.save(update_fields=["status", "updated_at"])
        emails.feature_change_emails(change=change, followers=feature_followers(feature_request=feature))
    return change


def feature_request_merge(*, duplicate: FeatureRequest, target: FeatureRequest, actor: User, note: str = ""
                          ) -> FeatureStatusChange:  # fmt: skip
    """Staff merge a duplicate into another request: its votes move to the target (a person who voted for both keeps
    one vote), its own duplicates follow, it leaves the board, and its followers get one email saying where to go."""
    if not actor.is_staff:
        raise Forbidden("Only our staff can merge feature requests.", "staff_only")
    if duplicate.pk == target.pk:
        raise Invalid("A request cannot be merged into itself.", "merge_into_itself", field="merged_into")
    note = scrub_public(text_clean(note, field="note", label="a note", max_length=TEXT_MAX, required=False))
    with transaction.atomic():
        locked = {f.pk: f for f in FeatureRequest.objects.select_for_update().filter(pk__in=[duplicate.pk, target.pk])}
        duplicate, target = locked[duplicate.pk], locked[target.pk]
        if target.merged_into_id:
            raise Invalid(
                f"#{target.pk} was itself merged into #{target.merged_into_id}; merge into that one.",
                "merge_target_merged",
                field="merged_into",
            )
        if duplicate.merged_into_id:
            raise Conflict(f"#{duplicate.pk} is already merged into #{duplicate.merged_into_id}.", "already_merged")
        followers = feature_followers(feature_request=duplicate)
        now = clock.now()
        already = set(FeatureVote.objects.filter(feature_request=target).values_list("user_id", flat=True))
        FeatureVote.objects.bulk_create(
            [
                FeatureVote(feature_request=target, user_id=vote.user_id, created_at=vote.created_at)
                for vote in FeatureVote.objects.filter(feature_request=duplicate).exclude(user_id__in=already)
            ]
        )
        FeatureVote.objects.filter(feature_request=duplicate).delete()
        FeatureRequest.objects.filter(merged_into=duplicate).update(merged_into=target, updated_at=now)
        duplicate.merged_into = target
        duplicate.vote_count = 0
        duplicate.updated_at = now
        duplicate.save(update_fields=["merged_into", "vote_count", "updated_at"])
        _vote_count_refresh(target)
        change = FeatureStatusChange.objects.create(
            feature_request=duplicate, from_status=duplicate.status, to_status=duplicate.status, merged_into=target,
            note=note, actor=actor, created_at=now,
        )  # fmt: skip
        emails.feature_change_emails(change=change, followers=followers)
    return change


# --- server errors ---


def server_error_record(*, error_id: str, user: User | None, account: Account | None, method: str, path: str,
                        exception: str) -> None:  # fmt: skip
    """Keep the id of an unexpected error for the person who met it. Called while handling that error, so it must
    never raise: a database that is down is the likely cause of the error itself."""
    from stint.support.scrub import page_clean

    try:
        with transaction.atomic():
            ServerError.objects.create(
                error_id=error_id,
                user=user if user is not None and user.is_authenticated else None,
                account=account,
                method=method[:10],
                path=page_clean(path),
                exception=exception[:200],
                occurred_at=clock.now(),
            )
    except Exception:
        log.warning("could not record server error %s", error_id, exc_info=True)
