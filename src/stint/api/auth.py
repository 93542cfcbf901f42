from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from ninja.security import HttpBearer

from stint.accounts.models import Account, ApiToken, Membership, User
from stint.accounts.services import api_token_authenticate
from stint.core.errors import Forbidden


class ApiRequest(HttpRequest):
    """A request TokenAuth let in: who calls, in which account, with which role."""

    user: User
    account: Account
    membership: Membership


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: sets request.user, request.account and request.membership."""

    openapi_description = "An API token from POST /api/v1/tokens or Settings / API tokens."

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(secret=token)
        if found is None:
            return None
        request.user = found.user
        request.account = found.account  # type: ignore[attr-defined]
        # Read when first used, like request.user: api_token_authenticate has checked that it exists and is active,
        # and endpoints that never look at it (a batch of records) save a query.
        request.membership = SimpleLazyObject(  # type: ignore[attr-defined]
            lambda: Membership.objects.select_related("user").get(account_id=found.account_id, user_id=found.user_id)
        )
        return found


def require_admin(request: ApiRequest) -> None:
    if not request.membership.is_admin:
        raise Forbidden("Only admins of this account can do this.", "admin_only")
