from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from stint import __version__
from stint.accounts.selectors import user_accounts
from stint.tracking import selectors as tracking_selectors


def stint(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the current account and, for the switcher, the others of this login."""
    user = request.user

    def switchable_accounts() -> list[Any]:
        # Called by the template only when the navigation is drawn; never on the bare error pages.
        return list(user_accounts(user=user)) if user.is_authenticated else []

    def tracker() -> dict[str, Any]:
        # The tracker bar's contents, built only when a signed-in page draws the bar.
        membership = getattr(request, "membership", None)
        if membership is None:
            return {}
        account = membership.account
        return {
            "timer": tracking_selectors.running_timer(account=account, membership=membership),
            "recent": tracking_selectors.recent_work_items(account=account, membership=membership),
            "activity_types": list(tracking_selectors.activity_types(account=account).order_by("name")),
        }

    def license_warning() -> str:
        # On-prem, for the account's admins: the license is about to expire, in its grace, or not valid.
        membership = getattr(request, "membership", None)
        if settings.STINT_MODE != "onprem" or membership is None or not membership.is_admin:
            return ""
        from stint.licensing.onprem import license_warning_text

        return license_warning_text()

    return {
        "STINT_VERSION": __version__,
        "license_warning": license_warning,
        "STINT_MODE": settings.STINT_MODE,
        "current_account": getattr(request, "account", None),
        "current_membership": getattr(request, "membership", None),
        "switchable_accounts": switchable_accounts,
        "tracker": tracker,
    }
