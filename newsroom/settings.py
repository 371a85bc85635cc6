"""
newsroom settings, driven by environment variables.

Two modes:

* development (the default): an insecure, fixed secret key, hosts limited to
  this machine, SQLite under ``var/`` unless ``DATABASE_URL`` says otherwise.
* production (``NEWSROOM_ENV=production``): refuses to start without
  ``SECRET_KEY`` and ``ALLOWED_HOSTS``, turns on secure cookies and HSTS.

``DEBUG`` is off in both unless ``DEBUG=1`` is set.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEWSROOM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1 or 0).")


def env_list(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


NEWSROOM_ENV = os.environ.get("NEWSROOM_ENV", "development")
if NEWSROOM_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"NEWSROOM_ENV={NEWSROOM_ENV!r}: use 'development' or 'production'.")
PRODUCTION = NEWSROOM_ENV == "production"

DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(
            "Production mode (NEWSROOM_ENV=production) needs these environment "
            f"variables: {', '.join(missing)}."
        )
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
else:
    SECRET_KEY = SECRET_KEY or "django-insecure-newsroom-development-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Reverse proxies / load balancers (addresses or networks) whose X-Forwarded-For
# names the reader's address; see newsroom/middleware.py.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "taggit",
    "imagekit",
    "django_prose_editor",
    "pagecache",
    "images",
    "scoring",
    "articles",
    # Partner and wire copy: sources, rights, feeds (uses articles; never the reverse).
    "wire",
    "comments",
    "editing",
    # The project's own deployment checks (newsroom/checks.py).
    "newsroom",
    # Staff sign-in: lockout, two-factor codes, recovery codes, passkeys.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "accounts",
]

MIDDLEWARE = [
    # Outermost: HEAD gets GET's headers and no body (newsroom/middleware.py).
    "newsroom.middleware.HeadResponseMiddleware",
    # First: ids every request (logs, X-Request-ID) seeing the original peer.
    "newsroom.logs.RequestIdMiddleware",
    # Cached pages for anonymous readers, with every header the layers below set
    # (pagecache/); gunicorn's hits skip even this (newsroom/fastpath.py).
    "pagecache.middleware.PageCacheMiddleware",
    # ETag on every response and 304 for conditional requests.
    "django.middleware.http.ConditionalGetMiddleware",
    "newsroom.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # After the CSP middleware: the admin's relaxed style-src (newsroom/csp.py).
    "newsroom.csp.AdminContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A view that cannot reach the database answers 503 with Retry-After.
    "newsroom.outages.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff without their second factor reach only the sign-in and enrolment pages.
    "accounts.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks; it sees REMOTE_ADDR as TrustedProxyMiddleware set it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "newsroom.context_processors.site",
                "newsroom.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

# Database: SQLite under var/ unless DATABASE_URL names another.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once across gunicorn workers;
    # IMMEDIATE transactions avoid "database is locked" on upgrade to write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One machine: a per-process cache, and whole pages in files every process of the
# host shares. REDIS_URL shares both between processes and hosts. Losing Redis
# slows the site, never stops it: newsroom/cache.py.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "newsroom.cache.ResilientRedisCache", "LOCATION": REDIS_URL},
        "pages": {"BACKEND": "newsroom.cache.ResilientRedisCache", "LOCATION": REDIS_URL},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "pagecache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }

# Whole pages for anonymous readers (pagecache/): how long a page is kept at most,
# and what it depends on (articles/cachekeys.py), so a change retires exactly the
# pages that show it. Lists show comment counts, which lag by at most
# PAGE_CACHE_LIST_SECONDS. CACHE_PURGE_URLS: reverse proxies (deploy/varnish.vcl)
# sent a PURGE naming the changed keys; they may then keep pages (s-maxage).
NEWSROOM_PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 600))
PAGECACHE_CACHE = "pages"
PAGECACHE_DEPENDENCIES = "articles.cachekeys.page_dependencies"
PAGECACHE_LIST_SECONDS = int(os.environ.get("PAGE_CACHE_LIST_SECONDS", 60))
PAGECACHE_PURGE_URLS = env_list("CACHE_PURGE_URLS")
PAGECACHE_PURGE_TIMEOUT = 2
# With Redis, each process also keeps the pages it served lately (this many bytes
# at most), told of every change on a Redis channel (pagecache/local.py), and
# checks each copy against Redis again after PAGECACHE_LOCAL_SECONDS.
PAGECACHE_LOCAL_BYTES = int(os.environ.get("PAGE_CACHE_LOCAL_MB", 16)) * 1024 * 1024
PAGECACHE_LOCAL_SECONDS = 5
# A page missing from the cache is rendered by one process; others asking for it
# meanwhile wait for that rendering up to this long (0: each renders its own).
PAGECACHE_COALESCE_SECONDS = 2
# A story page whose comments changed is rendered anew by the process that changed
# them before the old copy is retired, so no reader waits (pagecache/refresh.py);
# at most this many of its addresses (its comment pages) per change.
PAGECACHE_REFRESH_KEYS = ["story:"]
PAGECACHE_REFRESH_MAX = 4
# Paths that are never cached: per-user, per-request or served elsewhere.
PAGECACHE_UNCACHED_PREFIXES = [
    "/admin/",
    "/comments/",
    "/preview/",
    "/static/",
    "/media/",
    "/healthz",
    "/readyz",
]

SCORING_TRAINING_DATA = "comments.scoring_data.decisions"  # train_comment_model reads these
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded pictures and their renditions, always through Django's storage API
# (newsroom/storage.py): the disk under MEDIA_ROOT on one machine, or an S3-compatible
# bucket (MEDIA_S3_BUCKET) that every host shares. MEDIA_URL is where readers fetch
# them: the site's own /media/, streamed from either storage by newsroom.views.media
# (SERVE_MEDIA, on by default), or a CDN / public bucket address (https://...).
MEDIA_URL = os.environ.get("MEDIA_URL", "") or "/media/"
if not MEDIA_URL.startswith(("/", "https://", "http://")):
    raise ImproperlyConfigured(f"MEDIA_URL={MEDIA_URL!r}: use a path (/media/) or an https:// URL.")
MEDIA_URL = MEDIA_URL if MEDIA_URL.endswith("/") else f"{MEDIA_URL}/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)
# A CDN or public bucket on another origin must be allowed to show pictures (CSP).
media_url = urlsplit(MEDIA_URL)
MEDIA_ORIGINS = [f"{media_url.scheme}://{media_url.netloc}"] if media_url.netloc else []
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "newsroom.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "location": os.environ.get("MEDIA_S3_PREFIX", "").strip("/"),
            # Unset: AWS's own endpoint; set for any other S3-compatible service.
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            # Path-style URLs work on every S3-compatible service; AWS takes both.
            "addressing_style": "path" if os.environ.get("MEDIA_S3_ENDPOINT_URL") else None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            # Unset: boto3's own chain (AWS_ACCESS_KEY_ID..., ~/.aws, an instance role).
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
        },
    }
else:
    stray = [name for name in os.environ if name.startswith("MEDIA_S3_") and os.environ[name]]
    if stray:
        raise ImproperlyConfigured(
            f"{', '.join(sorted(stray))} set without MEDIA_S3_BUCKET: name the bucket too, "
            "or unset them to keep media on the local disk."
        )
    MEDIA_STORAGE = {"BACKEND": "newsroom.storage.MediaFileSystemStorage"}
# django-imagekit notes in the cache which renditions exist, by file name: name the
# storage too, so sites (or a restored copy) sharing one Redis never trust each other's.
IMAGEKIT_CACHE_PREFIX = "imagekit:{}:".format(
    f"s3:{MEDIA_S3_BUCKET}/{MEDIA_STORAGE['OPTIONS']['location']}"
    if MEDIA_S3_BUCKET
    else f"disk:{MEDIA_ROOT}"
)
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: refuse decompression bombs and oversized files early.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
NEWSROOM_IMAGE_MAX_BYTES = 15 * 1024 * 1024
NEWSROOM_IMAGE_MAX_PIXELS = 40_000_000
# PEM certificates of the C2PA signers (cameras, agencies) whose content credentials are
# shown as trusted; without them a valid signature reads "valid", not "trusted".
_trust_file = os.environ.get("C2PA_TRUST_ANCHORS_FILE", "")
NEWSROOM_C2PA_TRUST_ANCHORS = Path(_trust_file).read_text() if _trust_file else ""

TAGGIT_CASE_INSENSITIVE = True

# Picture renditions are made when a picture is saved, never on a reader's request
# (imagekit's Optimistic strategy; a picture that cannot be decoded never fails a save).
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "articles.images.RenditionsOnSave"
IMAGEKIT_CACHEFILE_DIR = "renditions"

SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")

LOGIN_URL = "admin:login"

# Security headers. The public site loads nothing from other origins.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # No inline style on readers' pages: all of it is in static/css/site.css.
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *MEDIA_ORIGINS],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# Under /admin/ only (newsroom/csp.py): django-prose-editor sets style attributes
# as it edits. Scripts stay nonce-only there too.
NEWSROOM_ADMIN_CSP = SECURE_CSP | {"style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
SESSION_COOKIE_HTTPONLY = True
# Each silenced check is appended where its setting is decided, with the reason.
SILENCED_SYSTEM_CHECKS = []
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Preloading puts the domain, every subdomain included, into the lists browsers
    # ship as HTTPS-only; leaving them takes months. An owner's decision: off unless
    # SECURE_HSTS_PRELOAD=1, and then max-age defaults to the year the lists ask for.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
    SECURE_HSTS_SECONDS = int(
        os.environ.get("SECURE_HSTS_SECONDS")
        or (60 * 60 * 24 * 365 if SECURE_HSTS_PRELOAD else 60 * 60 * 24 * 30)
    )
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    if not SECURE_HSTS_PRELOAD:
        # security.W021 only says "preload is off", which is the deliberate default
        # above; every other deployment check stays on.
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# Logs: one JSON object per line on stderr (newsroom/logs.py), each record of a
# request carrying its id; gunicorn's logs use the same format (gunicorn.conf.py).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r}: use DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use 'json' or 'plain'.")
LOGGING_CONFIG = "newsroom.logs.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "newsroom.logs.formatter", "output": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's defaults give these plain-text handlers of their own (console
        # with DEBUG, mail to ADMINS); here they go to the root's handler instead.
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.server": {"handlers": [], "level": LOG_LEVEL},
        "django.db.backends": {"level": "INFO"},
    },
}
CSRF_FAILURE_VIEW = "newsroom.views.csrf_failure"

# The site's public address, e.g. https://news.example.com: canonical links, feeds,
# sitemaps, JSON-LD and Open Graph use it. Empty: the host each request came to.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
if SITE_URL and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must start with https:// or http://.")

# Email (moderation digests): SMTP when EMAIL_HOST is set. Without it, development
# prints messages to the console; production sends nothing and logs one warning per
# message (subject and recipient count only: digests quote readers' comments).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    # EMAIL_USE_SSL: TLS from the first byte (port 465); else STARTTLS (587).
    email_use_ssl = env_bool("EMAIL_USE_SSL")
    email_use_tls = env_bool("EMAIL_USE_TLS", default=not email_use_ssl)
    if email_use_ssl and email_use_tls:
        raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT") or (465 if email_use_ssl else 587)),
                "username": os.environ.get("EMAIL_USER", ""),
                "password": os.environ.get("EMAIL_PASSWORD", ""),
                "use_tls": email_use_tls,
                "use_ssl": email_use_ssl,
                "timeout": 10,
            },
        }
    }
elif PRODUCTION:
    MAILERS = {"default": {"BACKEND": "newsroom.mail.UnconfiguredEmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Staff sign-in (accounts/): lockout with django-axes, second factors with django-otp
# (authenticator apps, recovery codes) and django-otp-webauthn (passkeys).


def env_positive_int(name, default):
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name}={value!r} must be a whole number of at least 1.")
    return int(value)


AUTHENTICATION_BACKENDS = [
    # Refuses every sign-in while the account or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.StaffBackend",
]
# The database handler counts failures in one place for every host and worker.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_positive_int("AXES_FAILURE_LIMIT", 5)
# A lock is a pause, not a ban: it lifts this long after the failure that set it;
# attempts while locked are refused without moving that time.
AXES_COOLOFF_TIME = timedelta(minutes=env_positive_int("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Separately: guessing one account from many addresses, or many accounts from one.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# TrustedProxyMiddleware has already put the reader's address in REMOTE_ADDR.
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]

# Every staff user needs a second factor (on by default in production).
REQUIRE_STAFF_2FA = env_bool("REQUIRE_STAFF_2FA", default=PRODUCTION)
OTP_TOTP_ISSUER = SITE_NAME
OTP_WEBAUTHN_RP_NAME = SITE_NAME
# Passkeys are a second factor here, after the password.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PasskeyHelper"
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.passkeys.relying_party_id"
# The passkeys' domain and the origins allowed to use them. Unset: SITE_URL's, else
# the host each request came to (e.g. localhost in development).
_site = urlsplit(SITE_URL)
# Browsers offer passkeys only to https:// origins and http://localhost.
_site_has_passkeys = _site.scheme == "https" or _site.hostname == "localhost"
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "") or (
    _site.hostname if _site_has_passkeys else ""
)
WEBAUTHN_ORIGINS = env_list("WEBAUTHN_ORIGINS") or (
    [f"{_site.scheme}://{_site.netloc}"] if _site_has_passkeys else []
)
OTP_WEBAUTHN_ALLOWED_ORIGINS = WEBAUTHN_ORIGINS
if not OTP_WEBAUTHN_ALLOWED_ORIGINS:
    # No fixed list: accounts.passkeys.PasskeyHelper allows the request's own origin.
    SILENCED_SYSTEM_CHECKS.append("otp_webauthn.E030")

# Partner feeds (wire/polling.py): how long a feed may take and how large it may be.
WIRE_FEED_TIMEOUT = env_positive_int("WIRE_FEED_TIMEOUT", 10)
WIRE_FEED_MAX_BYTES = env_positive_int("WIRE_FEED_MAX_MB", 10) * 1024 * 1024
