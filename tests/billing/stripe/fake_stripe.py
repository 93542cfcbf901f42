"""A local HTTP server that answers like Stripe's API for the endpoints the gateway uses, so tests never reach the
real network. Its answers are built from the recorded shapes in `fixtures/` (Stripe's documented objects) and it
keeps the state a real account would: customers, payment methods, PaymentIntents, refunds, idempotency keys.

It behaves like Stripe where the gateway depends on it:
- the test tokens and PaymentMethods (`tok_visa`, `pm_card_visa`, `tok_chargeDeclined`, ...) and their brands;
- a card declined when attached (`tok_chargeDeclined`, `..InsufficientFunds`), or saved but failing every charge
  (`tok_chargeCustomerFail`); `decline_next_charge()` declines the next charge with a given decline code;
- a POST with an `Idempotency-Key` seen before is answered with the first answer (`Idempotent-Replayed: true`), or
  with an `idempotency_error` when its parameters differ;
- `lose_answers(n)` processes the next n POSTs but drops the connection before answering (the answer lost on the
  way back), `outage()` drops every request unanswered.
Every request is recorded (method, path, decoded form parameters, headers) for the tests to read.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
SECRET_KEY = "sk_test_stint_fake_0123456789"
CREATED = 1_790_000_000  # a fixed "created" for every object: tests compare shapes, not clocks


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    attach_decline: str = ""  # the decline code when the card is attached to a customer
    charge_decline: str = ""  # the decline code of every charge


TEST_CARDS = {
    "visa": TestCard("visa", "4242"),
    "mastercard": TestCard("mastercard", "4444"),
    "amex": TestCard("amex", "0005"),
    "discover": TestCard("discover", "1117"),
    "jcb": TestCard("jcb", "0000"),
    "chargeDeclined": TestCard("visa", "0002", attach_decline="generic_decline"),
    "chargeDeclinedInsufficientFunds": TestCard("visa", "9995", attach_decline="insufficient_funds"),
    "chargeCustomerFail": TestCard("visa", "0341", charge_decline="generic_decline"),
}
DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "expired_card": "Your card has expired.",
}


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class StripeError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.answer = Answer(status, body)


def _error(name: str, status: int, **changes: Any) -> StripeError:
    body = fixture(name)
    body["error"].update(changes)
    return StripeError(status, body)


def _missing(kind: str, ident: str, param: str) -> StripeError:
    return _error("error_resource_missing", 400, message=f"No such {kind}: '{ident}'", param=param)


class FakeStripe:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                parts = urlsplit(self.path)
                params = dict(parse_qsl(body if method == "POST" else parts.query, keep_blank_values=True))
                headers = {name.lower(): value for name, value in self.headers.items()}
                answer = fake.handle(Recorded(method, unquote(parts.path), params, headers))
                if answer is None:  # the answer is lost on the way back
                    self.close_connection = True
                    return
                data = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{next(fake._ids):06d}")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- test controls ---------------------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._ids = itertools.count(1)
            self.requests: list[Recorded] = []
            self.customers: dict[str, dict[str, Any]] = {}
            self.methods: dict[str, dict[str, Any]] = {}
            self.method_cards: dict[str, TestCard] = {}
            self.intents: dict[str, dict[str, Any]] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
            self.refunded: dict[str, int] = {}  # per PaymentIntent
            self.idempotent: dict[str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], Answer]] = {}
            self._declines: list[str] = []
            self._lose = 0
            self._down = False

    def decline_next_charge(self, decline_code: str) -> None:
        with self._lock:
            self._declines.append(decline_code)

    def lose_answers(self, count: int) -> None:
        with self._lock:
            self._lose = count

    def outage(self, down: bool = True) -> None:
        with self._lock:
            self._down = down

    def posts(self, path_prefix: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path.startswith(path_prefix)]

    def intent_created(self, intent: dict[str, Any]) -> None:
        """Keep an intent made outside the API (a test's webhook scenario)."""
        with self._lock:
            self.intents[intent["id"]] = intent

    # --- the API ---------------------------------------------------------------------------------------------

    def handle(self, request: Recorded) -> Answer | None:
        with self._lock:
            self.requests.append(request)
            if self._down:
                return None
            if request.headers.get("authorization") != f"Bearer {SECRET_KEY}":
                return Answer(401, fixture("error_authentication"))
            key = request.idempotency_key if request.method == "POST" else None
            fingerprint = (request.method, request.path, tuple(sorted(request.params.items())))
            if key and key in self.idempotent:
                first, answer = self.idempotent[key]
                if first != fingerprint:
                    return _error("error_idempotency", 400).answer
                replay = copy.deepcopy(answer)
                replay.headers["Idempotent-Replayed"] = "true"
                return self._maybe_lost(replay)
            try:
                answer = self._route(request)
            except StripeError as error:
                answer = error.answer
            if key:
                self.idempotent[key] = (fingerprint, copy.deepcopy(answer))
            return self._maybe_lost(answer)

    def _maybe_lost(self, answer: Answer) -> Answer | None:
        if self._lose > 0:
            self._lose -= 1
            return None
        return answer

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):08d}"

    def _route(self, request: Recorded) -> Answer:
        method, path, params = request.method, request.path, request.params
        if (method, path) == ("POST", "/v1/customers"):
            return Answer(200, self._customer_create(params))
        if (method, path) == ("GET", "/v1/customers/search"):
            return Answer(200, self._customer_search(params))
        if (method, path) == ("POST", "/v1/payment_methods"):
            return Answer(200, self._method_from_token(params))
        if match := re.fullmatch(r"/v1/payment_methods/([^/]+)", path):
            return Answer(200, self._method(match[1]))
        if method == "POST" and (match := re.fullmatch(r"/v1/payment_methods/([^/]+)/attach", path)):
            return Answer(200, self._method_attach(match[1], params))
        if (method, path) == ("POST", "/v1/payment_intents"):
            return Answer(200, self._intent_create(params))
        if (method, path) == ("POST", "/v1/refunds"):
            return Answer(200, self._refund_create(params))
        unknown = {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method} {path})."}
        return Answer(404, {"error": unknown})

    def _customer_create(self, params: dict[str, str]) -> dict[str, Any]:
        customer = fixture("customer")
        customer.update(
            id=self._new_id("cus"),
            created=CREATED,
            name=params.get("name"),
            email=params.get("email"),
            description=params.get("description"),
            metadata=_nested(params, "metadata"),
        )
        self.customers[customer["id"]] = customer
        return customer

    def _customer_search(self, params: dict[str, str]) -> dict[str, Any]:
        match = re.fullmatch(r"metadata\['(\w+)'\]:'([^']*)'", params.get("query", ""))
        result = fixture("search_result")
        if match:
            result["data"] = [c for c in self.customers.values() if c["metadata"].get(match[1]) == match[2]]
        return result

    def _method_new(self, card: TestCard, ident: str | None = None) -> dict[str, Any]:
        method = fixture("payment_method")
        method["id"] = ident or self._new_id("pm")
        method["created"] = CREATED
        method["card"].update(brand=card.brand, display_brand=card.brand, last4=card.last4, exp_month=12, exp_year=2034)
        method["card"]["networks"]["available"] = [card.brand]
        self.methods[method["id"]] = method
        self.method_cards[method["id"]] = card
        return method

    def _method_from_token(self, params: dict[str, str]) -> dict[str, Any]:
        token = params.get("card[token]", "")
        card = TEST_CARDS.get(token.removeprefix("tok_")) if token.startswith("tok_") else None
        if params.get("type") != "card" or card is None:
            raise _missing("token", token, "card[token]")
        return self._method_new(card)

    def _method(self, ident: str) -> dict[str, Any]:
        if ident not in self.methods:
            card = TEST_CARDS.get(ident.removeprefix("pm_card_")) if ident.startswith("pm_card_") else None
            if card is None:
                raise _missing("PaymentMethod", ident, "payment_method")
            # Stripe's test PaymentMethods are cloned into a fresh id for each use.
            return self._method_new(card)
        return self.methods[ident]

    def _method_attach(self, ident: str, params: dict[str, str]) -> dict[str, Any]:
        method = self._method(ident)
        customer = params.get("customer", "")
        if customer not in self.customers:
            raise _missing("customer", customer, "customer")
        decline = self.method_cards[method["id"]].attach_decline
        if decline:
            raise _error(f"error_{'insufficient_funds' if decline == 'insufficient_funds' else 'card_declined'}", 402)
        method["customer"] = customer
        return method

    def _intent_create(self, params: dict[str, str]) -> dict[str, Any]:
        method_id, customer = params.get("payment_method", ""), params.get("customer", "")
        method = self.methods.get(method_id)
        if method is None:
            raise _missing("PaymentMethod", method_id, "payment_method")
        if customer not in self.customers or method["customer"] != customer:
            raise _error(
                "error_resource_missing",
                400,
                message=f"The provided PaymentMethod {method_id} does not belong to customer {customer}.",
                param="payment_method",
                code="payment_method_invalid_parameter",
            )
        amount = int(params["amount"])
        base = dict(
            amount=amount,
            currency=params["currency"],
            customer=customer,
            created=CREATED,
            description=params.get("description"),
            metadata=_nested(params, "metadata"),
            client_secret=None,
        )
        decline = self._declines.pop(0) if self._declines else self.method_cards[method_id].charge_decline
        charge = self._new_id("ch")
        if decline:
            intent = fixture("payment_intent_requires_payment_method")
            intent.update(base, id=self._new_id("pi"), latest_charge=charge)
            intent["last_payment_error"].update(
                charge=charge, decline_code=decline, message=DECLINE_MESSAGES.get(decline, "Your card was declined."),
                payment_method=method,
            )  # fmt: skip
            self.intents[intent["id"]] = intent
            error = _error(
                "error_insufficient_funds" if decline == "insufficient_funds" else "error_card_declined",
                402,
                charge=charge,
                decline_code=decline,
                message=intent["last_payment_error"]["message"],
                payment_intent=intent,
                payment_method=method,
            )
            raise error
        intent = fixture("payment_intent_succeeded")
        intent.update(base, id=self._new_id("pi"), amount_received=amount, payment_method=method_id)
        intent["latest_charge"] = charge
        self.intents[intent["id"]] = intent
        return intent

    def _refund_create(self, params: dict[str, str]) -> dict[str, Any]:
        ident = params.get("payment_intent", "")
        intent = self.intents.get(ident)
        if intent is None or intent["status"] != "succeeded":
            raise _missing("payment_intent", ident, "payment_intent")
        left = intent["amount"] - self.refunded.get(ident, 0)
        amount = int(params.get("amount") or left)
        if left <= 0:
            raise _error("error_charge_already_refunded", 400)
        if amount > left:
            raise _error(
                "error_charge_already_refunded",
                400,
                code="amount_too_large",
                message=f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            )
        self.refunded[ident] = self.refunded.get(ident, 0) + amount
        refund = fixture("refund")
        refund.update(
            id=self._new_id("re"),
            amount=amount,
            currency=intent["currency"],
            charge=intent["latest_charge"],
            payment_intent=ident,
            created=CREATED,
            metadata=_nested(params, "metadata"),
        )
        self.refunds[refund["id"]] = refund
        return refund


def _nested(params: dict[str, str], name: str) -> dict[str, str]:
    """`metadata[key]=value` form fields as a dict."""
    prefix = f"{name}["
    return {key[len(prefix) : -1]: value for key, value in params.items() if key.startswith(prefix)}
