"""Who may do what with tracking data: members their own time, managers and admins everyone's."""

from __future__ import annotations

from stint.accounts.models import Account, Membership, User
from stint.core.errors import Forbidden, PaymentRequired


def membership_of(*, account: Account, user: User) -> Membership:
    membership = Membership.objects.filter(account=account, user=user, active=True).first()
    if membership is None:
        raise Forbidden("You are not an active user of this account.", "not_a_member")
    return membership


def require_licensed(membership: Membership) -> None:
    """In Free only as many named users as the plan allows may track (the owner chooses who); the others keep their
    records and can read them."""
    if not membership.licensed:
        raise PaymentRequired(
            f"{membership.user.name} cannot track time: on the Free edition only as many named users as it allows may "
            "track, and this person is not one of them. The account owner can change who on the Users page, or "
            "upgrade in Settings / My Account.",
            "user_not_licensed",
        )


def require_manager(*, account: Account, actor: User, what: str) -> Membership:
    membership = membership_of(account=account, user=actor)
    if not membership.can_manage:
        raise Forbidden(f"Only managers and admins can {what}.", "manager_only")
    return membership


def require_may_track_for(*, account: Account, actor: User, user_id: int) -> None:
    """Members record and change only their own time; managers and admins anyone's in the account."""
    if user_id == actor.pk:
        return
    if not membership_of(account=account, user=actor).can_manage:
        raise Forbidden("Members can only record and change their own time.", "own_records_only")
