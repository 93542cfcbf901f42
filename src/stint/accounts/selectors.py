from __future__ import annotations

from django.db.models import QuerySet

from stint.accounts.models import Account, ApiToken, Membership, Team, User
from stint.core.errors import NotFound


def memberships(*, account: Account, include_inactive: bool = True) -> QuerySet[Membership]:
    rows = Membership.objects.filter(account=account).select_related("user")
    return rows if include_inactive else rows.filter(active=True)


def membership_get(*, account: Account, user_id: int) -> Membership:
    """The named user `user_id` of this account; another account's users are simply not found."""
    # Through the user's primary key, whose lookups treat an id beyond the database's integers as no match
    # (the bare `user_id` column would send it to SQLite, which fails on it).
    found = memberships(account=account).filter(user__pk=user_id).first()
    if found is None:
        raise NotFound("There is no user with this id in your account.", "user_not_found")
    return found


def active_user_count(*, account: Account) -> int:
    return Membership.objects.filter(account=account, active=True).count()


def user_accounts(*, user: User) -> QuerySet[Account]:
    """The accounts this login can switch between: active and accepted. An invitation gives no access until the
    person accepts it (though it takes a seat from the start), so nobody can push an account onto a login."""
    return Account.objects.filter(
        memberships__user=user, memberships__active=True, memberships__accepted_at__isnull=False
    ).order_by("name", "pk")


def user_default_account(*, user: User) -> Account | None:
    """The account a login lands in when it names none: the first it joined (as the web app's switcher does)."""
    first = (
        Membership.objects.filter(user=user, active=True, accepted_at__isnull=False)
        .select_related("account")
        .order_by("added_at", "pk")
        .first()
    )
    return first.account if first else None


def api_tokens(*, account: Account, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(account=account, user=user).order_by("-created_at", "-pk")


def teams(*, account: Account) -> QuerySet[Team]:
    return Team.objects.filter(account=account).prefetch_related("members__user").order_by("name")


def team_get(*, account: Account, team_id: int) -> Team:
    found = teams(account=account).filter(pk=team_id).first()
    if found is None:
        raise NotFound("There is no team with this id in your account.", "team_not_found")
    return found
