"""Settings, read from the environment (see README "Operator notes").

Every knob is an environment variable so that the same code runs under `make run`, in CI, in our cloud and on a
customer's own server without edits.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("STINT_DEBUG")
STINT_MODE = os.environ.get("STINT_MODE", "cloud").strip().lower()
if STINT_MODE not in {"cloud", "onprem"}:
    raise RuntimeError(f"STINT_MODE must be 'cloud' or 'onprem', not {STINT_MODE!r}.")

DATA_DIR = Path(os.environ.get("STINT_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured key, or one generated once into the data folder and kept there."""
    configured = os.environ.get("STINT_SECRET_KEY", "").strip()
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        # O_EXCL: when two processes start at once, the first one's key wins and the other reads it.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("STINT_ALLOWED_HOSTS", "*" if DEBUG else "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("STINT_CSRF_TRUSTED_ORIGINS", "")
BASE_URL = os.environ.get("STINT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # django-ninja as an app: its Swagger UI assets are served by us, not fetched from a CDN.
    "ninja",
    "stint.core",
    "stint.accounts",
    "stint.notifications",
    "stint.tracking",
    "stint.billing",
    "stint.licensing",
    "stint.support",
    "stint.api",
    "stint.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "stint.core.middleware.TestClockMiddleware",  # reads the test clock, only with STINT_TEST_CLOCK=1
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stint.accounts.middleware.CurrentAccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stint.support.errors.ErrorIdMiddleware",  # an error id for every unexpected error of a view (support)
]

