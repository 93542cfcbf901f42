"""The timer: kept on the server (it survives a closed browser), one per person; stopping it makes a record."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from stint.accounts.models import Account, Membership, User
from stint.core import clock
from stint.core.errors import Conflict, Invalid, StintError
from stint.core.outbox import email_enqueue
from stint.tracking.models import Source, Timer, TimeRecord
from stint.tracking.permissions import membership_of, require_licensed
from stint.tracking.selectors import tracking_rules
from stint.tracking.services.records import RecordSpec, time_record_check, time_record_create
from stint.tracking.timeutil import whole_seconds

log = logging.getLogger(__name__)


def _record_of(timer: Timer, *, actor: User, end_at: datetime | None = None) -> TimeRecord:
    # A timer stopped within its first second counts one second: a record must end after it starts. One stopped
    # after the maximum record length (before the tick did it) ends at the limit, as the tick would have made it.
    limit_at = timer.started_at + timedelta(seconds=tracking_rules(account=timer.account).max_record_s)
    end = end_at or min(max(whole_seconds(clock.now()), timer.started_at + timedelta(seconds=1)), limit_at)
    return time_record_create(
        account=timer.account,
        actor=actor,
        source=Source.TIMER,
        spec=RecordSpec(
            start=timer.started_at,
            end=end,
            user_id=timer.user_id,
            work_item_id=timer.work_item_id,
            activity_type_id=timer.activity_type_id,
            billable=timer.billable,
            comment=timer.comment,
        ),
    )


def timer_start(
    *,
    account: Account,
    user: User,
    work_item_id: int | None = None,
    activity_type_id: int | None = None,
    comment: str = "",
    billable: bool = True,
) -> tuple[Timer, TimeRecord | None]:
    """Start the person's timer; a running one is stopped first and its record answered."""
    require_licensed(membership_of(account=account, user=user))
    # A timer whose record the rules would refuse (closed item, missing comment...) could never be stopped.
    time_record_check(
        account=account,
        actor=user,
        spec=RecordSpec(
            start=whole_seconds(clock.now()),
            duration_s=1,
            user_id=user.pk,
            work_item_id=work_item_id,
            activity_type_id=activity_type_id,
            billable=billable,
            comment=comment,
        ),
    )
    with transaction.atomic():
        # Two starts at once would both find no timer and both create one: serialise per person, like records.
        list(Membership.objects.select_for_update().filter(account=account, user=user))
        running = Timer.objects.select_for_update().filter(account=account, user=user).first()
        stopped = None
        if running is not None:
            stopped = _record_of(running, actor=user)
            running.delete()
        timer = Timer.objects.create(
            account=account,
            user=user,
            started_at=whole_seconds(clock.now()),
            work_item_id=work_item_id,
            activity_type_id=activity_type_id,
            comment=(comment or "").strip(),
            billable=billable,
        )
    return timer, stopped


def timer_stop(*, account: Account, user: User) -> TimeRecord:
    with transaction.atomic():
        running = Timer.objects.select_for_update().filter(account=account, user=user).first()
        if running is None:
            raise Conflict("No timer is running.", "no_timer_running")
        # If the record is refused (an overlap, say), the timer keeps running so no time is lost.
        record = _record_of(running, actor=user)
        running.delete()
    return record


def timers_stop_overlong() -> int:
    """Tick: a timer that reached the account's maximum record length stops itself at the limit; its person is
    emailed. Idempotent: a stopped timer is gone."""
    now = clock.now()
    stopped = 0
    for timer in Timer.objects.select_related("account", "account__tracking_rules", "user"):
        rules = tracking_rules(account=timer.account)
        limit_at = timer.started_at + timedelta(seconds=rules.max_record_s)
        if now < limit_at:
            continue
        with transaction.atomic():
            locked = Timer.objects.select_for_update().filter(pk=timer.pk).first()
            if locked is None:
                continue
            problem = ""
            try:
                record: TimeRecord | None = _record_of(timer, actor=timer.user, end_at=limit_at)
            except StintError as exc:  # an overlap, or a rule changed since: tell the person why
                log.warning("could not turn the over-long timer %s into a record: %s", timer.pk, exc.code)
                record, problem = None, exc.detail
            locked.delete()
            hours = rules.max_record_s / 3600
            email_enqueue(
                to=timer.user.email,
                subject=f"Your Stint timer stopped at the {hours:g}-hour limit",
                text=(
                    f"Hello {timer.user.name},\n\nYour timer in {timer.account.name} ran for {hours:g} hours, the "
                    "longest a record may be, so Stint stopped it "
                    + (
                        "and saved the record.\n"
                        if record
                        else f"but could not save the record: {problem}\nPlease add the time by hand.\n"
                    )
                    + f"\nCheck your week: {settings.BASE_URL}/week/\n"
                ),
                html=None,
                dedupe_key=f"timer-limit:{timer.pk}:{timer.started_at.isoformat()}",
                account_id=timer.account_id,
                group="timer-limit",
            )
            stopped += 1
    return stopped


def timer_update(*, account: Account, user: User, **changes: object) -> Timer:
    """Change the running timer (work item, activity, comment, billable, or an earlier start), checked like a
    record so it can always be stopped."""
    with transaction.atomic():
        running = Timer.objects.select_for_update().filter(account=account, user=user).first()
        if running is None:
            raise Conflict("No timer is running.", "no_timer_running")
        for name in ("work_item_id", "activity_type_id", "comment", "billable", "started_at"):
            # null clears the work item or activity; for the other fields it means "unchanged"
            clearable = name in ("work_item_id", "activity_type_id")
            if name in changes and (changes[name] is not None or clearable):
                setattr(running, name, changes[name])
        running.started_at = whole_seconds(running.started_at)
        running.comment = (running.comment or "").strip()
        now = whole_seconds(clock.now())
        if running.started_at > now:
            raise Invalid("The timer cannot start in the future.", "invalid_started_at", field="started_at")
        time_record_check(
            account=account,
            actor=user,
            spec=RecordSpec(
                start=running.started_at,
                end=max(now, running.started_at + timedelta(seconds=1)),
                user_id=user.pk,
                work_item_id=running.work_item_id,
                activity_type_id=running.activity_type_id,
                billable=running.billable,
                comment=running.comment,
            ),
        )
        running.save()
    return running


def timer_discard(*, account: Account, user: User) -> None:
    """Throw the running timer away without making a record."""
    deleted, _ = Timer.objects.filter(account=account, user=user).delete()
    if not deleted:
        raise Conflict("No timer is running.", "no_timer_running")
