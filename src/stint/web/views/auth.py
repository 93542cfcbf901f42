"""Sign-up, log in, log out, password reset and invitations: the pages seen before (or while) entering an account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from stint.accounts import services
from stint.accounts.middleware import SESSION_ACCOUNT_KEY
from stint.accounts.models import Account, User
from stint.core.errors import NotFound, StintError
from stint.core.http import client_ip
from stint.web.forms import (
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    OutboxPasswordResetForm,
    SignupForm,
    show_error,
)

BACKEND = "stint.accounts.auth.EmailBackend"


def _enter(request: HttpRequest, user: User, account: Account | None = None) -> None:
    """Log in and, when given, open this account (login() keeps the session data of an anonymous visitor)."""
    login(request, user, backend=BACKEND)
    if account is not None:
        request.session[SESSION_ACCOUNT_KEY] = account.pk


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def signup(request: HttpRequest) -> HttpResponse:
    if not services.signup_allowed():
        return render(request, "web/signup_closed.html", status=403)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account, user = services.account_signup(**form.cleaned_data, ip=client_ip(request))
        except StintError as exc:
            show_error(form, exc)
        else:
            _enter(request, user, account)
            messages.success(request, f"Welcome to Stint! {account.name} is ready, and your 30-day trial has begun.")
            return redirect("home")
    return render(request, "web/signup.html", {"form": form})


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request, next_url))
    form = LoginForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except StintError as exc:
            form.add_error(None, exc.detail)
        else:
            _enter(request, user)
            return redirect(_safe_next(request, next_url))
    return render(request, "web/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("login")


# --- password reset: Django's views and token; our templates, and the email goes through the outbox ---


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "web/password_reset.html"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        services.login_failures_forget(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"


# --- invitations ---


def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """A person without a login chooses a name and password here; one with a login accepts, then logs in."""
    try:
        membership = services.invitation_lookup(secret=secret)
    except NotFound:
        return _invitation_invalid(request)
    invited = membership.user
    needs_password = not invited.has_usable_password()
    form = InvitationForm(request.POST or None, initial={"name": invited.name}) if needs_password else None
    if request.method == "POST" and (form is None or form.is_valid()):
        fields = form.cleaned_data if form is not None else {}
        try:
            accepted = services.invitation_accept(secret=secret, **fields)
        except NotFound:  # accepted or withdrawn meanwhile
            return _invitation_invalid(request)
        except StintError as exc:
            if form is None:
                raise
            show_error(form, exc)
        else:
            return _after_acceptance(request, accepted.user, accepted.account, chose_password=needs_password)
    signed_in_as_other = request.user.is_authenticated and request.user.pk != invited.pk
    return render(
        request,
        "web/invitation.html",
        {
            "membership": membership,
            "form": form,
            "signed_in_as_other": signed_in_as_other,
        },
    )


def _invitation_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "web/invitation_invalid.html", status=404)


def _after_acceptance(request: HttpRequest, invited: User, account: Account, *, chose_password: bool) -> HttpResponse:
    welcome = f"Welcome to {account.name}!"
    if chose_password or request.user.pk == invited.pk:
        # The password was just chosen here (the link proved the email), or this is already their session.
        _enter(request, invited, account)
        messages.success(request, welcome)
        return redirect("home")
    if request.user.is_authenticated:
        logout(request)
    request.session[SESSION_ACCOUNT_KEY] = account.pk
    messages.success(request, f"{welcome} Log in as {invited.email} to start.")
    return redirect(f"{reverse('login')}?{urlencode({'email': invited.email})}")
