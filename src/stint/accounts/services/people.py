"""Named users: adding (a seat at once), invitations, roles, deactivation and ownership."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from stint.accounts.models import (
    Account,
    ApiToken,
    Membership,
    Role,
    User,
)
from stint.accounts.permissions import require_admin
from stint.accounts.selectors import active_user_count
from stint.accounts.tokens import hash_secret, new_secret
from stint.accounts.validation import (
    clean_email,
    clean_password,
    clean_role,
    clean_text,
)
from stint.billing.services import SeatChange, seat_add, seat_remove
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid, NotFound, PaymentRequired, StintError
from stint.core.outbox import email_enqueue
from stint.notifications.models import EventType
from stint.notifications.services import event_record

INVITATION_VALID_FOR = timedelta(days=14)


def _user_data(membership: Membership) -> dict[str, Any]:
    return {
        "subject_id": membership.user_id,
        "subject_name": membership.user.name,
        "subject_email": membership.user.email,
        "role": membership.role,
        "active_users": active_user_count(account=membership.account),
    }


def _send_invitation(*, membership: Membership, inviter: User) -> None:
    secret = new_secret("inv_")
    membership.invitation_token_hash = hash_secret(secret)
    membership.invited_at = clock.now()
    membership.save(update_fields=["invitation_token_hash", "invited_at"])
    context = {
        "name": membership.user.name,
        "inviter": inviter.name,
        "account": membership.account,
        "accept_url": f"{settings.BASE_URL}/invitations/{secret}/",
        "needs_password": not membership.user.has_usable_password(),
        "valid_days": INVITATION_VALID_FOR.days,
    }
    email_enqueue(
        to=membership.user.email,
        subject=f"{inviter.name} invited you to {membership.account.name} on Stint",
        text=render_to_string("emails/invitation.txt", context),
        html=render_to_string("emails/invitation.html", context),
        dedupe_key=f"invitation:{membership.pk}:{membership.invitation_token_hash[:16]}",
        account_id=membership.account_id,
        group=f"invitation:{membership.pk}",
        sensitive=True,
    )


def named_user_add(*, account: Account, actor: User, email: str, name: str, role: str | None = None) -> Membership:
    """Add a named user (it takes a seat at once) and invite them; re-adding a deactivated one reactivates them."""
    require_admin(account=account, actor=actor)
    email = clean_email(email)
    role_value = clean_role(role)
    now = clock.now()
    seat_failure: StintError | None = None
    with transaction.atomic():
        # One seat change at a time per account: the lock serialises the count and the insert.
        account = Account.objects.select_for_update().get(pk=account.pk)
        user = User.objects.filter(email=email).first()
        membership = Membership.objects.filter(account=account, user=user).first() if user else None
        if membership is not None and membership.active:
            raise Conflict(f"{email} is already a named user of this account.", "already_a_user", field="email")
        who = user.name if user else clean_text(name, field="name", label="a name", max_length=150)
        seat = seat_add(account=account, actor=actor, who=f"{who} <{email}>")
        if seat.failure is not None:
            # The charge failed: its invoice is voided (committed with this transaction) and nobody is added.
            seat_failure = seat.failure
            membership = None
        else:
            membership = _named_user_enable(
                account=account,
                actor=actor,
                user=user,
                email=email,
                name=name,
                role=role_value,
                membership=membership,
                now=now,
                seat=seat,
            )
    if seat_failure is not None:
        raise PaymentRequired(
            f"{email} was not added because the charge for the seat failed: {seat_failure.detail} Update the "
            "payment method in Settings / My Account and try again.",
            seat_failure.code,
        )
    assert membership is not None
    return membership


def _named_user_enable(
    *,
    account: Account,
    actor: User,
    user: User | None,
    email: str,
    name: str,
    role: str,
    membership: Membership | None,
    now: datetime,
    seat: SeatChange,
) -> Membership:
    role_value = role
    if user is None:
        user = User.objects.create_user(
            email, None, name=clean_text(name, field="name", label="a name", max_length=150)
        )
    if membership is None:
        membership = Membership.objects.create(
            account=account, user=user, role=role_value, added_at=now, added_by=actor
        )
        verb = "added"
    else:
        membership.active = True
        membership.licensed = True  # the seat check above made room (in Free, a license)
        membership.role = role_value
        membership.deactivated_at = None
        membership.save(update_fields=["active", "licensed", "role", "deactivated_at"])
        verb = "reactivated"
    if membership.accepted_at is None:
        _send_invitation(membership=membership, inviter=actor)
    event_record(
        account=account,
        type=EventType.USER_ADDED,
        actor=actor,
        summary=f"{actor.name} {verb} {user.name} <{user.email}> as {role_value}.{seat.summary()}",
        data=_user_data(membership) | {"amount_minor": seat.amount_minor, "currency": seat.currency},
    )
    return membership


def _uses_other_accounts(membership: Membership) -> bool:
    return Membership.objects.filter(user_id=membership.user_id).exclude(account_id=membership.account_id).exists()


def named_user_update(
    *, account: Account, actor: User, membership: Membership, name: str | None = None, role: str | None = None
) -> Membership:
    is_self = membership.user_id == actor.pk
    if role is not None or not is_self:
        require_admin(account=account, actor=actor)
    # Everything is checked before anything is saved: a refused change leaves the user as they were.
    new_name = None if name is None else clean_text(name, field="name", label="a name", max_length=150)
    if new_name is not None and not is_self and _uses_other_accounts(membership):
        # The name belongs to the person's login, which they also use elsewhere: only they may change it.
        raise Forbidden(
            f"{membership.user.name} also uses this login in other Stint accounts, so only they can change "
            "their name (in Settings / Profile).",
            "name_owned_by_user",
        )
    if role is not None:
        new_role = clean_role(role)
        if membership.user_id == account.owner_id and new_role != Role.ADMIN:
            raise Invalid(
                "The account owner is always an admin. Transfer ownership first.", "owner_must_be_admin", field="role"
            )
        membership.role = new_role
        membership.save(update_fields=["role"])
    if new_name is not None:
        membership.user.name = new_name
        membership.user.save(update_fields=["name"])
    return membership


def named_user_deactivate(*, account: Account, actor: User, membership: Membership) -> Membership:
    """The person can no longer sign in to this account; their records stay; the seat is freed."""
    require_admin(account=account, actor=actor)
    with transaction.atomic():
        # The owner is checked under the lock, so an ownership transfer running at the same time cannot slip by.
        account = Account.objects.select_for_update().get(pk=account.pk)
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if membership.user_id == account.owner_id:
            raise Conflict(
                "The account owner cannot be removed. Transfer ownership to someone else first.",
                "owner_cannot_be_removed",
            )
        if not membership.active:
            raise Conflict(f"{membership.user.email} is already deactivated.", "user_inactive")
        now = clock.now()
        membership.active = False
        membership.deactivated_at = now
        membership.save(update_fields=["active", "deactivated_at"])
        ApiToken.objects.filter(account=account, user=membership.user, revoked_at__isnull=True).update(revoked_at=now)
        membership.account = account
        seat = seat_remove(account=account, actor=actor, who=f"{membership.user.name} <{membership.user.email}>")
        event_record(
            account=account,
            type=EventType.USER_REMOVED,
            actor=actor,
            summary=f"{actor.name} removed {membership.user.name} <{membership.user.email}>.{seat.summary()}",
            data=_user_data(membership) | {"amount_minor": seat.amount_minor, "currency": seat.currency},
        )
    return membership


def ownership_transfer(*, account: Account, actor: User, membership: Membership, by_staff: bool = False) -> Account:
    """The owner hands the account to another active admin-to-be; our staff may do it when a customer asks by mail
    (`by_staff`)."""
    with transaction.atomic():
        # Checked under the lock: a transfer or removal running at the same time must not slip past them.
        account = Account.objects.select_for_update().select_related("owner").get(pk=account.pk)
        membership = Membership.objects.select_related("user").get(pk=membership.pk)
        if by_staff and not actor.is_staff:
            raise Forbidden("Only our staff can change an account's owner for a customer.", "staff_only")
        if not by_staff and account.owner_id != actor.pk:
            raise Forbidden("Only the account owner can transfer ownership.", "owner_only")
        if membership.user_id == account.owner_id:
            raise Invalid("This person already owns the account.", "already_owner", field="user_id")
        if not membership.active:
            raise Invalid("Ownership can only go to an active user of the account.", "user_inactive", field="user_id")
        if membership.invitation_pending:
            raise Invalid(
                f"{membership.user.name} has not accepted the invitation yet; ownership can go to them once they have.",
                "invitation_pending",
                field="user_id",
            )
        old_owner = account.owner
        new_owner = membership.user
        membership.role = Role.ADMIN
        membership.save(update_fields=["role"])
        account.owner = new_owner
        account.save(update_fields=["owner"])
        event_record(
            account=account,
            type=EventType.OWNER_CHANGED,
            actor=actor,
            summary=(
                f"{actor.name} (Stint staff) made {new_owner.name} the owner of {account.name} instead of "
                f"{old_owner.name}, as the customer asked."
                if by_staff
                else f"{old_owner.name} transferred ownership of {account.name} to {new_owner.name}."
            ),
            data={
                "old_owner_id": old_owner.pk,
                "new_owner_id": new_owner.pk,
                "new_owner_name": new_owner.name,
                "new_owner_email": new_owner.email,
            },
            recipients=[old_owner, new_owner],
        )
    return account


def invitation_lookup(*, secret: str) -> Membership:
    membership = (
        Membership.objects.filter(invitation_token_hash=hash_secret(secret), active=True, accepted_at__isnull=True)
        .select_related("account", "user")
        .first()
    )
    if membership is None:
        raise NotFound(
            "This invitation link is not valid any more (already used, replaced by a newer one, or the person was "
            "removed). Ask an admin of the account to send you a new invitation.",
            "invitation_invalid",
        )
    if membership.invited_at is not None and clock.now() - membership.invited_at > INVITATION_VALID_FOR:
        raise NotFound(
            f"This invitation expired after {INVITATION_VALID_FOR.days} days. Ask an admin of "
            f"{membership.account.name} to send you a new one.",
            "invitation_expired",
        )
    return membership


def invitation_resend(*, account: Account, actor: User, membership: Membership) -> Membership:
    """A fresh invitation link (the old one stops working), for a named user who has not accepted yet."""
    require_admin(account=account, actor=actor)
    if not membership.active:
        raise Conflict(f"{membership.user.email} is deactivated; add them again instead.", "user_inactive")
    if not membership.invitation_pending:
        raise Conflict(f"{membership.user.name} has already accepted the invitation.", "invitation_accepted")
    with transaction.atomic():
        _send_invitation(membership=membership, inviter=actor)
    return membership


def invitation_accept(*, secret: str, name: str | None = None, password: str | None = None) -> Membership:
    """Accept; a person without a login yet chooses their name and password here."""
    membership = invitation_lookup(secret=secret)
    user = membership.user
    with transaction.atomic():
        if not user.has_usable_password():
            user.name = clean_text(name or user.name, field="name", label="your name", max_length=150)
            clean_password(password or "", user=user)
            user.set_password(password)
            user.save(update_fields=["name", "password"])
        membership.accepted_at = clock.now()
        membership.invitation_token_hash = ""
        membership.save(update_fields=["accepted_at", "invitation_token_hash"])
    return membership


def account_buyer_update(
    *, account: Account, actor: User, legal_name: str, address: str, country: str, vat_id: str
) -> Account:
    """The buyer printed on the account's next invoices and credit notes (issued ones keep theirs)."""
    require_admin(account=account, actor=actor, what="change the billing details")
    legal_name = (
        clean_text(legal_name, field="legal_name", label="a legal name", max_length=200) if legal_name.strip() else ""
    )
    address = address.strip()
    if len(address) > 500:
        raise Invalid("The address can be at most 500 characters long.", "address_too_long", field="address")
    country = country.strip().upper()
    if country and (len(country) != 2 or not country.isalpha() or not country.isascii()):
        raise Invalid("Enter the country as its two-letter code, e.g. DE or US.", "country_invalid", field="country")
    vat_id = "".join(vat_id.split()).upper()
    if vat_id and (len(vat_id) > 30 or not vat_id.isalnum() or not vat_id.isascii()):
        raise Invalid("A VAT ID has letters and digits only, e.g. DE123456789.", "vat_id_invalid", field="vat_id")
    if vat_id and not country:
        raise Invalid("Enter the country that issued the VAT ID.", "country_missing", field="country")
    Account.objects.filter(pk=account.pk).update(legal_name=legal_name, address=address, country=country, vat_id=vat_id)
    account.refresh_from_db()
    return account
