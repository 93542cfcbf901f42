"""The pages' forms. They only check shape (present, not too long); the services own the rules and their
errors are placed next to the field they name with `show_error`."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.template.loader import render_to_string
from django.urls import reverse

from stint.accounts.models import Membership, Role, User
from stint.core import clock
from stint.core.errors import StintError
from stint.core.models import OutboxMessage
from stint.core.outbox import email_enqueue


def show_error(form: forms.Form, exc: StintError) -> None:
    """Put a service's error next to the field it names, or above the form when it names none of ours."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.detail)


def _required(message: str) -> dict[str, str]:
    return {"required": message}


RESET_EMAILS_PER_HOUR = 3


class SignupForm(forms.Form):
    account_name = forms.CharField(
        label="Account name",
        max_length=150,
        help_text="Your company or team, as your colleagues know it.",
        error_messages=_required("Please enter an account name."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    name = forms.CharField(
        label="Your name",
        max_length=150,
        error_messages=_required("Please enter your name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        label="Email",
        max_length=254,
        error_messages=_required("Please enter an email address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 10 characters, not a common password.",
        error_messages=_required("Please choose a password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class LoginForm(forms.Form):
    email = forms.CharField(
        label="Email",
        max_length=254,
        error_messages=_required("Please enter your email address."),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages=_required("Please enter your password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class InvitationForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=150,
        error_messages=_required("Please enter your name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 10 characters, not a common password.",
        error_messages=_required("Please choose a password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the outbox: written now, sent by the worker."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user: User = context["user"]
        token: str = context["token"]
        # At most a few reset emails per person an hour: the form must not become a way to flood a mailbox.
        recent = OutboxMessage.objects.filter(
            group="password-reset",
            dedupe_key__startswith=f"password-reset:{user.pk}:",
            created_at__gte=clock.now() - timedelta(hours=1),
        )
        if recent.count() >= RESET_EMAILS_PER_HOUR:
            return
        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": token})
        email_context = {"user": user, "reset_url": settings.BASE_URL + path}
        email_enqueue(
            to=to_email,
            subject="Reset your Stint password",
            text=render_to_string("emails/password_reset.txt", email_context),
            html=render_to_string("emails/password_reset.html", email_context),
            dedupe_key=f"password-reset:{user.pk}:{token}",
            account_id=None,
            group="password-reset",
            sensitive=True,
        )


class NewPasswordForm(SetPasswordForm):
    """Django's form (with the configured password validators), with our wording."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = "At least 10 characters, not a common password."
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = ""


class UserAddForm(forms.Form):
    email = forms.CharField(
        label="Email",
        max_length=254,
        error_messages=_required("Please enter their email address."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(
        label="Name",
        max_length=150,
        error_messages=_required("Please enter their name."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100, error_messages=_required("Please enter a team name."))
    member_ids = forms.TypedMultipleChoiceField(
        label="Members", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, people: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(m.user_id, f"{m.user.name} ({m.user.email})") for m in people]


class TokenForm(forms.Form):
    label = forms.CharField(
        label="Label",
        max_length=100,
        help_text="What the token is for, e.g. “CLI on my laptop” or “Payroll export”.",
        error_messages=_required("Please enter a label, so you can tell your tokens apart later."),
    )


def _timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"UTC"})
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


class ProfileForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150, error_messages=_required("Please enter your name."))
    timezone = forms.ChoiceField(
        label="Time zone", choices=_timezone_choices, help_text="Times everywhere in Stint are shown in this zone."
    )
    week_start = forms.TypedChoiceField(label="Weeks start on", coerce=int, choices=User.WeekStart.choices)


class SwitchAccountForm(forms.Form):
    account_id = forms.IntegerField()
