"""Writes for accounts, named users, roles, teams, tokens and log-ins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from stint.accounts.models import (
    Account,
    ApiToken,
    Edition,
    LoginFailure,
    Membership,
    Role,
    Team,
    TeamMember,
    User,
    normalize_email,
)
from stint.accounts.selectors import active_user_count
from stint.accounts.tokens import hash_secret, new_secret
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound, PaymentRequired, Throttled
from stint.core.outbox import email_enqueue
from stint.notifications.models import EventType
from stint.notifications.services import event_record

TRIAL_DAYS = 30
# Until the billing engine reads limits from plans, the free edition's user limit lives here.
FREE_MAX_USERS = 3


# --- validation helpers: each raises Invalid naming the field, with a sentence a person can act on ---


def _clean_text(value: str | None, *, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(f"Please enter {label}.", f"{field}_required", field=field)
    if len(text) > max_length:
        raise Invalid(f"{label.capitalize()} can be at most {max_length} characters.", f"{field}_too_long", field=field)
    return text


def _clean_email(value: str | None) -> str:
    email = normalize_email(value or "")
    if not email:
        raise Invalid("Please enter an email address.", "email_required", field="email")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise Invalid(f"{value!r} is not a valid email address.", "invalid_email", field="email") from exc
    return email


def _clean_password(password: str, *, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), "weak_password", field="password") from exc


def _clean_role(role: str | None) -> Role:
    try:
        return Role(role or Role.MEMBER)
    except ValueError as exc:
        raise Invalid(f"Role must be one of: {', '.join(Role.values)}.", "invalid_role", field="role") from exc


def _clean_timezone(name: str) -> str:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(
            f"{name!r} is not a known time zone (e.g. Europe/Berlin).", "invalid_timezone", field="timezone"
        ) from exc
    return name


def _require_admin(*, account: Account, actor: User) -> Membership:
    membership = Membership.objects.filter(account=account, user=actor, active=True).first()
    if membership is None or not membership.is_admin:
        raise Forbidden("Only admins of this account can do this.", "admin_only")
    return membership


def _user_data(membership: Membership) -> dict[str, Any]:
    return {
        "subject_id": membership.user_id,
        "subject_name": membership.user.name,
        "subject_email": membership.user.email,
        "role": membership.role,
        "active_users": active_user_count(account=membership.account),
    }


# --- sign-up and log-in ---


def signup_allowed() -> bool:
    """Cloud: always. On-prem: only the first-run set-up of the server's one account."""
    return settings.STINT_MODE == "cloud" or not Account.objects.exists()


def account_signup(*, account_name: str, name: str, email: str, password: str) -> tuple[Account, User]:
    if not signup_allowed():
        raise Forbidden("This server already has its account; ask its admin to add you.", "signup_closed")
    account_name = _clean_text(account_name, field="account_name", label="an account name", max_length=150)
    name = _clean_text(name, field="name", label="your name", max_length=150)
    email = _clean_email(email)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        # One login may own several accounts, but only its owner may add one to it.
        if not existing.has_usable_password() or not existing.check_password(password):
            raise Conflict(
                "This email already has a Stint login. Log in with it to create another account, "
                "or reset its password.",
                "email_taken",
            )
    else:
        _clean_password(password, user=User(email=email, name=name))
    now = clock.now()
    try:
        with transaction.atomic():
            user = existing or User.objects.create_user(email, password, name=name)
            account = Account.objects.create(
                name=account_name,
                owner=user,
                edition=Edition.TRIAL,
                trial_ends_at=now + timedelta(days=TRIAL_DAYS),
                created_at=now,
            )
            Membership.objects.create(account=account, user=user, role=Role.ADMIN, added_at=now, accepted_at=now)
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
        raise Conflict("This email already has a Stint login. Log in with it instead.", "email_taken") from exc
    return account, user


