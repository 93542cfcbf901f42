"""The Help area's emails: HTML and text from templates/support/emails, queued in the outbox with the change."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from stint.accounts.models import User
from stint.core.outbox import email_enqueue
from stint.support.models import BugReply, BugReport, FeatureRequest, FeatureStatusChange
from stint.support.selectors import support_level


def _send(*, template: str, to: User, subject: str, context: dict[str, Any], dedupe_key: str,
          account_id: int | None, group: str) -> None:  # fmt: skip
    context = {**context, "recipient": to, "base_url": settings.BASE_URL}
    email_enqueue(
        to=to.email,
        subject=subject,
        text=render_to_string(f"support/emails/{template}.txt", context),
        html=render_to_string(f"support/emails/{template}.html", context),
        dedupe_key=dedupe_key,
        account_id=account_id,
        group=group,
    )


def bug_report_received_email(*, report: BugReport) -> None:
    _send(
        template="bug_report_received",
        to=report.reporter,
        subject=f"[{report.reference}] We received your bug report: {report.title}",
        context={
            "report": report,
            "level": support_level(edition=report.edition),
            "url": f"{settings.BASE_URL}/help/bugs/{report.pk}/",
        },
        dedupe_key=f"bug-report:{report.pk}:received",
        account_id=report.account_id,
        group=f"bug-report:{report.pk}",
    )


def bug_reply_email(*, reply: BugReply) -> None:
    report = reply.bug_report
    _send(
        template="bug_reply",
        to=report.reporter,
        subject=f"[{report.reference}] Reply from Stint support: {report.title}",
        context={"report": report, "reply": reply, "url": f"{settings.BASE_URL}/help/bugs/{report.pk}/"},
        dedupe_key=f"bug-report:{report.pk}:reply:{reply.pk}",
        account_id=report.account_id,
        group=f"bug-report:{report.pk}",
    )


def feature_change_emails(*, change: FeatureStatusChange, followers: list[User]) -> None:
    """One email per follower (the requester and each voter) for one status change or merge."""
    feature = change.feature_request
    if change.merged_into_id:
        subject = f"Feature request #{feature.pk} was merged into #{change.merged_into_id}: {feature.title}"
        target: FeatureRequest | None = change.merged_into
    else:
        subject = f"Feature request #{feature.pk} is now {change.get_to_status_display()}: {feature.title}"
        target = None
    shown = target or feature
    for follower in followers:
        _send(
            template="feature_status",
            to=follower,
            subject=subject,
            context={
                "feature": feature,
                "change": change,
                "target": target,
                "is_requester": follower.pk == feature.requester_id,
                "url": f"{settings.BASE_URL}/help/features/{shown.pk}/",
            },
            dedupe_key=f"feature-change:{change.pk}:{follower.pk}",
            account_id=None,
            group=f"feature-request:{feature.pk}",
        )
