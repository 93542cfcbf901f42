"""Who may change an account: its admins."""

from __future__ import annotations

from stint.accounts.models import Account, Membership, User
from stint.core.errors import Forbidden


def require_admin(*, account: Account, actor: User, what: str = "do this") -> Membership:
    membership = Membership.objects.filter(account=account, user=actor, active=True).first()
    if membership is None or not membership.is_admin:
        raise Forbidden(f"Only admins of this account can {what}.", "admin_only")
    return membership


def require_admin_or_staff(*, account: Account, actor: User, what: str = "do this", by_staff: bool = False) -> None:
    """Account admins; or our sales and support staff acting in the back-office (`by_staff`), who act for any
    account when a customer asks them to by mail."""
    if by_staff:
        if not actor.is_staff:
            raise Forbidden(f"Only our staff can {what} for a customer.", "staff_only")
        return
    require_admin(account=account, actor=actor, what=what)
