from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from stint import __version__
from stint.accounts.selectors import user_accounts


def stint(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the current account and, for the switcher, the others of this login."""
    user = request.user

    def switchable_accounts() -> list[Any]:
        # Called by the template only when the navigation is drawn; never on the bare error pages.
        return list(user_accounts(user=user)) if user.is_authenticated else []

    return {
        "STINT_VERSION": __version__,
        "STINT_MODE": settings.STINT_MODE,
        "current_account": getattr(request, "account", None),
        "current_membership": getattr(request, "membership", None),
        "switchable_accounts": switchable_accounts,
    }
