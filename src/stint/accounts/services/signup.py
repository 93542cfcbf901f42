"""Sign-up, log-in (throttled) and a person's own profile."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from stint.accounts.models import (
    Account,
    Edition,
    LoginFailure,
    Membership,
    Role,
    User,
    normalize_email,
)
from stint.accounts.validation import (
    clean_email,
    clean_password,
    clean_text,
    clean_timezone,
)
from stint.billing.services import subscription_trial_start
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid, NotAuthenticated, Throttled
from stint.notifications.models import EventType
from stint.notifications.services import event_record
from stint.tracking.services.catalog import account_tracking_setup

TRIAL_DAYS = 30


def signup_allowed() -> bool:
    """Cloud: always. On-prem: only the first-run set-up of the server's one account."""
    return settings.STINT_MODE == "cloud" or not Account.objects.exists()


def account_signup(
    *, account_name: str, name: str, email: str, password: str, ip: str | None = None
) -> tuple[Account, User]:
    if not signup_allowed():
        raise Forbidden("This server already has its account; ask its admin to add you.", "signup_closed")
    account_name = clean_text(account_name, field="account_name", label="an account name", max_length=150)
    name = clean_text(name, field="name", label="your name", max_length=150)
    email = clean_email(email)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        # One login may own several accounts, but only its owner may add one to it. The password check is a
        # log-in attempt, throttled like one: otherwise sign-up would be a way to guess passwords unhindered.
        _login_throttle_check(email=email, ip=ip)
        if not existing.has_usable_password() or not existing.check_password(password):
            _login_failure_record(email=email, ip=ip)
            raise Conflict(
                "This email already has a Stint login. Enter its password to create another account with it, "
                "or reset its password.",
                "email_taken",
                field="email",
            )
    else:
        clean_password(password, user=User(email=email, name=name))
    now = clock.now()
    try:
        with transaction.atomic():
            if settings.STINT_MODE == "onprem":
                # Two first visitors at once: the server's identity row (made at start-up) is the lock, and the
                # second one finds the account the first made.
                from stint.licensing.server import server_identity_locked

                server_identity_locked()
                if Account.objects.exists():
                    raise Forbidden("This server already has its account; ask its admin to add you.", "signup_closed")
            user = existing or User.objects.create_user(email, password, name=name)
            account = Account.objects.create(
                name=account_name,
                owner=user,
                edition=Edition.TRIAL,
                trial_ends_at=now + timedelta(days=TRIAL_DAYS),
                created_at=now,
            )
            Membership.objects.create(account=account, user=user, role=Role.ADMIN, added_at=now, accepted_at=now)
            subscription_trial_start(account=account, at=now)
            account_tracking_setup(account=account)
            event_record(
                account=account,
                type=EventType.ACCOUNT_CREATED,
                actor=user,
                summary=f"{user.name} created the account {account.name}.",
            )
            assert account.trial_ends_at is not None
            ends = account.trial_ends_at.astimezone(user.tz)
            event_record(
                account=account,
                type=EventType.TRIAL_STARTED,
                actor=user,
                summary=f"The 30-day trial started; it ends on {ends:%B %-d, %Y}.",
                data={
                    "trial_ends_at": account.trial_ends_at.isoformat(),
                    "trial_ends_at_display": f"{ends:%B %-d, %Y}",
                },
            )
    except IntegrityError as exc:  # two sign-ups with one email at once
        raise Conflict(
            "This email already has a Stint login. Log in with it instead.", "email_taken", field="email"
        ) from exc
    return account, user


def _login_throttle_check(*, email: str, ip: str | None) -> None:
    since = clock.now() - timedelta(seconds=settings.STINT_LOGIN_WINDOW_S)
    limit = settings.STINT_LOGIN_MAX_FAILURES
    by_email = LoginFailure.objects.filter(email=email, at__gte=since)
    by_ip = LoginFailure.objects.filter(ip=ip, at__gte=since) if ip else LoginFailure.objects.none()
    if by_email.count() >= limit or by_ip.count() >= limit * 4:
        minutes = max(1, settings.STINT_LOGIN_WINDOW_S // 60)
        raise Throttled(
            f"Too many failed log-ins. Try again in up to {minutes} minutes, or reset your password.",
            "too_many_attempts",
        )


def _login_failure_record(*, email: str, ip: str | None) -> None:
    LoginFailure.objects.create(email=email[:254], ip=ip, at=clock.now())


def login_failures_forget(*, user: User) -> None:
    """A completed password reset proves the person holds the mailbox: earlier failed log-ins stop counting."""
    LoginFailure.objects.filter(email=normalize_email(user.email)).delete()


def login_check(*, email: str, password: str, ip: str | None) -> User:
    """The user behind these credentials, or an error; repeated failures are throttled per email and address."""
    email = normalize_email(email or "")
    _login_throttle_check(email=email, ip=ip)
    user = authenticate(None, email=email, password=password or "")
    if user is None:
        _login_failure_record(email=email, ip=ip)
        raise NotAuthenticated("The email or password is wrong.", "invalid_credentials")
    LoginFailure.objects.filter(email=email).delete()
    assert isinstance(user, User)
    return user


def user_profile_update(
    *, user: User, name: str | None = None, timezone: str | None = None, week_start: int | None = None
) -> User:
    if name is not None:
        user.name = clean_text(name, field="name", label="a name", max_length=150)
    if timezone is not None:
        user.timezone = clean_timezone(timezone)
    if week_start is not None:
        if week_start not in User.WeekStart.values:
            raise Invalid("The week starts on Monday, Saturday or Sunday.", "invalid_week_start", field="week_start")
        user.week_start = week_start
    user.save(update_fields=["name", "timezone", "week_start"])
    return user
