"""`stint demo`: a demo account to log into, seeded once."""

from __future__ import annotations

from stint.accounts.models import User
from stint.accounts.services import account_signup, named_user_add

DEMO_EMAIL = "demo@stint.localhost"
DEMO_PASSWORD = "stint-demo-2026"  # noqa: S105 -- printed on purpose: a demo login anyone may use


def demo_seed() -> tuple[str, str, bool]:
    if User.objects.filter(email=DEMO_EMAIL).exists():
        return DEMO_EMAIL, DEMO_PASSWORD, False
    account, owner = account_signup(
        account_name="Demo Company", name="Dana Demo", email=DEMO_EMAIL, password=DEMO_PASSWORD
    )
    for email, name, role in [
        ("morgan@stint.localhost", "Morgan Manager", "manager"),
        ("mel@stint.localhost", "Mel Member", "member"),
    ]:
        named_user_add(account=account, actor=owner, email=email, name=name, role=role)
    return DEMO_EMAIL, DEMO_PASSWORD, True
