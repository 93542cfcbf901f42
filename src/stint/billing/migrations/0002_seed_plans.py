"""Seed the plans and prices of DESIGN.md (staff edit them afterwards) and give every existing account its
subscription, in the state its edition says."""

import secrets

from django.db import migrations

PLANS = [
    # code, name, edition, max_users, max_visible_time_records, position, prices (interval, minor units)
    ("free", "Free", "free", 3, 300, 0, []),
    ("regular", "Regular", "regular", None, None, 1, [("month", 900), ("year", 9000)]),
    ("enterprise", "Enterprise", "enterprise", None, None, 2, [("month", 1500), ("year", 15000)]),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Price = apps.get_model("billing", "Price")
    for code, name, edition, max_users, max_visible, position, prices in PLANS:
        plan, _ = Plan.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "edition": edition,
                "max_users": max_users,
                "max_visible_time_records": max_visible,
                "position": position,
            },
        )
        for interval, amount in prices:
            Price.objects.get_or_create(
                plan=plan, interval=interval, currency="USD", defaults={"unit_amount_minor": amount}
            )
    Account = apps.get_model("accounts", "Account")
    Subscription = apps.get_model("billing", "Subscription")
    free = Plan.objects.get(code="free")
    for account in Account.objects.filter(subscription__isnull=True):
        is_trial = account.edition == "trial"
        Subscription.objects.create(
            account=account,
            subscription_key="sk_" + secrets.token_urlsafe(24),
            edition=account.edition if account.edition in ("trial", "free") else "free",
            status="trialing" if is_trial else "free",
            plan=None if is_trial else free,
            trial_ends_at=account.trial_ends_at,
            created_at=account.created_at,
            updated_at=account.created_at,
        )
        if account.edition not in ("trial", "free"):
            # Nothing was ever bought before the billing engine existed: such an account starts on free.
            account.edition = "free"
            account.save(update_fields=["edition"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
