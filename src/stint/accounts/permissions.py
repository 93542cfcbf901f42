"""Who may change an account: its admins."""

from __future__ import annotations

from stint.accounts.models import Account, Membership, User
from stint.core.errors import Forbidden


def require_admin(*, account: Account, actor: User, what: str = "do this") -> Membership:
    membership = Membership.objects.filter(account=account, user=actor, active=True).first()
    if membership is None or not membership.is_admin:
        raise Forbidden(f"Only admins of this account can {what}.", "admin_only")
    return membership
