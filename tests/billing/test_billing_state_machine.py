"""The billing engine as a state machine: people added and removed, time passing (hours to 40 days, or to the
renewal instant), ticks, a card that starts failing and is fixed, bank transfer and sales recording transfers,
cancel and resume, refunds, plan and interval changes, purchases; after every step the books must hold.

Services bring a subscription up to date themselves (a renewal due but not ticked yet); where a rule works out what
to expect beforehand, it first does the same (`caught_up`), so the expectation is about the state the service acts
on. Adding and removing people do not, so that a service forgetting to catch up would show.

Each run of the machine happens inside a savepoint that is rolled back at its end (and a clock of its own), so runs
never see each other's rows and numbering starts at 1 every time. The billing tick logs and swallows a failure per
subscription (so one bad account cannot stop the others); the machine listens to that log and fails on it.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from stint.accounts.models import Account, Membership, User
from stint.accounts.selectors import active_user_count
from stint.accounts.services import account_signup, named_user_add, named_user_deactivate
from stint.billing.gateways import ChargeFailed
from stint.billing.models import (
    BalanceEntry,
    CreditNote,
    CreditNoteLine,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    Payment,
    SandboxCharge,
    SandboxRefund,
    Subscription,
)
from stint.billing.services import (
    billing_tick,
    subscription_cancel,
    subscription_change,
    subscription_purchase,
    subscription_refund,
    subscription_resume,
)
from stint.billing.services.collection import invoice_payment_record
from stint.billing.services.common import committed_round
from stint.billing.services.documents import invoice_outstanding
from stint.billing.services.lifecycle import subscription_catch_up
from stint.core import clock
from stint.core.clock import FrozenClock
from stint.core.errors import Conflict, Invalid, PaymentRequired
from stint.core.models import OutboxMessage
from stint.notifications.models import AccountEvent
from tests.billing.conftest import FAILS_LATER, START, VISA
from tests.conftest import PASSWORD

PURCHASE_REASONS = ("purchase", "plan_change", "renewal")
COUNTED = (
    Invoice,
    InvoiceLine,
    CreditNote,
    CreditNoteLine,
    BalanceEntry,
    Payment,
    SandboxCharge,
    SandboxRefund,
    AccountEvent,
    OutboxMessage,
    DocumentSequence,
    Membership,
)


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def world_snapshot() -> dict[str, Any]:
    """Everything a tick could touch: row counts, every subscription, account edition and invoice state."""
    return {
        "counts": {model.__name__: model.objects.count() for model in COUNTED},
        "subscriptions": list(Subscription.objects.order_by("pk").values()),
        "accounts": list(Account.objects.order_by("pk").values("pk", "edition", "trial_ends_at")),
        "invoices": list(Invoice.objects.order_by("pk").values()),
    }


def refundable(subscription: Subscription, now: datetime) -> bool:
    """DESIGN.md: within 30 days of a purchase invoice (first purchase, plan change or renewal) of this period."""
    if not subscription.is_paid or subscription.current_period_end is None:
        return False
    latest = (
        Invoice.objects.filter(
            subscription=subscription,
            period_end=subscription.current_period_end,
            billing_reason__in=PURCHASE_REASONS,
        )
        .exclude(status=Invoice.Status.VOID)
        .order_by("-issued_at")
        .first()
    )
    return latest is not None and now <= latest.issued_at + timedelta(days=30)


class Billing(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(START)
        self._clock = clock.using(self.clock)
        self._clock.__enter__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.tick_errors = _Recorder()
        logging.getLogger("stint.billing").addHandler(self.tick_errors)
        self.account, self.owner = account_signup(
            account_name="Machine", name="Olive Owner", email="olive@example.com", password=PASSWORD
        )
        self.sales = User.objects.create_user("sam@stint.example", None, name="Sam Sales", is_staff=True)
        self.people = 0
        # How the next purchase pays, or how the subscription pays: a card that works or whose charges fail, or
        # bank transfer (annual only; invoices stay open until sales records the payment).
        self.card_fails = False
        self.by_transfer = False

    def teardown(self) -> None:
        logging.getLogger("stint.billing").removeHandler(self.tick_errors)
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)
        self._clock.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------------------------------

    @property
    def subscription(self) -> Subscription:
        return Subscription.objects.get(account=self.account)

    def caught_up(self) -> Subscription:
        """The subscription as every service sees it: first brought up to date (a renewal or trial end that is due
        but that no tick has run yet). Expectations are worked out from this state."""
        subscription_catch_up(self.account)
        return self.subscription

    def card(self, *, fails: bool | None = None) -> dict[str, Any]:
        """The test card that works (or whose charges fail), valid for five more years: the clock runs for years."""
        card = FAILS_LATER if (self.card_fails if fails is None else fails) else VISA
        return {**card, "exp_year": self.clock.now().year + 5}

    def payment_method(self) -> dict[str, Any]:
        return {"type": "bank_transfer"} if self.by_transfer else self.card()

    def latest_invoice(self) -> Invoice | None:
        return Invoice.objects.filter(account=self.account).order_by("-pk").first()

    def members(self, *, active: bool) -> list[Membership]:
        return list(
            Membership.objects.filter(account=self.account, active=active)
            .exclude(user=self.owner)
            .select_related("user")
            .order_by("pk")
        )

    # --- rules --------------------------------------------------------------------------------------------------

    @initialize(
        buy=st.sampled_from([True, True, True, False]),
        interval=st.sampled_from(["month", "year"]),
        people=st.integers(min_value=0, max_value=3),
    )
    def start(self, buy: bool, interval: str, people: int) -> None:
        """The owner signed up on 31 January, adds a few people during the trial, and (mostly) buys Regular."""
        for _ in range(people):
            self.people += 1
            named_user_add(
                account=self.account, actor=self.owner, email=f"person{self.people}@example.com", name="Someone"
            )
        if buy:
            subscription_purchase(
                account=self.account, actor=self.owner, plan="regular", interval=interval, payment_method=self.card()
            )

    @rule(returning=st.booleans())
    def add_user(self, returning: bool) -> None:
        gone = self.members(active=False)
        if returning and gone:
            email, name = gone[0].user.email, gone[0].user.name
        else:
            self.people += 1
            email, name = f"person{self.people}@example.com", f"Person {self.people}"
        # No catching up first here: adding someone must bring the subscription up to date by itself.
        users = active_user_count(account=self.account)
        try:
            named_user_add(account=self.account, actor=self.owner, email=email, name=name)
        except PaymentRequired as refused:
            assert active_user_count(account=self.account) == users
            # A refusal rolls back the whole addition, including the catching up it began with (a renewal that
            # reverted a cancelled subscription to free, say); the next tick or service call does it again.
            after = self.caught_up()
            if refused.code == "edition_user_limit":
                assert after.edition == "free" and users >= 3
            else:
                # The seat's charge failed: the invoice is voided and nobody is added.
                assert after.is_paid and self.card_fails and not self.by_transfer, refused
                invoice = self.latest_invoice()
                assert invoice is not None
                assert (invoice.billing_reason, invoice.status) == ("seat_change", "void")
            return
        assert active_user_count(account=self.account) == users + 1

    @rule(which=st.integers(min_value=0, max_value=20))
    def remove_user(self, which: int) -> None:
        present = self.members(active=True)
        if not present:
            return
        named_user_deactivate(account=self.account, actor=self.owner, membership=present[which % len(present)])

    @rule(hours=st.integers(min_value=1, max_value=40 * 24), seconds=st.integers(min_value=0, max_value=3599))
    def advance_clock(self, hours: int, seconds: int) -> None:
        self.clock.advance(hours * 3600 + seconds)

    @rule()
    def advance_to_the_period_end(self) -> None:
        end = self.subscription.current_period_end
        if end is not None and end > self.clock.now():
            self.clock.set(end)

    @rule()
    def tick(self) -> None:
        billing_tick()
        once = world_snapshot()
        billing_tick()
        assert world_snapshot() == once, "a second billing tick right after the first changed something"
        subscription = self.subscription
        now = self.clock.now()
        if subscription.is_paid:
            assert subscription.current_period_end is not None and subscription.current_period_end > now
        for invoice in Invoice.objects.filter(account=self.account, status="open", first_failed_at__isnull=False):
            assert invoice.first_failed_at is not None and now < invoice.first_failed_at + timedelta(days=14)
            assert invoice.payment_attempts <= 4  # the first try and the retries after 1, 3 and 7 days
        for invoice in Invoice.objects.filter(
            account=self.account, status="open", payment_method__type="bank_transfer"
        ):
            # Unpaid 14 days after its due date, the account falls back to free and the invoice is voided.
            assert now < invoice.due_at + timedelta(days=14), f"{invoice.number} due {invoice.due_at} is still open"

    @rule()
    def make_the_card_fail(self) -> None:
        self._card_set(fails=True)

    @rule()
    def fix_the_card(self) -> None:
        self._card_set(fails=False)

    def _card_set(self, *, fails: bool) -> None:
        if not self.caught_up().is_paid:
            self.card_fails, self.by_transfer = fails, False  # the next purchase uses this card
            return
        before = Invoice.objects.count()
        subscription_change(account=self.account, actor=self.owner, payment_method=self.card(fails=fails))
        self.card_fails, self.by_transfer = fails, False
        assert Invoice.objects.count() == before, "changing only the payment method must not invoice anything"

    @rule()
    def pay_by_bank_transfer(self) -> None:
        subscription = self.caught_up()
        if not subscription.is_paid:
            self.by_transfer = True
            return
        before = Invoice.objects.count()
        try:
            subscription_change(account=self.account, actor=self.owner, payment_method={"type": "bank_transfer"})
        except Invalid as refused:
            assert (refused.code, subscription.interval) == ("payment_method_not_available", "month")
            return
        self.by_transfer = True
        assert Invoice.objects.count() == before, "changing only the payment method must not invoice anything"

    @rule(whole=st.booleans())
    def sales_records_a_transfer(self, whole: bool) -> None:
        """Sales marks (part of) the oldest open bank-transfer invoice paid, in the back-office."""
        invoice = (
            Invoice.objects.filter(account=self.account, status="open", payment_method__type="bank_transfer")
            .order_by("due_at", "pk")
            .first()
        )
        if invoice is None:
            return
        owed = invoice_outstanding(invoice)
        amount = owed if whole else max(1, owed // 2)
        invoice_payment_record(
            invoice_id=invoice.pk, amount_minor=amount, reference="BANK-REF", paid_at=self.clock.now(), actor=self.sales
        )
        invoice.refresh_from_db()
        assert invoice.status == ("paid" if amount == owed else "open")

    @precondition(lambda self: not self.subscription.is_paid)
    @rule(plan=st.sampled_from(["regular", "enterprise"]), interval=st.sampled_from(["month", "year"]))
    def purchase(self, plan: str, interval: str) -> None:
        self.caught_up()
        try:
            subscription_purchase(
                account=self.account,
                actor=self.owner,
                plan=plan,
                interval=interval,
                payment_method=self.payment_method(),
            )
        except Invalid as refused:
            assert (refused.code, self.by_transfer, interval) == ("payment_method_not_available", True, "month")
            return
        except ChargeFailed:
            assert self.card_fails and not self.by_transfer
            assert not self.subscription.is_paid
            invoice = self.latest_invoice()
            assert invoice is not None and (invoice.billing_reason, invoice.status) == ("purchase", "void")
            return
        subscription = self.subscription
        assert (subscription.status, subscription.plan.code, subscription.interval) == ("active", plan, interval)  # type: ignore[union-attr]

    @rule()
    def cancel(self) -> None:
        paid = self.caught_up().is_paid
        try:
            subscription_cancel(account=self.account, actor=self.owner)
        except Conflict as refused:
            assert not paid and refused.code == "no_subscription"
            return
        assert paid and self.subscription.cancel_at_period_end

    @rule()
    def resume(self) -> None:
        paid = self.caught_up().is_paid
        try:
            subscription_resume(account=self.account, actor=self.owner)
        except Conflict as refused:
            assert not paid and refused.code == "no_subscription"
            return
        assert paid and not self.subscription.cancel_at_period_end

    @rule()
    def refund(self) -> None:
        subscription = self.caught_up()
        expected = refundable(subscription, self.clock.now())
        period_end = subscription.current_period_end
        try:
            subscription_refund(account=self.account, actor=self.owner)
        except Conflict as refused:
            assert refused.code == "nothing_refundable"
            assert not expected, "a purchase invoice of this period is less than 30 days old"
            return
        assert expected and period_end is not None, "refunded although nothing was refundable"
        after = self.subscription
        assert (after.status, after.edition, after.seats) == ("free", "free", 0)
        for invoice in Invoice.objects.filter(account=self.account, period_end=period_end):
            refunded = sum(p.amount_minor for p in invoice.payments.filter(kind__in=["refund", "manual_refund"]))
            assert refunded <= invoice.amount_paid_minor
            if invoice.status != Invoice.Status.VOID:
                credited = sum(note.total_minor for note in invoice.credit_notes.all())
                assert credited == invoice.total_minor, f"{invoice.number} is not credited in full"

    @rule()
    def change_plan(self) -> None:
        subscription = self.caught_up()
        if not subscription.is_paid:
            return
        assert subscription.plan is not None
        other = "enterprise" if subscription.plan.code == "regular" else "regular"
        self._change(plan=other)

    @rule()
    def change_interval(self) -> None:
        subscription = self.caught_up()
        if not subscription.is_paid:
            return
        self._change(interval="year" if subscription.interval == "month" else "month")

    def _change(self, *, plan: str | None = None, interval: str | None = None) -> None:
        before = world_snapshot()
        try:
            subscription_change(account=self.account, actor=self.owner, plan=plan, interval=interval)
        except Invalid as refused:
            # Monthly is for cards only.
            assert (refused.code, self.by_transfer, interval) == (
                "payment_method_not_available",
                True,
                "month",
            )
            return
        except ChargeFailed:
            assert self.card_fails and not self.by_transfer
            after = world_snapshot()
            # Nothing of the change stays: only the payment.failed event (and its email) is new.
            assert after["subscriptions"] == before["subscriptions"] and after["invoices"] == before["invoices"]
            changed = Counter(after["counts"]) - Counter(before["counts"])
            assert set(changed) <= {"AccountEvent", "OutboxMessage"}, changed
            return
        subscription = self.subscription
        assert subscription.plan is not None
        assert (subscription.plan.code, subscription.interval) == (
            plan or subscription.plan.code,
            interval or subscription.interval,
        )

    # --- invariants ---------------------------------------------------------------------------------------------

    @invariant()
    def the_books_hold(self) -> None:
        """One invariant calling the checks (so a failing run's steps are not buried under ten invariant lines)."""
        self.the_tick_raised_nothing()
        self.the_balance_is_the_sum_of_its_ledger()
        self.one_renewal_invoice_per_period()
        self.numbers_are_unique_and_gapless_per_year()
        self.every_paid_seat_is_a_named_user()
        self.invoices_add_up()
        self.a_credit_never_exceeds_what_was_charged()
        self.the_current_period_comes_to_round_v()
        self.only_a_past_due_subscription_has_an_unpaid_card_invoice()

    def the_tick_raised_nothing(self) -> None:
        assert not self.tick_errors.records, [r.getMessage() + str(r.exc_info) for r in self.tick_errors.records]

    def the_balance_is_the_sum_of_its_ledger(self) -> None:
        ledger = BalanceEntry.objects.filter(account=self.account).aggregate(s=Sum("amount_minor"))["s"] or 0
        assert self.subscription.credit_balance_minor == ledger

    def one_renewal_invoice_per_period(self) -> None:
        starts = Invoice.objects.filter(billing_reason="renewal").values_list("subscription_id", "period_start")
        repeated = [key for key, times in Counter(starts).items() if times > 1]
        assert not repeated, repeated

    def numbers_are_unique_and_gapless_per_year(self) -> None:
        for model, series in ((Invoice, "INV"), (CreditNote, "CN")):
            by_year: dict[int, list[int]] = {}
            for number in model.objects.values_list("number", flat=True):
                prefix, year_text, serial = number.split("-")
                assert prefix == series and len(serial) == 6, number
                by_year.setdefault(int(year_text), []).append(int(serial))
            for year, serials in by_year.items():
                assert sorted(serials) == list(range(1, len(serials) + 1)), (series, year, sorted(serials))
                assert DocumentSequence.objects.get(series=series, year=year).last_number == len(serials)

    def every_paid_seat_is_a_named_user(self) -> None:
        subscription = self.subscription
        if subscription.is_paid:
            users = active_user_count(account=self.account)
            assert users <= subscription.seats, f"{users} active named users, {subscription.seats} seats paid"
            assert users == subscription.seats, f"{subscription.seats} seats paid for {users} named users"

    def invoices_add_up(self) -> None:
        for invoice in Invoice.objects.filter(account=self.account).annotate(lines_minor=Sum("lines__amount_minor")):
            assert invoice.total_minor == invoice.subtotal_minor + invoice.tax_minor
            assert invoice.amount_due_minor == invoice.total_minor - invoice.balance_applied_minor
            assert invoice.lines_minor == invoice.subtotal_minor, invoice.number

    def a_credit_never_exceeds_what_was_charged(self) -> None:
        """Credit notes against an invoice never exceed its total, and what they give back (to the balance or as a
        refund) never exceeds what the customer settled it with: card or transfer, balance, carried debit. A credit
        on a bill nobody paid may only lower that bill."""
        for invoice in Invoice.objects.filter(account=self.account).prefetch_related("credit_notes"):
            notes = list(invoice.credit_notes.all())
            credited = sum(note.total_minor for note in notes)
            assert credited <= invoice.total_minor, f"{invoice.number}: {credited} credited of {invoice.total_minor}"
            given_back = sum(note.credit_minor + note.refund_minor for note in notes)
            settled = invoice.amount_paid_minor + invoice.amount_carried_minor
            if invoice.status != Invoice.Status.VOID:  # a void invoice has its balance given back already
                # A debit carried in (negative) is part of what the payment covers, not of this invoice.
                settled = max(0, settled + invoice.balance_applied_minor)
            assert given_back <= settled, (
                f"{invoice.number} ({invoice.billing_reason}, {invoice.status}) was settled with {settled} but "
                f"{given_back} of it was given back by " + ", ".join(f"{n.number} ({n.reason})" for n in notes)
            )

    def the_current_period_comes_to_round_v(self) -> None:
        subscription = self.subscription
        if not subscription.is_paid:
            return
        start, end = subscription.current_period_start, subscription.current_period_end
        assert start is not None and end is not None
        invoices = Invoice.objects.filter(account=self.account, period_end=end, issued_at__gte=start).exclude(
            status=Invoice.Status.VOID
        )
        charged = InvoiceLine.objects.filter(invoice__in=invoices).aggregate(s=Sum("amount_minor"))["s"] or 0
        credited = (
            CreditNoteLine.objects.filter(credit_note__invoice__in=invoices).aggregate(s=Sum("amount_minor"))["s"] or 0
        )
        length = int((end - start).total_seconds())
        assert charged - credited == committed_round(subscription.committed_num, length)

    def only_a_past_due_subscription_has_an_unpaid_card_invoice(self) -> None:
        subscription = self.subscription
        unpaid = Invoice.objects.filter(account=self.account, status="open", payment_method__type="card")
        if subscription.status != Subscription.Status.PAST_DUE:
            assert not unpaid.exists(), (
                f"{subscription.status}, yet card invoice(s) "
                + ", ".join(f"{i.number} ({i.billing_reason})" for i in unpaid)
                + " stay open and are never retried"
            )


@pytest.mark.django_db
def test_the_books_hold_whatever_happens() -> None:
    run_state_machine_as_test(
        Billing,
        settings=settings(
            max_examples=30,
            stateful_step_count=40,
            deadline=None,
            # No shrinking: every step is real database work, and Hypothesis then spends its full five minutes
            # shrinking a failure. A failure prints the whole run of steps instead; the tests below replay each
            # defect the machine has found, in a few lines.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# --- what the machine found, one example each --------------------------------------------------------------------


def _past_due_with_bob(frozen: FrozenClock) -> tuple[Account, User, Membership, Invoice]:
    """Alice bought Regular monthly for herself and Bob on 31 January; her card fails from then on, so the renewal
    of 28 February is unpaid and the account past due."""
    account, alice = account_signup(account_name="A", name="Alice", email="alice@example.com", password=PASSWORD)
    bob = named_user_add(account=account, actor=alice, email="bob@example.com", name="Bob")
    subscription_purchase(account=account, actor=alice, plan="regular", interval="month", payment_method=VISA)
    subscription_change(account=account, actor=alice, payment_method=FAILS_LATER)
    frozen.set(datetime(2026, 2, 28, 9, 0, tzinfo=START.tzinfo))
    billing_tick()
    renewal = Invoice.objects.get(billing_reason="renewal")
    assert (renewal.status, renewal.total_minor, renewal.amount_paid_minor) == ("open", 1800, 0)
    assert Subscription.objects.get(account=account).status == "past_due"
    return account, alice, bob, renewal


@pytest.mark.django_db
def test_a_seat_removed_while_the_renewal_is_unpaid_leaves_no_credit_once_it_is_voided(frozen: FrozenClock) -> None:
    account, alice, bob, renewal = _past_due_with_bob(frozen)
    frozen.advance(2 * 86400)
    named_user_deactivate(account=account, actor=alice, membership=bob)
    frozen.advance(14 * 86400)
    billing_tick()
    renewal.refresh_from_db()
    subscription = Subscription.objects.get(account=account)
    assert (renewal.status, subscription.status) == ("void", "free")
    # Nothing of the period was ever paid, so nothing of it can be owed back.
    assert subscription.credit_balance_minor == 0, (
        f"credit balance {subscription.credit_balance_minor} from "
        + ", ".join(f"{n.number} against void {n.invoice.number}" for n in CreditNote.objects.select_related("invoice"))
    )


@pytest.mark.django_db
def test_an_interval_change_while_past_due_does_not_leave_the_unpaid_renewal_behind(frozen: FrozenClock) -> None:
    account, alice, _, renewal = _past_due_with_bob(frozen)
    frozen.advance(2 * 86400)
    subscription_change(account=account, actor=alice, payment_method=VISA)
    subscription_change(account=account, actor=alice, interval="year")
    renewal.refresh_from_db()
    subscription = Subscription.objects.get(account=account)
    assert subscription.status == "active"
    # The renewal is either collected (the card works again) or settled; an open invoice that no tick ever retries
    # or voids (dunning only looks at past-due subscriptions) is money nobody will ever ask for.
    assert renewal.status != "open", f"{renewal.number} stays open, next attempt {renewal.next_attempt_at}"
    frozen.advance(20 * 86400)
    billing_tick()
    renewal.refresh_from_db()
    assert renewal.status != "open"


@pytest.mark.django_db
def test_the_balance_given_back_by_a_voided_renewal_is_kept_when_the_account_falls_back_to_free(
    frozen: FrozenClock,
) -> None:
    account, alice, bob, _ = _past_due_with_bob(frozen)
    subscription_change(account=account, actor=alice, payment_method=VISA)  # the renewal is paid with it
    frozen.set(datetime(2026, 3, 15, 9, 0, tzinfo=START.tzinfo))
    billing_tick()
    assert Subscription.objects.get(account=account).status == "active"
    named_user_deactivate(account=account, actor=alice, membership=bob)  # 16 of 31 days left: 900 x 16/31 credited
    assert Subscription.objects.get(account=account).credit_balance_minor == 465
    subscription_change(account=account, actor=alice, payment_method=FAILS_LATER)
    frozen.set(datetime(2026, 3, 31, 9, 0, tzinfo=START.tzinfo))
    billing_tick()  # the renewal takes the 465 from the balance; the 435 left to charge fails
    renewal = Invoice.objects.filter(billing_reason="renewal").order_by("-pk").first()
    assert renewal is not None and (renewal.balance_applied_minor, renewal.status) == (465, "open")
    frozen.advance(14 * 86400)
    billing_tick()  # given up: the renewal is voided and its 465 go back to the balance; the account is free
    subscription = Subscription.objects.get(account=account)
    ledger = BalanceEntry.objects.filter(account=account).aggregate(s=Sum("amount_minor"))["s"]
    assert subscription.status == "free" and ledger == 465
    assert subscription.credit_balance_minor == ledger, "the returned balance was overwritten"


@pytest.mark.django_db
def test_a_plan_change_on_a_past_due_subscription_no_tick_has_looked_at_for_weeks_works(frozen: FrozenClock) -> None:
    """The worker was down: the renewal of 28 February failed and no tick has run since. On 9 April, with a card
    that works again, Alice moves to Enterprise: the change must apply to a period that is up to date."""
    account, alice, _, _ = _past_due_with_bob(frozen)
    subscription_change(account=account, actor=alice, payment_method=VISA)
    frozen.set(datetime(2026, 4, 9, 9, 0, tzinfo=START.tzinfo))
    subscription_change(account=account, actor=alice, plan="enterprise")
    subscription = Subscription.objects.get(account=account)
    assert subscription.plan is not None and subscription.plan.code == "enterprise"
    assert subscription.current_period_end is not None and subscription.current_period_end > frozen.now()


@pytest.mark.django_db
def test_a_subscription_past_due_for_more_than_14_days_is_free_even_before_a_tick_says_so(
    frozen: FrozenClock,
) -> None:
    """The worker was down: the renewal of 28 February failed and no tick has run since. On 9 April the account has
    been free for weeks (14 days after the first failure), so a plan change finds no subscription to change."""
    account, alice, _, _ = _past_due_with_bob(frozen)
    frozen.set(datetime(2026, 4, 9, 9, 0, tzinfo=START.tzinfo))
    with pytest.raises(Conflict) as refused:
        subscription_change(account=account, actor=alice, plan="enterprise")
    assert refused.value.code == "no_subscription"


@pytest.mark.django_db
def test_an_account_that_fell_back_to_free_just_before_its_renewal_is_not_left_owing_the_renewal(
    frozen: FrozenClock,
) -> None:
    """Alice pays her annual subscription by bank transfer. An invoice for a seat added in December is still unpaid
    14 days after its due date at 08:59:30 on 31 January, half a minute before the renewal instant. The worker's
    tick after that runs at 09:00:10: the account fell back to free before the renewal, so no renewal is owed."""
    account, alice = account_signup(account_name="A", name="Alice", email="alice@example.com", password=PASSWORD)
    _, purchase = subscription_purchase(
        account=account, actor=alice, plan="regular", interval="year", payment_method={"type": "bank_transfer"}
    )
    sales = User.objects.create_user("sam@stint.example", None, name="Sam Sales", is_staff=True)
    invoice_payment_record(
        invoice_id=purchase.pk, amount_minor=9000, reference="BANK-1", paid_at=frozen.now(), actor=sales
    )
    frozen.set(datetime(2026, 12, 18, 8, 59, 30, tzinfo=START.tzinfo))  # 30 + 14 days before 08:59:30 on 31 January
    named_user_add(account=account, actor=alice, email="bob@example.com", name="Bob")
    frozen.set(datetime(2027, 1, 31, 8, 59, 0, tzinfo=START.tzinfo))
    billing_tick()
    assert Subscription.objects.get(account=account).status == "active"
    frozen.set(datetime(2027, 1, 31, 9, 0, 10, tzinfo=START.tzinfo))
    billing_tick()
    subscription = Subscription.objects.get(account=account)
    assert subscription.status == "free"
    owed = Invoice.objects.filter(account=account, status="open")
    assert not owed.exists(), "free since 08:59:30, yet asked to pay " + ", ".join(
        f"{i.number} ({i.billing_reason}, {i.period_start:%Y-%m-%d %H:%M}..{i.period_end:%Y-%m-%d})" for i in owed
    )
