"""Settings, all from the environment.

Defaults suit the embedded demo (SQLite, no Redis). Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS and DEBUG=false; with DEBUG off there is no default secret.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CASEWORK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("CASEWORK_ALLOW_INSECURE_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-demo-key-never-use-in-production"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "govuk_frontend_django",
    "casework",
    "missing",
    "panels",
    "referrals",
    "actions",
    "reporting",
    "intelligence",
]

MIDDLEWARE = [
    "casework.logs.RequestIdMiddleware",
    "casework.memo.RequestMemoMiddleware",
    # /healthz and /readyz answer here, before the HTTPS redirect, the host check and sessions.
    "casework.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "casework.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "casework.middleware.IdleTimeoutMiddleware",
    "casework.middleware.AdministratorTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "casework.context_processors.navigation",
                "casework.context_processors.clock_banner",
            ],
        },
    },
]

# Forms render with the project's templates (the GOV.UK field templates in templates/casework/forms/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'demo.sqlite3'}"),
        # Connections are kept for a minute (checked before reuse) rather than opened for every
        # request: a new PostgreSQL connection costs a process on the database server each time.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the screens' queries are short, and at national size their cost estimates
    # (visibility subqueries over a million children) pass jit_above_cost, so PostgreSQL spent
    # seconds compiling what runs in milliseconds (issue 13: the home page's duty counts, 5 s to 0.1 s).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "casework.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
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

# Sessions end after a period without activity; polling requests do not count as activity.
SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
# Lock a username only as tried from one address, so that nobody can lock someone else out by
# mistyping their username on purpose; and refuse an address that fails too often across usernames
# (casework.lockout), so that one address cannot try a few passwords on every account.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_HANDLER = "casework.lockout.AddressLimitedHandler"
AXES_CLIENT_IP_CALLABLE = "casework.lockout.client_ip_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "casework.views.locked_out"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Missing children casework"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("CASEWORK_PLAIN_STATIC", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
NOTIFICATION_CSV_MAX_BYTES = int(os.environ.get("NOTIFICATION_CSV_MAX_BYTES", str(20 * 1024 * 1024)))
# Evidence attached to actions: kept here, outside the static files and any web root, and sent only
# through the action's permission check. There is no MEDIA_URL: nothing under it is served directly.
ACTION_EVIDENCE_ROOT = Path(os.environ.get("ACTION_EVIDENCE_ROOT", VAR_DIR / "evidence"))
ACTION_EVIDENCE_MAX_BYTES = int(os.environ.get("ACTION_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "casework.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["casework.parsers.JSONBodyParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# API tokens (django-rest-knox): stored as SHA-512 digests, valid for API_TOKEN_HOURS from issue, revoked
# by DELETE /api/v1/auth/token/ and by a password change, a new second factor, deactivation or lockout.
API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", "10"))
if API_TOKEN_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_HOURS must be a whole number of hours, at least 1.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "USER_SERIALIZER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Missing children casework API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "casework.models.AgencyKind",
        "NotificationKindEnum": "missing.models.NotificationKind",
        "PlaceKindEnum": "intelligence.models.PlaceKind",
        "DisruptionStatusEnum": "intelligence.models.DisruptionStatus",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or REDIS_URL or f"file://{VAR_DIR / 'celery-results'}"
if CELERY_BROKER_URL == "filesystem://":
    for folder in ("celery-queue", "celery-processed", "celery-results", "celery-control"):
        (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery-queue"),
        "data_folder_out": str(VAR_DIR / "celery-queue"),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
    }
# The queue this installation's tasks go to and its workers read (several installations can share a Redis).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# Requests never wait for a broker that is down: a job is a database row first (casework.jobs) and
# its message is sent once, at once, or not at all; the clock's pass picks up what was not sent.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the workers log JSON lines too (LOGGING below)
BROKER_CHECK_TIMEOUT = float(os.environ.get("BROKER_CHECK_TIMEOUT", "2"))
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The DatabaseScheduler installs these entries at start-up: the statutory clock (RULES.md §2), and
# the sweeps that queue again a CSV upload or a quarterly report whose task was lost (Redis down,
# worker died).
CELERY_BEAT_SCHEDULE = {
    "check-deadlines": {"task": "casework.tasks.check_deadlines", "schedule": 60.0},
    "resume-notification-uploads": {"task": "missing.tasks.resume_notification_uploads", "schedule": 60.0},
    "resume-quarterly-reports": {"task": "reporting.resume_quarterly_reports", "schedule": 60.0},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casework@localhost")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# The clock's heartbeat (casework.clocks.heartbeat): a clock that has not swept for this long is
# late: a banner for administrators and MASH coordinators, /readyz fails, one email per outage to
# CLOCK_ALERT_EMAILS (e.g. the IT service desk) and every administrator.
CLOCK_LATE_AFTER = timedelta(minutes=int(os.environ.get("CLOCK_LATE_MINUTES", "5")))
CLOCK_ALERT_EMAILS = [a.strip() for a in os.environ.get("CLOCK_ALERT_EMAILS", "").split(",") if a.strip()]

# Files the product keeps (subject access exports, uploads): under var/, backed up with the
# database by scripts/backup.sh.
MEDIA_ROOT = Path(os.environ.get("CASEWORK_FILES_DIR", VAR_DIR / "files"))
MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
# Photos on missing person profiles: among the files kept (so backed up with them), never served
# directly, sent only to those who may read the profile.
MISSING_PHOTO_ROOT = Path(os.environ.get("MISSING_PHOTO_ROOT", MEDIA_ROOT / "photos"))
MISSING_PHOTO_MAX_BYTES = int(os.environ.get("MISSING_PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))

# The local authority this installation serves, made on first use when none exists yet.
CASEWORK_AUTHORITY_NAME = os.environ.get("CASEWORK_AUTHORITY_NAME", "Demo Borough Council")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS outside development. The app sits behind TRUSTED_PROXY_COUNT reverse proxies (one by default
# when DEBUG is off: the one that ends TLS); the outermost tells it the scheme in X-Forwarded-Proto
# and the caller's address in X-Forwarded-For (casework.lockout.client_ip_address). Plain-http runs
# (the tests, the demo) turn the redirect and the secure cookies off.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0" if DEBUG else "1"))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Scripts only from here or carrying this response's nonce; styles only from static files (htmx's
# own indicator styles are turned off in base.html); nothing may frame a page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# One JSON object a line on standard error, each with the request id (casework.logs); LOG_FORMAT=text
# for people reading a terminal. LOG_LEVEL sets the root; the product's own loggers say INFO.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "casework.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": os.environ.get("LOG_FORMAT", "json")},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"casework": {"level": os.environ.get("CASEWORK_LOG_LEVEL", "INFO")}},
}
