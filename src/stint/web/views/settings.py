"""Settings / API tokens, My Account and Profile."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from stint.accounts import selectors, services
from stint.core.errors import StintError
from stint.web.access import MemberRequest, admin_required, member_required
from stint.web.forms import ProfileForm, TokenForm, show_error
from stint.web.views import billing


@member_required
def settings_index(request: MemberRequest) -> HttpResponse:
    return redirect("users" if request.membership.is_admin else "tokens")


# --- API tokens: everyone, their own tokens in the current account ---


@member_required
def tokens(request: MemberRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                account=request.account, user=request.user, label=form.cleaned_data["label"]
            )
        except StintError as exc:
            show_error(form, exc)
        else:
            # Deliberately not POST-redirect-GET: the secret lives only in this one answer (never in the session or
            # anywhere else), so no reload or back button can show it again.
            response = render(request, "web/token_created.html", {"token": token, "secret": secret})
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "web/tokens.html",
        {
            "form": form,
            "tokens": selectors.api_tokens(account=request.account, user=request.user),
        },
    )


@member_required
def token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    token = selectors.api_tokens(account=request.account, user=request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404("There is no such token.")
    if request.method == "POST":
        services.api_token_revoke(account=request.account, user=request.user, token_id=token.pk)
        messages.success(request, f"The token “{token.label}” was revoked; it no longer works.")
        return redirect("tokens")
    return render(
        request,
        "web/confirm.html",
        {
            "title": f"Revoke the token “{token.label}”?",
            "points": [
                f"Programs using {token.prefix}… stop being able to reach Stint at once.",
                "This cannot be undone; create a new token if you need one again.",
            ],
            "button": "Revoke token",
            "cancel": reverse("tokens"),
        },
    )


# --- My Account (admins) ---


@admin_required
def account(request: MemberRequest) -> HttpResponse:
    """The subscription, its documents and the event log; the billing forms post to stint.web.views.billing_actions."""
    return billing.account_page(request)


# --- Profile: everyone ---


@member_required
def profile(request: MemberRequest) -> HttpResponse:
    user = request.user
    initial = {"name": user.name, "timezone": user.timezone, "week_start": user.week_start}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_profile_update(user=user, **form.cleaned_data)
        except StintError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "Your profile was saved.")
            return redirect("profile")
    return render(request, "web/profile.html", {"form": form})
