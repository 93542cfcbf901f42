"""Writes for accounts, named users, roles, teams, tokens and log-ins, one module per subject."""

from stint.accounts.services.api_tokens import api_token_authenticate, api_token_create, api_token_revoke
from stint.accounts.services.people import (
    INVITATION_VALID_FOR,
    account_buyer_update,
    invitation_accept,
    invitation_lookup,
    invitation_resend,
    named_user_add,
    named_user_deactivate,
    named_user_update,
    ownership_transfer,
)
from stint.accounts.services.signup import (
    TRIAL_DAYS,
    account_signup,
    login_check,
    login_failures_forget,
    signup_allowed,
    user_profile_update,
)
from stint.accounts.services.teams import team_create, team_delete, team_update

__all__ = [
    "INVITATION_VALID_FOR",
    "TRIAL_DAYS",
    "account_buyer_update",
    "account_signup",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "invitation_accept",
    "invitation_lookup",
    "invitation_resend",
    "login_check",
    "login_failures_forget",
    "named_user_add",
    "named_user_deactivate",
    "named_user_update",
    "ownership_transfer",
    "signup_allowed",
    "team_create",
    "team_delete",
    "team_update",
    "user_profile_update",
]
