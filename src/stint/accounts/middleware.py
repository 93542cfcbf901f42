from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.http import HttpRequest, HttpResponse

from stint.accounts.models import Membership
from stint.core import clock

SESSION_ACCOUNT_KEY = "stint_account_id"
# When a person was last seen in an account (who stays licensed when an account falls back to Free): written at
# most this often, so pages are not writes.
SEEN_RESOLUTION = timedelta(minutes=10)


def membership_seen(membership: Membership) -> None:
    now = clock.now()
    if membership.last_seen_at is None or now - membership.last_seen_at >= SEEN_RESOLUTION:
        Membership.objects.filter(pk=membership.pk).update(last_seen_at=now)
        membership.last_seen_at = now


class CurrentAccountMiddleware:
    """For signed-in pages: `request.account` and `request.membership`, the account chosen in the switcher."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.account = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        if request.user.is_authenticated and not request.path.startswith("/api/"):
            # Pending invitations give no access until accepted (selectors.user_accounts says why).
            active = Membership.objects.filter(
                user=request.user, active=True, accepted_at__isnull=False
            ).select_related("account", "user")
            chosen = request.session.get(SESSION_ACCOUNT_KEY)
            membership = (active.filter(account_id=chosen).first() if chosen else None) or active.order_by(
                "added_at", "pk"
            ).first()
            if membership is not None:
                if chosen != membership.account_id:  # written only when it changes: no session write per page
                    request.session[SESSION_ACCOUNT_KEY] = membership.account_id
                request.account = membership.account  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
                membership_seen(membership)
        return self.get_response(request)
