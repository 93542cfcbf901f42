"""My Account in Chromium with Stripe as the gateway: billing.js drives Stripe's card element and sends only the
payment method id Stripe answers.

Stripe.js itself comes from js.stripe.com, which tests never reach: Playwright answers that address with a small
stand-in that has Stripe.js's shape (`Stripe(key).elements().create("card")`, `mount`, `on("change")` with `brand`,
`createPaymentMethod` answering `{paymentMethod: {id}}` or `{error: {message}}`), and the charges go to the
Stripe-shaped local server of tests/billing/stripe/."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from stint.billing.models import Invoice, Subscription
from tests.billing.stripe.fake_stripe import FakeStripe
from tests.browser.tracking_helpers import log_in
from tests.conftest import Person

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# The test cards map to Stripe's test PaymentMethods as Stripe.js would create them from the typed number.
STRIPE_JS = """
window.Stripe = function (key) {
  if (!/^pk_test_/.test(key)) throw new Error("Stripe.js stand-in: a publishable key is expected");
  var input = null, handlers = [];
  var METHODS = {"4242424242424242": "pm_card_visa", "4000000000000002": "pm_card_chargeDeclined",
                 "6011111111111117": "pm_card_discover"};
  function brand(number) {
    if (/^4/.test(number)) return "visa";
    if (/^(6011|65)/.test(number)) return "discover";
    return "unknown";
  }
  return {
    elements: function () {
      return { create: function (type) {
        return {
          mount: function (element) {
            input = document.createElement("input");
            input.setAttribute("aria-label", "Card number, expiry and CVC");
            element.appendChild(input);
            input.addEventListener("input", function () {
              var number = input.value.replace(/\\s+/g, "");
              var event = {brand: brand(number), empty: !number, complete: number.length >= 15};
              handlers.forEach(function (fn) { fn(event); });
            });
          },
          on: function (name, fn) { if (name === "change") handlers.push(fn); },
          focus: function () { input.focus(); }
        };
      } };
    },
    createPaymentMethod: function (options) {
      var number = input.value.replace(/\\s+/g, "");
      var id = METHODS[number];
      return Promise.resolve(id ? {paymentMethod: {id: id, type: "card"}}
                                : {error: {type: "validation_error", message: "Your card number is invalid."}});
    }
  };
};
"""


@pytest.fixture(autouse=True)
def plans(transactional_db: None) -> None:
    seed = importlib.import_module("stint.billing.migrations.0002_seed_plans").seed
    seed(django_apps, None)


def stripe_js(page: Page) -> list[str]:
    loaded: list[str] = []

    def answer(route: Route) -> None:
        loaded.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=STRIPE_JS)

    page.route("https://js.stripe.com/**", answer)
    return loaded


def test_alice_buys_with_stripes_card_form(
    page: Page, live_server: LiveServer, alice: Person, fake_stripe: FakeStripe
) -> None:
    loaded = stripe_js(page)
    log_in(page, live_server.url, alice, "/settings/account/")
    assert loaded == ["https://js.stripe.com/v3/"]
    buy = page.get_by_role("region", name="Buy a subscription")
    buy.get_by_label("Regular, monthly").check()
    card = buy.get_by_label("Card number, expiry and CVC")

    # A brand we do not take is named as soon as it is typed, and the form is not sent.
    card.press_sequentially("6011 1111 1111 1117")
    expect(buy.locator("[data-card-brand]")).to_have_text("Not accepted")
    expect(buy.locator("[data-card-error='token']")).to_have_text(
        "We accept Visa, MasterCard and American Express cards only; please use one of those."
    )
    buy.get_by_role("button", name="Buy and pay now").click()
    expect(buy.locator("[data-card-error='token']")).to_be_visible()
    assert not [call for call in fake_stripe.requests if call.path.startswith("/v1/payment_methods")]

    # Declined by the bank when Stripe attaches it: the answer sits next to the card form; nothing is bought.
    card.fill("")
    card.press_sequentially("4000 0000 0000 0002")
    expect(buy.locator("[data-card-brand]")).to_have_text("Visa")
    buy.get_by_role("button", name="Buy and pay now").click()
    expect(page.locator("#id_token_error")).to_contain_text("declined")
    assert Subscription.objects.get(account=alice.account).status == "trialing"

    # A Visa card: bought, the payment method id went to our server, the charge to Stripe.
    buy = page.get_by_role("region", name="Buy a subscription")
    buy.get_by_label("Regular, monthly").check()
    buy.get_by_label("Card number, expiry and CVC").press_sequentially("4242 4242 4242 4242")
    buy.get_by_role("button", name="Buy and pay now").click()
    expect(page.get_by_text(re.compile(r"You bought Regular \(monthly\) for 1 named user\."))).to_be_visible()
    expect(page.get_by_test_id("payment-method")).to_contain_text("Visa •••• 4242")
    invoice = Invoice.objects.get(account=alice.account, status="paid")
    charges = [call for call in fake_stripe.requests if call.method == "POST" and call.path == "/v1/payment_intents"]
    assert [call.params["amount"] for call in charges] == [str(invoice.amount_due_minor)]
    assert not any("4242424242424242" in str(call.params) for call in fake_stripe.requests)