def login_check(*, email: str, password: str, ip: str | None) -> User:
    """The user behind these credentials, or an error; repeated failures are throttled per email and address."""
    email = normalize_email(email or "")
    now = clock.now()
    since = now - timedelta(seconds=settings.STINT_LOGIN_WINDOW_S)
    limit = settings.STINT_LOGIN_MAX_FAILURES
    by_email = LoginFailure.objects.filter(email=email, at__gte=since)
    by_ip = LoginFailure.objects.filter(ip=ip, at__gte=since) if ip else LoginFailure.objects.none()
    if by_email.count() >= limit or by_ip.count() >= limit * 4:
        minutes = max(1, settings.STINT_LOGIN_WINDOW_S // 60)
        raise Throttled(
            f"Too many failed log-ins. Wait {minutes} minutes and try again, or reset your password.",
            "too_many_attempts",
        )
    user = authenticate(None, email=email, password=password or "")
    if user is None:
        LoginFailure.objects.create(email=email[:254], ip=ip, at=now)
        raise NotAuthenticated("The email or password is wrong.", "invalid_credentials")
    LoginFailure.objects.filter(email=email).delete()
    assert isinstance(user, User)
    return user


def user_profile_update(
    *, user: User, name: str | None = None, timezone: str | None = None, week_start: int | None = None
) -> User:
    if name is not None:
        user.name = _clean_text(name, field="name", label="a name", max_length=150)
    if timezone is not None:
        user.timezone = _clean_timezone(timezone)
    if week_start is not None:
        if week_start not in User.WeekStart.values:
            raise Invalid("The week starts on Monday, Saturday or Sunday.", "invalid_week_start", field="week_start")
        user.week_start = week_start
    user.save(update_fields=["name", "timezone", "week_start"])
    return user


# --- named users ---


def _check_seat_available(account: Account) -> None:
    if account.edition == Edition.FREE and active_user_count(account=account) >= FREE_MAX_USERS:
        raise PaymentRequired(
            f"The Free edition allows {FREE_MAX_USERS} named users. Upgrade to Regular in Settings / My Account "
            "to add more, or remove someone first.",
            "edition_user_limit",
        )


def _send_invitation(*, membership: Membership, inviter: User) -> None:
    secret = new_secret("inv_")
    membership.invitation_token_hash = hash_secret(secret)
    membership.invited_at = clock.now()
    membership.save(update_fields=["invitation_token_hash", "invited_at"])
    context = {
        "name": membership.user.name,
        "inviter": inviter.name,
        "account": membership.account,
        "accept_url": f"{settings.BASE_URL}/invitations/{secret}/",
        "needs_password": not membership.user.has_usable_password(),
    }
    email_enqueue(
        to=membership.user.email,
        subject=f"{inviter.name} invited you to {membership.account.name} on Stint",
        text=render_to_string("emails/invitation.txt", context),
        html=render_to_string("emails/invitation.html", context),
        dedupe_key=f"invitation:{membership.pk}:{membership.invitation_token_hash[:16]}",
        account_id=membership.account_id,
        group=f"invitation:{membership.pk}",
    )


def named_user_add(*, account: Account, actor: User, email: str, name: str, role: str | None = None) -> Membership:
    """Add a named user (it takes a seat at once) and invite them; re-adding a deactivated one reactivates them."""
    _require_admin(account=account, actor=actor)
    email = _clean_email(email)
    role_value = _clean_role(role)
    now = clock.now()
    with transaction.atomic():
        # One seat change at a time per account: the lock serialises the count and the insert.
        account = Account.objects.select_for_update().get(pk=account.pk)
        user = User.objects.filter(email=email).first()
        membership = Membership.objects.filter(account=account, user=user).first() if user else None
        if membership is not None and membership.active:
            raise Conflict(f"{email} is already a named user of this account.", "already_a_user", field="email")
        _check_seat_available(account)
        if user is None:
            user = User.objects.create_user(
                email, None, name=_clean_text(name, field="name", label="a name", max_length=150)
            )
        if membership is None:
            membership = Membership.objects.create(
                account=account, user=user, role=role_value, added_at=now, added_by=actor
            )
            verb = "added"
        else:
            membership.active = True
            membership.role = role_value
            membership.deactivated_at = None
            membership.save(update_fields=["active", "role", "deactivated_at"])
            verb = "reactivated"
        if membership.accepted_at is None:
            _send_invitation(membership=membership, inviter=actor)
        event_record(
            account=account,
            type=EventType.USER_ADDED,
            actor=actor,
            summary=f"{actor.name} {verb} {user.name} <{user.email}> as {role_value}.",
            data=_user_data(membership),
        )
    return membership


def named_user_update(
    *, account: Account, actor: User, membership: Membership, name: str | None = None, role: str | None = None
) -> Membership:
    is_self = membership.user_id == actor.pk
    if role is not None or not is_self:
        _require_admin(account=account, actor=actor)
    if role is not None:
        new_role = _clean_role(role)
        if membership.user_id == account.owner_id and new_role != Role.ADMIN:
            raise Invalid(
                "The account owner is always an admin. Transfer ownership first.", "owner_must_be_admin", field="role"
            )
        membership.role = new_role
        membership.save(update_fields=["role"])
    if name is not None:
        membership.user.name = _clean_text(name, field="name", label="a name", max_length=150)
        membership.user.save(update_fields=["name"])
    return membership


def named_user_deactivate(*, account: Account, actor: User, membership: Membership) -> Membership:
    """The person can no longer sign in to this account; their records stay; the seat is freed."""
    _require_admin(account=account, actor=actor)
    if membership.user_id == account.owner_id:
        raise Conflict(
            "The account owner cannot be removed. Transfer ownership to someone else first.", "owner_cannot_be_removed"
        )
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if not membership.active:
            raise Conflict(f"{membership.user.email} is already deactivated.", "user_inactive")
        now = clock.now()
        membership.active = False
        membership.deactivated_at = now
        membership.save(update_fields=["active", "deactivated_at"])
        ApiToken.objects.filter(account=account, user=membership.user, revoked_at__isnull=True).update(revoked_at=now)
        membership.account = account
        event_record(
            account=account,
            type=EventType.USER_REMOVED,
            actor=actor,
            summary=f"{actor.name} removed {membership.user.name} <{membership.user.email}>.",
            data=_user_data(membership),
        )
    return membership


def ownership_transfer(*, account: Account, actor: User, membership: Membership) -> Account:
    if account.owner_id != actor.pk:
        raise Forbidden("Only the account owner can transfer ownership.", "owner_only")
    if membership.user_id == account.owner_id:
        raise Invalid("This person already owns the account.", "already_owner", field="user_id")
    if not membership.active:
        raise Invalid("Ownership can only go to an active user of the account.", "user_inactive", field="user_id")
    with transaction.atomic():
        account = Account.objects.select_for_update().select_related("owner").get(pk=account.pk)
        old_owner = account.owner
        new_owner = membership.user
        membership.role = Role.ADMIN
        membership.save(update_fields=["role"])
        account.owner = new_owner
        account.save(update_fields=["owner"])
        event_record(
            account=account,
            type=EventType.OWNER_CHANGED,
            actor=actor,
            summary=f"{old_owner.name} transferred ownership of {account.name} to {new_owner.name}.",
            data={
                "old_owner_id": old_owner.pk,
                "new_owner_id": new_owner.pk,
                "new_owner_name": new_owner.name,
                "new_owner_email": new_owner.email,
            },
            recipients=[old_owner, new_owner],
        )
    return account


def invitation_lookup(*, secret: str) -> Membership:
    membership = (
        Membership.objects.filter(invitation_token_hash=hash_secret(secret), active=True, accepted_at__isnull=True)
        .select_related("account", "user")
        .first()
    )
    if membership is None:
        raise NotFound(
            "This invitation link is not valid any more. Ask your admin to add you again.", "invitation_invalid"
        )
    return membership


def invitation_accept(*, secret: str, name: str | None = None, password: str | None = None) -> Membership:
    """Accept; a person without a login yet chooses their name and password here."""
    membership = invitation_lookup(secret=secret)
    user = membership.user
    with transaction.atomic():
        if not user.has_usable_password():
            user.name = _clean_text(name or user.name, field="name", label="your name", max_length=150)
            _clean_password(password or "", user=user)
            user.set_password(password)
            user.save(update_fields=["name", "password"])
        membership.accepted_at = clock.now()
        membership.invitation_token_hash = ""
        membership.save(update_fields=["accepted_at", "invitation_token_hash"])
    return membership


# --- teams ---


def team_create(*, account: Account, actor: User, name: str) -> Team:
    _require_admin(account=account, actor=actor)
    name = _clean_text(name, field="name", label="a team name", max_length=100)
    try:
        with transaction.atomic():
            return Team.objects.create(account=account, name=name, created_at=clock.now())
    except IntegrityError as exc:
        raise Conflict(f"There is already a team called {name!r}.", "team_exists", field="name") from exc


def team_update(
    *, account: Account, actor: User, team: Team, name: str | None = None, member_ids: list[int] | None = None
) -> Team:
    _require_admin(account=account, actor=actor)
    with transaction.atomic():
        if name is not None:
            team.name = _clean_text(name, field="name", label="a team name", max_length=100)
            try:
                with transaction.atomic():
                    team.save(update_fields=["name"])
            except IntegrityError as exc:
                raise Conflict(f"There is already a team called {team.name!r}.", "team_exists", field="name") from exc
        if member_ids is not None:
            wanted = {m.user_id: m for m in Membership.objects.filter(account=account, user_id__in=member_ids)}
            unknown = sorted(set(member_ids) - set(wanted))
            if unknown:
                raise Invalid(f"These user ids are not in your account: {unknown}.", "unknown_user", field="member_ids")
            TeamMember.objects.filter(team=team).exclude(membership__in=wanted.values()).delete()
            present = set(TeamMember.objects.filter(team=team).values_list("membership_id", flat=True))
            TeamMember.objects.bulk_create(
                TeamMember(account=account, team=team, membership=m) for m in wanted.values() if m.pk not in present
            )
    return team


def team_delete(*, account: Account, actor: User, team: Team) -> None:
    _require_admin(account=account, actor=actor)
    team.delete()


# --- API tokens ---


def api_token_create(*, account: Account, user: User, label: str) -> tuple[ApiToken, str]:
    """A new token; the secret is answered once and never stored."""
    label = _clean_text(label, field="label", label="a label (what the token is for)", max_length=100)
    if not Membership.objects.filter(account=account, user=user, active=True).exists():
        raise Forbidden("You are not an active user of this account.", "not_a_member")
    secret = new_secret()
    token = ApiToken.objects.create(
        account=account,
        user=user,
        label=label,
        prefix=secret[:12],
        token_hash=hash_secret(secret),
        created_at=clock.now(),
    )
    return token, secret


def api_token_revoke(*, account: Account, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(account=account, user=user, pk=token_id).first()
    if token is None:
        raise NotFound("There is no such token.", "token_not_found")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token behind this secret, its user still an active named user; records when it was last used."""
    token = (
        ApiToken.objects.filter(token_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True)
        .select_related("account", "account__owner", "user")
        .first()
    )
    if token is None:
        return None
    if not Membership.objects.filter(account_id=token.account_id, user_id=token.user_id, active=True).exists():
        return None
    now = clock.now()
    # Written at most once a minute per token, so a busy client does not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
