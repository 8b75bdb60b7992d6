"""Settings for the talent development platform.

Everything that differs between a laptop demo and production comes from environment
variables (see README "Configuration"). The embedded default is SQLite plus the django-q2
ORM broker, so `make run` needs nothing but Python; `DATABASE_URL` selects PostgreSQL.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Under pytest the suite runs tasks synchronously and needs no SECRET_KEY.
TESTING = env.bool("TESTING", default="pytest" in sys.modules)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(for example: export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')), "
            "or set DEBUG=1 for a local demo."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105 - DEBUG/tests only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rules.apps.AutodiscoverRulesConfig",
    "import_export",
    "django_q",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "csp",
    # Our apps, in the direction data flows: an app imports only from those above it.
    "talent",
    "taxonomy",
    "profiles",
    "recommendations",
    "feedback",
    "metrics",
    "portal",
]
# The demo organisation (`seed_demo`, which the benchmarks use too) is for development only.
DEMO = env.bool("DEMO", default=DEBUG or TESTING)
if DEMO:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "talent.signin.SecondFactorRequiredMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "talent.urls"

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
                "portal.context_processors.viewer",
            ],
        },
    },
]

WSGI_APPLICATION = "talent.wsgi.application"

# SQLite is the embedded default; DATABASE_URL=postgres://user:pass@host:5432/name selects PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# allauth rate-limits failed sign-ins through the cache, so the cache must be shared by every
# process: the database cache (created by `manage.py createcachetable`). It holds a counter per
# account and per address that failed to sign in in the last five minutes; room for 100,000 (not
# Django's 300) keeps a flood of them from culling the one that locks an account. The portal pages
# (portal.pagecache: ~8 KB each, compressed) have a table of their own, so their churn never
# culls a sign-in counter; past 20,000 pages a quarter of them is dropped.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "talent_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    "pages": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "talent_page_cache",
        "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 4},
    },
}

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

if TESTING:
    # Hashing with the production hasher would make every test user cost ~0.3 s.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in by e-mail; people are provisioned from the HR system, so there is no open sign-up.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "talent.adapters.NoSignupAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
# Failed sign-ins: five in five minutes lock that account, from wherever they come; the limit per
# client address is generous, as a whole office may share one address (talent.adapters finds it).
ACCOUNT_RATE_LIMITS = {"login_failed": "100/5m/ip,5/5m/key"}
# How many proxies of ours stand in front (each appends to X-Forwarded-For); 0 trusts no
# X-Forwarded-For at all, since anyone can send one. See talent.adapters.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Password sign-in forms (talent.signin): refused when PASSWORD_SIGN_IN is off.
ACCOUNT_FORMS = {"login": "talent.signin.PasswordLoginForm", "reset_password": "talent.signin.PasswordResetForm"}

# Second factor (allauth MFA): an authenticator app's codes, with recovery codes. HR and staff
# signing in with a password must have one (talent.signin); off only for the local demo (DEBUG).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Talent")
MFA_TOTP_TOLERANCE = 1  # the code before and after the current one too: phones' clocks drift
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=not DEBUG)

# Single sign-on with the company's OpenID Connect provider (Okta, Entra ID, Keycloak, Google...),
# on when OIDC_SERVER_URL is set: the issuer, whose /.well-known/openid-configuration is read.
# Register the redirect URI https://<host>/accounts/oidc/<OIDC_PROVIDER_ID>/login/callback/ there.
# The first sign-in links to the account the HR system provisioned with the same e-mail address;
# an unknown address is refused (talent.adapters). PASSWORD_SIGN_IN=0 then turns local passwords off.
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="")
OIDC_ENABLED = bool(OIDC_SERVER_URL)
OIDC_PROVIDER_ID = env.str("OIDC_PROVIDER_ID", default="company")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="company account")
PASSWORD_SIGN_IN = env.bool("PASSWORD_SIGN_IN", default=True)
if not (PASSWORD_SIGN_IN or OIDC_ENABLED):
    raise ImproperlyConfigured("PASSWORD_SIGN_IN=0 needs single sign-on: set OIDC_SERVER_URL (see README).")
SOCIALACCOUNT_ADAPTER = "talent.adapters.CompanySocialAccountAdapter"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": OIDC_PROVIDER_NAME,
                "client_id": env.str("OIDC_CLIENT_ID", default=""),
                "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": OIDC_SERVER_URL, "scope": ["openid", "email", "profile"]},
            }
        ]
        if OIDC_ENABLED
        else [],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))  # filled by collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="talent@localhost")

# Import/export in the admin: validate every row with the model's own clean() and apply nothing
# when any row is bad.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# What one imported file may hold, so a broken or hostile file is refused in seconds instead of
# tying up a worker (core.readers; docs/data-formats.md, "Limits"): rows under the
# header (blank ones included), an Excel workbook's size once unpacked, and the memory the child
# process reading a big file (over 5 MB to read) may take on top of its own start-up.
IMPORT_MAX_ROWS = 1_000_000
IMPORT_XLSX_MAX_UNPACKED_MB = 100
IMPORT_READ_MEMORY_MB = 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "profiles.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "profiles.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    # JSON is read as by xAPI and SCIM (profiles.safe_json); forms stay DRF's own.
    "DEFAULT_PARSER_CLASSES": [
        "profiles.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "profiles.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Talent platform API",
    "DESCRIPTION": "Push performance reviews, aspirations and skill evidence; read employees you may see.",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Free-text signals and check-in notes older than this many days are deleted by a daily task
# (profiles.privacy.RETENTION); 0 keeps them.
FREE_TEXT_RETENTION_DAYS = env.int("FREE_TEXT_RETENTION_DAYS", default=0)

# Where the drop-folder sync looks for files (see docs/data-formats.md); imported files are moved aside.
DROP_FOLDER = Path(env.str("DROP_FOLDER", default=str(BASE_DIR / "var" / "drop")))

# django-q2: the ORM broker is embedded (at-least-once). `retry` must exceed `timeout` and the
# longest task, or a running task is started again.
Q_CLUSTER = {
    "name": "talent",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 600,
    "retry": 720,
    "max_attempts": 3,
    "catch_up": False,
    "sync": TESTING,
}

# Production hardening, on unless DEBUG (`manage.py check --deploy --fail-level WARNING` is clean
# with these defaults; CI checks it). Behind a TLS proxy, Django sees plain HTTP: name the header
# your proxy sets for the original scheme (PROXY_SSL_HEADER=X-Forwarded-Proto), or the redirect to
# https loops. Set it only when the proxy always overwrites that header, or anyone could send it.
PROXY_SSL_HEADER = env.str("PROXY_SSL_HEADER", default="")
if PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    # (Not under tests: Django's test client speaks plain http.)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    # A year of HSTS, for this host and its subdomains. Preloading (asking browsers to ship the
    # domain as HTTPS-only) is the company's decision for its domain and hard to undo: off unless
    # SECURE_HSTS_PRELOAD=1, and only then does check --deploy stop saying so.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_HTTPONLY = True
    # A session lasts a working day at most, not Django's two weeks.
    SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, never
# inline, no framing, forms post only here. Inline style *attributes* stay allowed for the
# readiness meters' widths (portal templates). The QR code for setting up an authenticator app is
# a data: image. Signing in with SSO posts a form here that redirects to the identity provider,
# which browsers check against form-action, so its origin is added when SSO is configured (below).
OIDC_FORM_ORIGIN = "/".join(OIDC_SERVER_URL.split("/")[:3]) if OIDC_ENABLED else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", *([OIDC_FORM_ORIGIN] if OIDC_FORM_ORIGIN else [])],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusal_without_traceback": {
            "()": "django.utils.log.CallbackFilter",
            "callback": "ext://talent.log_filters.refusal_without_traceback",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["refusal_without_traceback"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
