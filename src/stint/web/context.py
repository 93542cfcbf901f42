from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

import stint


def stint(request: HttpRequest) -> dict[str, Any]:
    return {
        "STINT_VERSION": stint.__version__,
        "STINT_MODE": settings.STINT_MODE,
        "current_account": getattr(request, "account", None),
        "current_membership": getattr(request, "membership", None),
    }
