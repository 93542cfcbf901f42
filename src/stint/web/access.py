"""Who may open a page: signed in, a member of the current account, an admin of it.

The decorators hand the view a request whose `user`, `account` and `membership` are known to be set (see
CurrentAccountMiddleware), render every page in the user's time zone, and turn the domain's NotFound and
Forbidden into the 404 and 403 pages, so views only catch the errors they show next to a field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from stint.accounts.models import Account, Membership, User
from stint.core.errors import Forbidden, NotFound

P = ParamSpec("P")


class MemberRequest(HttpRequest):
    """A request from a signed-in user with an active membership in the account chosen in the switcher."""

    user: User
    account: Account
    membership: Membership


MemberView = Callable[Concatenate[MemberRequest, P], HttpResponseBase]
PlainView = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def forbidden(request: HttpRequest, detail: str) -> HttpResponse:
    return render(request, "web/403.html", {"detail": detail}, status=403)


def member_required(view: MemberView[P]) -> PlainView[P]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "membership", None) is None:
            return render(request, "web/no_account.html", status=403)
        member = cast(MemberRequest, request)
        try:
            with timezone.override(member.user.tz):
                return view(member, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        except Forbidden as exc:
            return forbidden(request, exc.detail)

    return wrapper


def admin_required(view: MemberView[P]) -> PlainView[P]:
    @wraps(view)
    def check_admin(request: MemberRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not request.membership.is_admin:
            return forbidden(request, "Only admins of this account can open this page.")
        return view(request, *args, **kwargs)

    return member_required(check_admin)
