"""Teams: named groups of people in an account."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from stint.accounts.models import (
    Account,
    Membership,
    Team,
    TeamMember,
    User,
)
from stint.accounts.permissions import require_admin
from stint.accounts.validation import (
    MAX_ID,
    clean_text,
)
from stint.core import clock
from stint.core.errors import Conflict, Invalid


def team_create(*, account: Account, actor: User, name: str, member_ids: list[int] | None = None) -> Team:
    require_admin(account=account, actor=actor)
    name = clean_text(name, field="name", label="a team name", max_length=100)
    # One transaction: a team whose members are refused is not created either.
    with transaction.atomic():
        try:
            with transaction.atomic():
                team = Team.objects.create(account=account, name=name, created_at=clock.now())
        except IntegrityError as exc:
            raise Conflict(f"There is already a team called {name!r}.", "team_exists", field="name") from exc
        if member_ids:
            _team_members_set(account=account, team=team, member_ids=member_ids)
    return team


def _team_members_set(*, account: Account, team: Team, member_ids: list[int]) -> None:
    # An id beyond the database's integers names nobody; SQLite would fail on it instead of finding nothing.
    storable = [user_id for user_id in member_ids if 0 < user_id <= MAX_ID]
    wanted = {m.user_id: m for m in Membership.objects.filter(account=account, user_id__in=storable)}
    unknown = sorted(set(member_ids) - set(wanted))
    if unknown:
        raise Invalid(f"These user ids are not in your account: {unknown}.", "unknown_user", field="member_ids")
    TeamMember.objects.filter(team=team).exclude(membership__in=wanted.values()).delete()
    present = set(TeamMember.objects.filter(team=team).values_list("membership_id", flat=True))
    TeamMember.objects.bulk_create(
        TeamMember(account=account, team=team, membership=m) for m in wanted.values() if m.pk not in present
    )


def team_update(
    *, account: Account, actor: User, team: Team, name: str | None = None, member_ids: list[int] | None = None
) -> Team:
    require_admin(account=account, actor=actor)
    with transaction.atomic():
        if name is not None:
            team.name = clean_text(name, field="name", label="a team name", max_length=100)
            try:
                with transaction.atomic():
                    team.save(update_fields=["name"])
            except IntegrityError as exc:
                raise Conflict(f"There is already a team called {team.name!r}.", "team_exists", field="name") from exc
        if member_ids is not None:
            _team_members_set(account=account, team=team, member_ids=member_ids)
    return team


def team_delete(*, account: Account, actor: User, team: Team) -> None:
    require_admin(account=account, actor=actor)
    team.delete()
