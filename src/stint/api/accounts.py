"""API.md "Accounts and users": sign-up, tokens, me, named users, ownership, the event log (+ teams)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from stint.accounts import selectors, services
from stint.accounts.models import Account, ApiToken, Membership, Team
from stint.api.auth import ApiRequest, require_admin
from stint.api.schemas import errors
from stint.billing.services.seats import named_user_license_set
from stint.core.errors import Forbidden
from stint.core.http import client_ip
from stint.core.pagination import paginate
from stint.notifications.selectors import account_events, email_statuses

router = Router(tags=["Accounts and users"])

RoleName = Literal["admin", "manager", "member"]


# --- schemas ---


class AccountRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    email: str
    name: str


class SignupIn(Schema):
    account_name: str = Field(description="The company or team name.")
    name: str = Field(description="Your name.")
    email: str
    password: str = Field(description="At least 10 characters, not a common password.")


class SignupOut(Schema):
    account: AccountRef
    user: UserRef
    token: str = Field(description="An API token for the new owner; shown only once.")


class TokenIn(Schema):
    email: str
    password: str
    label: str = Field(description="What the token is for, e.g. 'CLI on my laptop'.")
    account_id: int | None = Field(None, description="Which of your accounts; default: the first you joined.")


class TokenCreated(Schema):
    id: int
    token: str = Field(description="The secret; shown only once, stored only as a hash.")
    label: str
    account_id: int


class TokenOut(Schema):
    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenPage(Schema):
    items: list[TokenOut]
    next_cursor: str | None


class MeUser(Schema):
    id: int
    email: str
    name: str
    timezone: str
    week_start: int


class MeAccount(Schema):
    id: int
    name: str
    edition: str
    owner_id: int


class MeOut(Schema):
    user: MeUser
    account: MeAccount
    role: RoleName
    accounts: list[AccountRef] = Field(description="Every account this login belongs to.")


class MePatch(Schema):
    name: str | None = None
    timezone: str | None = Field(None, description="An IANA time zone, e.g. Europe/Berlin.")
    week_start: int | None = Field(None, description="0 Monday, 5 Saturday, 6 Sunday.")


class UserOut(Schema):
    id: int
    email: str
    name: str
    role: RoleName
    active: bool
    licensed: bool = Field(
        description="May track time. Always true except on Free, where only as many named users as Free allows are "
        "licensed (the owner chooses who); the others keep their records."
    )
    invitation_pending: bool
    added_at: datetime
    deactivated_at: datetime | None

    @staticmethod
    def of(membership: Membership) -> dict:
        return {
            "id": membership.user_id,
            "email": membership.user.email,
            "name": membership.user.name,
            "role": membership.role,
            "active": membership.active,
            "licensed": membership.licensed,
            "invitation_pending": membership.invitation_pending,
            "added_at": membership.added_at,
            "deactivated_at": membership.deactivated_at,
        }


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class UserIn(Schema):
    email: str
    name: str
    role: RoleName = "member"


class UserPatch(Schema):
    name: str | None = None
    role: RoleName | None = None
    licensed: bool | None = Field(None, description="On Free: whether this person may track (owner and admins).")


class OwnerIn(Schema):
    user_id: int


class EventOut(Schema):
    id: int
    type: str
    created_at: datetime
    summary: str
    email_status: Literal["pending", "sent", "failed", "none"]


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


class TeamOut(Schema):
    id: int
    name: str
    member_ids: list[int]

    @staticmethod
    def of(team: Team) -> dict:
        return {"id": team.pk, "name": team.name, "member_ids": sorted(m.user_id for m in team.members.all())}


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


class TeamIn(Schema):
    name: str
    member_ids: list[int] = []


class TeamPatch(Schema):
    name: str | None = None
    member_ids: list[int] | None = None


def _account_out(account: Account) -> dict:
    return {"id": account.pk, "name": account.name, "edition": account.edition, "owner_id": account.owner_id}


# --- sign-up and tokens (no token needed) ---


@router.post("/signup", auth=None, response={201: SignupOut, **errors(400, 403, 409, 422, 429)})
def signup(request: HttpRequest, payload: SignupIn):
    """Create an account with you as its owner; answers an API token. On-prem: only the first-run set-up."""
    account, user = services.account_signup(
        account_name=payload.account_name,
        name=payload.name,
        email=payload.email,
        password=payload.password,
        ip=client_ip(request),
    )
    _, secret = services.api_token_create(account=account, user=user, label="Sign-up")
    return Status(
        201,
        {
            "account": {"id": account.pk, "name": account.name},
            "user": {"id": user.pk, "email": user.email, "name": user.name},
            "token": secret,
        },
    )


@router.post("/tokens", auth=None, response={201: TokenCreated, **errors(400, 401, 403, 404, 422, 429)})
def token_create(request: HttpRequest, payload: TokenIn):
    """Exchange email and password for an API token (failed attempts are throttled)."""
    user = services.login_check(email=payload.email, password=payload.password, ip=client_ip(request))
    if payload.account_id is None:
        account = selectors.user_default_account(user=user)
    else:
        account = selectors.user_accounts(user=user).filter(pk=payload.account_id).first()
    if account is None:
        raise Forbidden("This login is not an active user of that account.", "not_a_member")
    token, secret = services.api_token_create(account=account, user=user, label=payload.label)
    return Status(201, {"id": token.pk, "token": secret, "label": token.label, "account_id": account.pk})


@router.get("/tokens", response={200: TokenPage, **errors(400, 401)})
def token_list(request: ApiRequest, limit: int | None = None, cursor: str | None = None):
    """Your tokens in this account, newest first (secrets are never shown again)."""
    rows, next_cursor = paginate(
        selectors.api_tokens(account=request.account, user=request.user),
        limit=limit,
        cursor=cursor,
        newest_first=True,
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.delete("/tokens/{token_id}", response={204: None, **errors(400, 401, 404)})
def token_revoke(request: ApiRequest, token_id: int):
    """Revoke one of your tokens; it stops working at once."""
    services.api_token_revoke(account=request.account, user=request.user, token_id=token_id)
    return Status(204, None)


# --- me ---


@router.get("/me", response={200: MeOut, **errors(401)})
def me(request: ApiRequest):
    membership: Membership = request.membership
    return {
        "user": membership.user,
        "account": _account_out(request.account),
        "role": membership.role,
        "accounts": list(selectors.user_accounts(user=membership.user)),
    }


@router.patch("/me", response={200: MeOut, **errors(400, 401, 422)})
def me_update(request: ApiRequest, payload: MePatch):
    """Your name, time zone and first day of the week."""
    services.user_profile_update(user=request.membership.user, **payload.dict(exclude_unset=True))
    return me(request)


# --- named users ---


@router.get("/users", response={200: UserPage, **errors(400, 401)})
def user_list(request: ApiRequest, limit: int | None = None, cursor: str | None = None):
    """Every named user of the account, deactivated ones included (`active: false`)."""
    rows, next_cursor = paginate(selectors.memberships(account=request.account), limit=limit, cursor=cursor)
    return {"items": [UserOut.of(m) for m in rows], "next_cursor": next_cursor}


@router.post("/users", response={201: UserOut, **errors(400, 401, 402, 403, 409, 422)})
def user_add(request: ApiRequest, payload: UserIn):
    """Add a named user (admins): takes a seat at once and emails an invitation. A deactivated one is reactivated."""
    membership = services.named_user_add(
        account=request.account, actor=request.user, email=payload.email, name=payload.name, role=payload.role
    )
    return Status(201, UserOut.of(membership))


@router.get("/users/{user_id}", response={200: UserOut, **errors(400, 401, 404)})
def user_get(request: ApiRequest, user_id: int):
    return UserOut.of(selectors.membership_get(account=request.account, user_id=user_id))


@router.patch("/users/{user_id}", response={200: UserOut, **errors(400, 401, 402, 403, 404, 409, 422)})
def user_update(request: ApiRequest, user_id: int, payload: UserPatch):
    """Change a role (admins) or a name (yourself; admins too, unless the person uses their login in other
    accounts, where the name is theirs to change: 403 `name_owned_by_user`)."""
    membership = selectors.membership_get(account=request.account, user_id=user_id)
    changes = payload.dict(exclude_unset=True)
    licensed = changes.pop("licensed", None)
    if changes:
        membership = services.named_user_update(
            account=request.account, actor=request.user, membership=membership, **changes
        )
    if licensed is not None:
        membership = named_user_license_set(
            account=request.account, actor=request.user, membership=membership, licensed=licensed
        )
    return UserOut.of(membership)


@router.delete("/users/{user_id}", response={204: None, **errors(400, 401, 403, 404, 409)})
def user_deactivate(request: ApiRequest, user_id: int):
    """Deactivate (admins): keeps their records, frees the seat, revokes their tokens for this account."""
    membership = selectors.membership_get(account=request.account, user_id=user_id)
    services.named_user_deactivate(account=request.account, actor=request.user, membership=membership)
    return Status(204, None)


@router.post("/users/{user_id}/invitation", response={200: UserOut, **errors(400, 401, 403, 404, 409)})
def user_invitation_resend(request: ApiRequest, user_id: int):
    """Email a new invitation link to a named user who has not accepted yet (admins); the old link stops working.
    Links are valid for 14 days."""
    membership = selectors.membership_get(account=request.account, user_id=user_id)
    services.invitation_resend(account=request.account, actor=request.user, membership=membership)
    return UserOut.of(membership)


# --- the account ---


@router.get("/account", response={200: MeAccount, **errors(401)})
def account_get(request: ApiRequest):
    return _account_out(request.account)


@router.post("/account/owner", response={200: MeAccount, **errors(400, 401, 403, 404, 422)})
def owner_transfer(request: ApiRequest, payload: OwnerIn):
    """Transfer ownership (owner only). The new owner becomes an admin; both old and new owner are emailed."""
    membership = selectors.membership_get(account=request.account, user_id=payload.user_id)
    account = services.ownership_transfer(account=request.account, actor=request.user, membership=membership)
    return _account_out(account)


@router.get("/account/events", response={200: EventPage, **errors(400, 401, 403)})
def event_list(request: ApiRequest, limit: int | None = None, cursor: str | None = None):
    """The account's event log, newest first (admins). `email_status` tells whether the owner's email went out."""
    require_admin(request)
    rows, next_cursor = paginate(account_events(account=request.account), limit=limit, cursor=cursor, newest_first=True)
    statuses = email_statuses(events=rows)
    items = [
        {"id": e.pk, "type": e.type, "created_at": e.created_at, "summary": e.summary, "email_status": statuses[e.pk]}
        for e in rows
    ]
    return {"items": items, "next_cursor": next_cursor}


# --- teams ---


@router.get("/teams", response={200: TeamPage, **errors(400, 401)}, tags=["Teams"])
def team_list(request: ApiRequest, limit: int | None = None, cursor: str | None = None):
    rows, next_cursor = paginate(selectors.teams(account=request.account), limit=limit, cursor=cursor)
    return {"items": [TeamOut.of(t) for t in rows], "next_cursor": next_cursor}


@router.post("/teams", response={201: TeamOut, **errors(400, 401, 403, 409, 422)}, tags=["Teams"])
def team_create(request: ApiRequest, payload: TeamIn):
    team = services.team_create(
        account=request.account,
        actor=request.user,
        name=payload.name,
        member_ids=payload.member_ids,
    )
    return Status(201, TeamOut.of(selectors.team_get(account=request.account, team_id=team.pk)))


@router.get("/teams/{team_id}", response={200: TeamOut, **errors(400, 401, 404)}, tags=["Teams"])
def team_get(request: ApiRequest, team_id: int):
    return TeamOut.of(selectors.team_get(account=request.account, team_id=team_id))


@router.patch("/teams/{team_id}", response={200: TeamOut, **errors(400, 401, 403, 404, 409, 422)}, tags=["Teams"])
def team_update(request: ApiRequest, team_id: int, payload: TeamPatch):
    team = selectors.team_get(account=request.account, team_id=team_id)
    services.team_update(account=request.account, actor=request.user, team=team, **payload.dict(exclude_unset=True))
    return TeamOut.of(selectors.team_get(account=request.account, team_id=team_id))


@router.delete("/teams/{team_id}", response={204: None, **errors(400, 401, 403, 404)}, tags=["Teams"])
def team_delete(request: ApiRequest, team_id: int):
    team = selectors.team_get(account=request.account, team_id=team_id)
    services.team_delete(account=request.account, actor=request.user, team=team)
    return Status(204, None)


__all__ = ["ApiToken", "HttpResponse", "router"]
