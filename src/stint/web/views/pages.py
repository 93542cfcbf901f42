"""Home, the account switcher, and the error pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from stint.accounts.middleware import SESSION_ACCOUNT_KEY
from stint.accounts.selectors import user_accounts
from stint.core import clock
from stint.web.access import MemberRequest, member_required
from stint.web.forms import SwitchAccountForm


@member_required
def home(request: MemberRequest) -> HttpResponse:
    account = request.account
    trial_days_left = None
    if account.edition == "trial" and account.trial_ends_at is not None:
        trial_days_left = max(0, (account.trial_ends_at - clock.now()).days)
    return render(request, "web/home.html", {"trial_days_left": trial_days_left})


@require_POST
@member_required
def switch_account(request: MemberRequest) -> HttpResponse:
    form = SwitchAccountForm(request.POST)
    mine = user_accounts(user=request.user)
    chosen = mine.filter(pk=form.cleaned_data["account_id"]).first() if form.is_valid() else None
    if chosen is None:
        raise Http404("You are not an active user of that account.")
    request.session[SESSION_ACCOUNT_KEY] = chosen.pk
    messages.success(request, f"You are now working in {chosen.name}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target)


# The error pages render without the request: no context processors, so no database query can fail again.


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("web/404.html"), status=404)


def server_error(request: HttpRequest, error_id: str | None = None) -> HttpResponse:
    return HttpResponse(loader.render_to_string("web/500.html", {"error_id": error_id}), status=500)
