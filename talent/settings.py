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
    "rules.apps.AutodiscoverRulesConfig",
    "import_export",
    "django_q",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
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
    "allauth.account.middleware.AccountMiddleware",
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

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)

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
