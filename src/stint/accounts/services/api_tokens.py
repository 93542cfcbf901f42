"""API tokens: handed out once, stored as a hash, revocable, with the time they were last used."""

from __future__ import annotations

from datetime import timedelta

from stint.accounts.models import (
    Account,
    ApiToken,
    Membership,
    User,
)
from stint.accounts.tokens import hash_secret, new_secret
from stint.accounts.validation import (
    clean_text,
)
from stint.core import clock
from stint.core.errors import Forbidden, NotFound


def api_token_create(*, account: Account, user: User, label: str) -> tuple[ApiToken, str]:
    """A new token; the secret is answered once and never stored."""
    label = clean_text(label, field="label", label="a label (what the token is for)", max_length=100)
    if not Membership.objects.filter(account=account, user=user, active=True, accepted_at__isnull=False).exists():
        raise Forbidden("You are not an active user of this account.", "not_a_member")
    secret = new_secret()
    token = ApiToken.objects.create(
        account=account,
        user=user,
        label=label,
        prefix=secret[:12],
        token_hash=hash_secret(secret),
        created_at=clock.now(),
    )
    return token, secret


def api_token_revoke(*, account: Account, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(account=account, user=user, pk=token_id).first()
    if token is None:
        raise NotFound("There is no such token.", "token_not_found")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token behind this secret, its user still an active named user; records when it was last used."""
    token = (
        ApiToken.objects.filter(token_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True)
        .select_related("account", "account__owner", "user")
        .first()
    )
    if token is None:
        return None
    if not Membership.objects.filter(
        account_id=token.account_id, user_id=token.user_id, active=True, accepted_at__isnull=False
    ).exists():
        return None
    now = clock.now()
    # Written at most once a minute per token, so a busy client does not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The person was seen in the token's account too (at the same cadence, so no extra write per request).
        Membership.objects.filter(account_id=token.account_id, user_id=token.user_id).update(last_seen_at=now)
        token.last_used_at = now
    return token
