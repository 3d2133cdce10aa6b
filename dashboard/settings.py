"""
Settings for the story dashboard, read from the environment.

Development needs nothing set: DEBUG is on, the database is an SQLite file.
Production sets DEBUG=false and must then give a real SECRET_KEY and ALLOWED_HOSTS.
Every setting is listed in docs/settings.md and .env.example.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


TRUTHY = {"1", "true", "yes", "on"}


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUTHY


def env_list(name, default):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"
# Keys that are published somewhere (here, in .env.example, Django's startproject) sign nothing.
PUBLISHED_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "change-me-to-a-long-random-string", ""}
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and (SECRET_KEY in PUBLISHED_SECRET_KEYS or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "Set SECRET_KEY in the environment to a long random string when DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_htmx",
    "ninja",  # the API's docs page and its bundled Swagger UI static files (dashboard/api.py)
    "simple_history",
    "import_export",
    "axes",
    "stories",
    "alerts",
    "dashboard",
]

MIDDLEWARE = [
    # Outermost, so the logged status and duration are what the client got.
    "dashboard.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Inside whitenoise: static files keep whitenoise's own far-future headers.
    "dashboard.middleware.PublicCacheMiddleware",
    "dashboard.middleware.DatabaseUnavailableMiddleware",
    "dashboard.middleware.PrimaryDatabaseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the editor behind every change in the items' history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its refusal page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every login first and refuses locked-out accounts and addresses.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database(url):
    config = dj_database_url.parse(
        url,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Fail fast when the server is unreachable rather than hang a request.
        config.setdefault("OPTIONS", {})["connect_timeout"] = int(
            os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")
        )
    return config


DATABASES = {
    "default": database(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
# An optional read replica takes the public pages' reads (dashboard/routers.py). Writes, the
# admin and anything inside a transaction stay on the primary; migrations run on the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["dashboard.routers.ReplicaRouter"]

# Nothing half-written: every write readers could see happens in one explicit transaction.
# The admin wraps each add, change, delete and list edit in transaction.atomic, the story
# loader (stories/loading.py) loads a file in one, and django-import-export imports in one.
# ATOMIC_REQUESTS is left off so that read-only public views and the no-query poll answer
# never open a transaction (or, with the database down, need a connection at all).
ATOMIC_REQUESTS = False
IMPORT_EXPORT_USE_TRANSACTIONS = True

# While the database is unreachable, pages answer 503 with this Retry-After (seconds).
DATABASE_RETRY_AFTER = int(os.environ.get("DATABASE_RETRY_AFTER", "30"))

# A shared cache keeps answers that are the same for every reader (pages, polls, charts) under
# the story's published version, so web processes share them; production sets REDIS_URL. The
# version itself lives in PostgreSQL: when Redis cannot be reached the site reads without it
# (dashboard/cache.py) and /healthz says the cache is degraded. Without REDIS_URL each
# process keeps its own cache in memory.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "dashboard.cache.TolerantRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # An unreachable Redis costs a request at most this long, then is left alone a while.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each process also keeps the shared answers it served most recently in its own memory, in
# front of Redis: an answer is keyed by the version it was read at and never changes, so a
# local copy can never be stale, and the readers of one version cost no network round trip.
CACHES["answers"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "shared-answers",
    "OPTIONS": {"MAX_ENTRIES": 500},
}

# How often an open story page asks whether the story changed, in seconds.
TIMELINE_POLL_SECONDS = int(os.environ.get("TIMELINE_POLL_SECONDS", "10"))
# How long a web process may answer from a story version it read (dashboard/reading.py): the
# longest a published change waits before this process's polls and caches see it.
STORY_VERSION_SECONDS = float(os.environ.get("STORY_VERSION_SECONDS", "1"))
# How long an answer that is the same for every reader at one version (the unfiltered story
# page, a poll's changes) stays in the shared cache. A new version is a new key, so this only
# bounds memory, never freshness.
SHARED_ANSWER_SECONDS = int(os.environ.get("SHARED_ANSWER_SECONDS", "600"))
# How long a browser or CDN may reuse "unchanged" (204) from the live poll.
LIVE_UNCHANGED_MAX_AGE = int(os.environ.get("LIVE_UNCHANGED_MAX_AGE", "1"))

# Sessions live in the shared cache, written through to the database, so any web container
# can serve any editor and a cache restart logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Public pages carry cache headers a CDN honours (dashboard/middleware.PublicCacheMiddleware):
# anonymous GET and HEAD requests whose path matches a rule below (the first match wins), never
# the admin, never a response that sets a cookie or already says how to cache itself.
# Each rule: (path regex, max-age, stale-while-revalidate), in seconds.
# A withdrawn item may stay on a CDN for at most max-age + stale-while-revalidate: keep that
# near the poll interval, which is how long it takes to leave open pages.
PUBLIC_CACHE_MAX_AGE = int(os.environ.get("PUBLIC_CACHE_MAX_AGE", "10"))
PUBLIC_CACHE_STALE_WHILE_REVALIDATE = int(
    os.environ.get("PUBLIC_CACHE_STALE_WHILE_REVALIDATE", "10")
)
PUBLIC_CACHE_RULES = [
    # The live poll (/stories/<slug>/updates/) sets its own Cache-Control in its view: public,
    # LIVE_UNCHANGED_MAX_AGE for "unchanged", TIMELINE_POLL_SECONDS for a change.
    (r"^/$", PUBLIC_CACHE_MAX_AGE, PUBLIC_CACHE_STALE_WHILE_REVALIDATE),
    (r"^/stories/", PUBLIC_CACHE_MAX_AGE, PUBLIC_CACHE_STALE_WHILE_REVALIDATE),
    (r"^/embed/", PUBLIC_CACHE_MAX_AGE, PUBLIC_CACHE_STALE_WHILE_REVALIDATE),
    (r"^/api/", PUBLIC_CACHE_MAX_AGE, PUBLIC_CACHE_STALE_WHILE_REVALIDATE),
    (r"^/oembed/$", PUBLIC_CACHE_MAX_AGE, PUBLIC_CACHE_STALE_WHILE_REVALIDATE),
    (r"^/sitemap\.xml$", PUBLIC_CACHE_MAX_AGE, PUBLIC_CACHE_STALE_WHILE_REVALIDATE),
]
# A CDN may keep serving what it holds for this long while the site answers errors; no longer
# than a poll interval, so an outage does not keep a withdrawn item on readers' screens.
PUBLIC_CACHE_STALE_IF_ERROR = int(
    os.environ.get("PUBLIC_CACHE_STALE_IF_ERROR", str(TIMELINE_POLL_SECONDS))
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# The admin lives at a configurable path, so it is not where scanners look first.
ADMIN_PATH = os.environ.get("ADMIN_PATH", "admin/").strip("/") + "/"

# Only editors log in (readers need no account), so sessions are theirs: they end after
# EDITOR_SESSION_HOURS from login, and when the browser closes.
SESSION_COOKIE_AGE = int(float(os.environ.get("EDITOR_SESSION_HOURS", "8")) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login protection (django-axes, dashboard/lockout.py). AXES_FAILURE_LIMIT failed logins for one
# user name from one address lock that name there; LOGIN_ADDRESS_FAILURE_LIMIT failures from
# one address, for any names, lock the address. Either lasts AXES_COOLOFF_MINUTES. Nobody can
# lock an editor out from everywhere, and a good login clears only that user's own failures
# from that address, so a known password cannot reset the count of guesses at another account.
AXES_HANDLER = "dashboard.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
if LOGIN_ADDRESS_FAILURE_LIMIT <= AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("LOGIN_ADDRESS_FAILURE_LIMIT must be above AXES_FAILURE_LIMIT.")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The client's address, found by django-ipware for django-axes. Behind PROXY_COUNT reverse
# proxies, each appending the address it was reached from to X-Forwarded-For, it is the
# PROXY_COUNT-th entry from the right: the ones further left are whatever the client sent.
# ipware counts the proxies named in the header, which the nearest one is not (it is
# REMOTE_ADDR), hence one less; not strict, so a client behind a proxy of its own, which adds
# entries on the left, still counts as itself. With no proxy it is the connection's address.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_PROXY_COUNT = None
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
IPWARE_STRICT = False

# Email: readers who follow a story get a confirmation and then digests (alerts/). EMAIL_URL
# (smtp://user:password@host:587?tls=true, console://) sets everything at once; otherwise the
# usual EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS and
# EMAIL_USE_SSL. With neither, development prints each email to the console (make run) and
# production sends over SMTP to EMAIL_HOST (localhost). Django 6.1's MAILERS holds the result.
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def mailer(environ):
    """The default MAILERS entry for an environment (a mapping like os.environ)."""
    if environ.get("EMAIL_URL"):
        parsed = dj_email_url.parse(environ["EMAIL_URL"])
        if parsed.get("EMAIL_BACKEND") not in {
            SMTP_BACKEND,
            "django.core.mail.backends.console.EmailBackend",
            "django.core.mail.backends.dummy.EmailBackend",
        }:
            raise ImproperlyConfigured(
                "EMAIL_URL must start with smtp://, submission://, console:// or dummy://."
            )
        if parsed["EMAIL_BACKEND"] != SMTP_BACKEND:
            return {"BACKEND": parsed["EMAIL_BACKEND"]}
        host, port = parsed["EMAIL_HOST"], parsed["EMAIL_PORT"]
        username, password = parsed["EMAIL_HOST_USER"] or "", parsed["EMAIL_HOST_PASSWORD"] or ""
        use_tls, use_ssl = parsed["EMAIL_USE_TLS"], parsed["EMAIL_USE_SSL"]
        timeout = parsed["EMAIL_TIMEOUT"] or 10
    elif DEBUG and not environ.get("EMAIL_HOST"):
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    else:
        host = environ.get("EMAIL_HOST") or "localhost"
        port = int(environ.get("EMAIL_PORT") or 25)
        username = environ.get("EMAIL_HOST_USER", "")
        password = environ.get("EMAIL_HOST_PASSWORD", "")
        use_tls = (environ.get("EMAIL_USE_TLS") or "").strip().lower() in TRUTHY
        use_ssl = (environ.get("EMAIL_USE_SSL") or "").strip().lower() in TRUTHY
        timeout = 10
    return {
        "BACKEND": SMTP_BACKEND,
        "OPTIONS": {
            "host": host,
            "port": port,
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": timeout,
        },
    }


MAILERS = {"default": mailer(os.environ)}

# The site's public address, for links in emails (a digest is sent by a command, with no
# request to take a host from, and a confirmation link must not trust the request's Host).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
if not SITE_URL:
    if DEBUG:
        SITE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    elif ALLOWED_HOSTS and ALLOWED_HOSTS[0].lstrip(".*"):
        SITE_URL = f"https://{ALLOWED_HOSTS[0].lstrip('.*')}"
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("Set SITE_URL to the site's address, e.g. https://news.example.org.")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", f"Story dashboard <alerts@{urlsplit(SITE_URL).hostname}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Following by email (alerts/): how long a confirmation link works, and how many sign-ups an
# address, and separately a client address, may ask for in an hour.
FOLLOW_CONFIRM_HOURS = int(os.environ.get("FOLLOW_CONFIRM_HOURS", "48"))
FOLLOW_LIMIT_PER_ADDRESS = int(os.environ.get("FOLLOW_LIMIT_PER_ADDRESS", "3"))
FOLLOW_LIMIT_PER_CLIENT = int(os.environ.get("FOLLOW_LIMIT_PER_CLIENT", "20"))
# Digests (manage.py send_digests): followers per batch. Each batch is read in a constant
# number of queries and marked sent in one transaction; a hard crash mid-batch can send up to
# this many followers their digest again (alerts/digests.py explains the trade).
DIGEST_BATCH_SIZE = int(os.environ.get("DIGEST_BATCH_SIZE", "100"))

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Django has no setting for it; django-permissions-policy's middleware sends it.
# The site uses none of these browser features, so none is allowed, not even to itself.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    ]
}
# The load balancer's health check speaks plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# One line per request (dashboard.middleware.RequestLogMiddleware), as JSON in production so a
# log collector can read status and duration without parsing prose. LOG_FORMAT overrides.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "dashboard.logs.JSONFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"skip_database_unavailable": {"()": "dashboard.logs.SkipDatabaseUnavailable"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # The request log already has a line for every 4xx; keep Django's tracebacks for 5xx.
        "django.request": {"level": "ERROR", "filters": ["skip_database_unavailable"]},
        # django-axes logs its start-up and every reset at INFO; lockouts come as warnings.
        "axes": {"level": "WARNING"},
    },
}