ROOT_URLCONF = "stint.urls"
WSGI_APPLICATION = "stint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stint.web.context.stint",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{DATA_DIR / 'stint.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so that the web
        # processes and the worker queue up behind the busy timeout instead of failing on a lock upgrade.
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    else:
        config.setdefault("OPTIONS", {})
        config["CONN_HEALTH_CHECKS"] = True
    test_name = os.environ.get("STINT_TEST_DB_NAME")
    if test_name:
        config["TEST"] = {"NAME": test_name}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not memory: the worker runs in its own process in tests too, and sees what the test wrote.
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["stint.accounts.auth.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Failed log-ins per email address (and per client address) within the window before further attempts are refused.
STINT_LOGIN_MAX_FAILURES = int(os.environ.get("STINT_LOGIN_MAX_FAILURES", "5"))
STINT_LOGIN_WINDOW_S = int(os.environ.get("STINT_LOGIN_WINDOW_S", "900"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Assets are served by the app itself (on-prem servers may have no internet); finders avoid a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = DATA_DIR / "media"


def _email() -> dict[str, Any]:
    url = os.environ.get("EMAIL_URL", "").strip()
    if not url or url.startswith("console"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    if parsed.scheme not in {"smtp", "smtps", "submission"}:
        raise RuntimeError(
            "EMAIL_URL must look like smtp://user:password@host:port (smtps:// for TLS on connect, "
            "submission:// for STARTTLS on port 587, or console: to print emails)."
        )
    query = parse_qs(parsed.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or {"smtps": 465, "submission": 587}.get(parsed.scheme, 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": parsed.scheme == "submission" or query.get("tls", ["0"])[0] in {"1", "true"},
        "EMAIL_TIMEOUT": 30,
    }


globals().update(_email())
DEFAULT_FROM_EMAIL = os.environ.get("STINT_FROM_EMAIL", "Stint <no-reply@stint.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

STINT_PAYMENT_GATEWAY = os.environ.get("STINT_PAYMENT_GATEWAY", "sandbox")
# Stripe (STINT_PAYMENT_GATEWAY=stripe): the keys of the Stripe dashboard's Developers page, and the signing secret of
# the webhook endpoint pointing at <STINT_BASE_URL>/webhooks/stripe/.
STINT_STRIPE_SECRET_KEY = os.environ.get("STINT_STRIPE_SECRET_KEY", "").strip()
STINT_STRIPE_PUBLISHABLE_KEY = os.environ.get("STINT_STRIPE_PUBLISHABLE_KEY", "").strip()
STINT_STRIPE_WEBHOOK_SECRET = os.environ.get("STINT_STRIPE_WEBHOOK_SECRET", "").strip()
# Tests only: a Stripe-shaped server to talk to instead of api.stripe.com (it would receive the secret key).
STINT_STRIPE_API_BASE = os.environ.get("STINT_STRIPE_API_BASE", "").strip().rstrip("/")
if STINT_STRIPE_API_BASE and not DEBUG:
    raise RuntimeError(
        "STINT_STRIPE_API_BASE sends the Stripe secret key elsewhere; it is refused unless STINT_DEBUG=1."
    )
if STINT_PAYMENT_GATEWAY == "stripe":
    _stripe_missing = [
        name
        for name in ("STINT_STRIPE_SECRET_KEY", "STINT_STRIPE_PUBLISHABLE_KEY", "STINT_STRIPE_WEBHOOK_SECRET")
        if not globals()[name]
    ]
    if _stripe_missing:
        raise RuntimeError(
            f"STINT_PAYMENT_GATEWAY=stripe needs {', '.join(_stripe_missing)}: the API keys are on the Stripe "
            "dashboard's Developers / API keys page, the webhook signing secret (whsec_...) on the page of the "
            "webhook endpoint for <STINT_BASE_URL>/webhooks/stripe/."
        )
    if not STINT_STRIPE_SECRET_KEY.startswith(("sk_", "rk_")) or not STINT_STRIPE_PUBLISHABLE_KEY.startswith("pk_"):
        raise RuntimeError(
            "STINT_STRIPE_SECRET_KEY starts with sk_ (or rk_ for a restricted key) and STINT_STRIPE_PUBLISHABLE_KEY "
            "with pk_; check that they are not swapped."
        )
    if ("_live_" in STINT_STRIPE_SECRET_KEY) != ("_live_" in STINT_STRIPE_PUBLISHABLE_KEY):
        raise RuntimeError("The Stripe secret and publishable keys must both be live keys, or both test keys.")
    if not STINT_STRIPE_WEBHOOK_SECRET.startswith("whsec_"):
        raise RuntimeError(
            "STINT_STRIPE_WEBHOOK_SECRET is the webhook endpoint's signing secret; it starts with whsec_."
        )

# The seller printed on every invoice and credit note (frozen on the document when it is issued).
STINT_SELLER_NAME = os.environ.get("STINT_SELLER_NAME", "Stint")
STINT_SELLER_ADDRESS = os.environ.get("STINT_SELLER_ADDRESS", "")
STINT_SELLER_VAT_ID = os.environ.get("STINT_SELLER_VAT_ID", "")
STINT_SELLER_EMAIL = os.environ.get("STINT_SELLER_EMAIL", "billing@stint.localhost")
STINT_SELLER_COUNTRY = os.environ.get("STINT_SELLER_COUNTRY", "").strip().upper()  # ISO 3166, e.g. DE
# Printed on bank transfer and check invoices: where to pay (several lines allowed, "\n" between them).
STINT_SELLER_BANK_DETAILS = os.environ.get("STINT_SELLER_BANK_DETAILS", "").replace("\\n", "\n")
STINT_TEST_CLOCK = env_flag("STINT_TEST_CLOCK")

# Licensing (issue 6; API.md "Running it"). Cloud: the path of the Ed25519 signing key, kept outside the database.
# On-prem: the cloud's base URL for online activation, and a file of extra trusted "<key id> <public key>" lines.
STINT_LICENSE_SIGNING_KEY = os.environ.get("STINT_LICENSE_SIGNING_KEY", "").strip()
STINT_LICENSE_SERVER_URL = os.environ.get("STINT_LICENSE_SERVER_URL", "").strip().rstrip("/")
STINT_LICENSE_EXTRA_KEYS = os.environ.get("STINT_LICENSE_EXTRA_KEYS", "").strip()
if STINT_TEST_CLOCK and not DEBUG:
    raise RuntimeError("STINT_TEST_CLOCK=1 moves the installation's clock; it is refused unless STINT_DEBUG=1.")

# Outbox delivery: attempts before a message is given up, and the pause between worker polls.
# With back-off doubling from 30 s up to 6 h, 14 attempts ride out a mail server outage of about two days.
STINT_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("STINT_OUTBOX_MAX_ATTEMPTS", "14"))
STINT_WORKER_POLL_S = float(os.environ.get("STINT_WORKER_POLL_S", "1.0"))
# How long a claimed message stays reserved for the worker that claimed it (a killed worker's claim then expires).
STINT_OUTBOX_LEASE_S = float(os.environ.get("STINT_OUTBOX_LEASE_S", "120"))

# Behind a reverse proxy, the client's address is the last one the proxy appended to X-Forwarded-For.
STINT_BEHIND_PROXY = env_flag("STINT_BEHIND_PROXY")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    # Production: HTTPS only. An installation behind a TLS-terminating proxy sets STINT_BEHIND_PROXY=1.
    HTTPS = env_flag("STINT_HTTPS", True)
    SESSION_COOKIE_SECURE = HTTPS
    CSRF_COOKIE_SECURE = HTTPS
    SECURE_SSL_REDIRECT = HTTPS
    SECURE_HSTS_SECONDS = int(os.environ.get("STINT_HSTS_SECONDS", "31536000")) if HTTPS else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
    SECURE_HSTS_PRELOAD = HTTPS
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if STINT_BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STINT_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and its font subsetter log every step of every invoice PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # The stripe package logs every request at INFO; the gateway logs what matters (failures) itself.
        "stripe": {"level": "WARNING"},
    },
}
