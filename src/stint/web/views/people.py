"""Settings / Users and Settings / Teams (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from stint.accounts import selectors, services
from stint.accounts.models import Membership, Role
from stint.billing.selectors import subscription_of
from stint.billing.services import seat_preview
from stint.billing.services.seats import named_user_license_set
from stint.core.errors import Forbidden, StintError
from stint.core.money import Money
from stint.web.access import MemberRequest, admin_required
from stint.web.confirm import confirm_page
from stint.web.forms import RoleForm, TeamForm, UserAddForm, show_error

# --- users ---


@admin_required
def users(request: MemberRequest) -> HttpResponse:
    form = UserAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.named_user_add(account=request.account, actor=request.user, **form.cleaned_data)
        except StintError as exc:
            show_error(form, exc)
        else:
            invited = " We emailed them an invitation." if added.invitation_pending else ""
            messages.success(request, f"{added.user.name} is now a named user ({added.role}).{invited}")
            return redirect("users")
    people = selectors.memberships(account=request.account).order_by("-active", "user__name", "pk")
    return render(
        request,
        "web/users.html",
        {
            "people": people,
            "form": form,
            "seat_count": sum(1 for m in people if m.active),
            "roles": Role.choices,
            "is_owner": request.account.owner_id == request.user.pk,
            "add_preview": _seat_preview_text(request, users_delta=1),
        },
    )


def _seat_preview_text(request: MemberRequest, *, users_delta: int) -> str:
    """What adding or removing one named user costs or credits now, in words (nothing outside a paid period)."""
    amount, currency, period_end = seat_preview(account=request.account, users_delta=users_delta)
    if period_end is None:
        return ""
    until = f"{period_end:%b %-d, %Y %H:%M} UTC"
    if amount > 0:
        if subscription_of(account=request.account).payment_method_type == "card":
            how = f"charges {Money(amount, currency).format()} to the card at once"
        else:
            how = f"adds an invoice of {Money(amount, currency).format()}, payable within 30 days"
        return f"Adding a user now {how}: their seat from now until the period ends on {until}, prorated to the second."
    if amount < 0:
        return (
            f"{Money(-amount, currency).format()} for the rest of the period (until {until}) is credited to your "
            "balance at once and applied to your next invoice."
        )
    return "This does not change what you pay in the current period."


@require_POST
@admin_required
def user_role(request: MemberRequest, user_id: int) -> HttpResponse:
    membership = selectors.membership_get(account=request.account, user_id=user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles: admin, manager or member.")
        return redirect("users")
    try:
        services.named_user_update(
            account=request.account, actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except StintError as exc:
        messages.error(request, f"{membership.user.name}: {exc.detail}")
    else:
        messages.success(request, f"{membership.user.name} is now {membership.role}.")
    return redirect("users")


@admin_required
def user_remove(request: MemberRequest, user_id: int) -> HttpResponse:
    membership = selectors.membership_get(account=request.account, user_id=user_id)
    if request.method == "POST":
        try:
            services.named_user_deactivate(account=request.account, actor=request.user, membership=membership)
        except StintError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"{membership.user.name} was removed; their seat is free again.")
        return redirect("users")
    return confirm_page(
        request,
        title=f"Remove {membership.user.name}?",
        points=[
            f"{membership.user.name} ({membership.user.email}) can no longer sign in to {request.account.name}, "
            "and their API tokens for it stop working.",
            "Their time records stay in the account.",
            "Their seat is freed. You can add them again later with the same email.",
            *filter(None, [_seat_preview_text(request, users_delta=-1)]),
        ],
        button="Remove user",
        cancel=reverse("users"),
    )


@require_POST
@admin_required
def user_license(request: MemberRequest, user_id: int) -> HttpResponse:
    """On Free, choose who may track (as many as Free allows; the owner always may)."""
    membership = selectors.membership_get(account=request.account, user_id=user_id)
    licensed = request.POST.get("licensed") == "1"
    try:
        named_user_license_set(account=request.account, actor=request.user, membership=membership, licensed=licensed)
    except StintError as exc:
        messages.error(request, f"{membership.user.name}: {exc.detail}")
    else:
        verb = "can track time again" if licensed else "can no longer track time (their records stay)"
        messages.success(request, f"{membership.user.name} {verb}.")
    return redirect("users")


@require_POST
@admin_required
def user_invitation(request: MemberRequest, user_id: int) -> HttpResponse:
    membership = selectors.membership_get(account=request.account, user_id=user_id)
    try:
        services.invitation_resend(account=request.account, actor=request.user, membership=membership)
    except StintError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, f"We emailed {membership.user.email} a new invitation link; the previous one no longer works."
        )
    return redirect("users")


@admin_required
def user_owner(request: MemberRequest, user_id: int) -> HttpResponse:
    membership = selectors.membership_get(account=request.account, user_id=user_id)
    if request.account.owner_id != request.user.pk:
        raise Forbidden("Only the account owner can transfer ownership.")
    if request.method == "POST":
        try:
            services.ownership_transfer(account=request.account, actor=request.user, membership=membership)
        except StintError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"{membership.user.name} now owns {request.account.name}.")
        return redirect("users")
    return confirm_page(
        request,
        title=f"Make {membership.user.name} the owner?",
        points=[
            f"{membership.user.name} becomes the owner of {request.account.name} (and an admin, if not one yet).",
            "From now on the owner's emails about every account event go to them, not to you.",
            "You stay an admin. Only the new owner can transfer ownership again.",
        ],
        button="Make owner",
        cancel=reverse("users"),
    )


# --- teams ---


def _people(request: MemberRequest) -> list[Membership]:
    return list(selectors.memberships(account=request.account, include_inactive=False).order_by("user__name"))


@admin_required
def teams(request: MemberRequest) -> HttpResponse:
    form = TeamForm(request.POST or None, people=_people(request))
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(account=request.account, actor=request.user, **form.cleaned_data)
        except StintError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"The team {team.name} was created.")
            return redirect("teams")
    return render(request, "web/teams.html", {"teams": selectors.teams(account=request.account), "form": form})


@admin_required
def team_edit(request: MemberRequest, team_id: int) -> HttpResponse:
    team = selectors.team_get(account=request.account, team_id=team_id)
    current = {"name": team.name, "member_ids": [m.user_id for m in team.members.all()]}
    form = TeamForm(request.POST or None, initial=current, people=_people(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(account=request.account, actor=request.user, team=team, **form.cleaned_data)
        except StintError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"The team {team.name} was saved.")
            return redirect("teams")
    return render(request, "web/team_edit.html", {"team": team, "form": form})


@admin_required
def team_delete(request: MemberRequest, team_id: int) -> HttpResponse:
    team = selectors.team_get(account=request.account, team_id=team_id)
    if request.method == "POST":
        services.team_delete(account=request.account, actor=request.user, team=team)
        messages.success(request, f"The team {team.name} was deleted.")
        return redirect("teams")
    return confirm_page(
        request,
        title=f"Delete the team {team.name}?",
        points=["The team goes away. Its members stay in the account, with their time records."],
        button="Delete team",
        cancel=reverse("team_edit", args=[team.pk]),
    )
