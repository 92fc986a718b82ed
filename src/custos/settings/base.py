"""Settings shared by every environment. Secrets come from the environment only."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The working directory holds the embedded database and other run-time files.
DATA_DIR = Path.cwd() / "var"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "custos.core",
    "custos.accounts",
    "custos.access",
    "custos.audit",
    "custos.custody",
    "custos.assessments",
    "custos.housing",
    "custos.intelligence",
    "custos.oversight",
    "custos.demo",
]

# Background jobs (the housing optimiser, later imports and link analysis) wait in the
# database, so they survive restarts; `custos db_worker` runs them.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "custos.accounts.middleware.TwoFactorMiddleware",  # after OTPMiddleware
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "custos.audit.middleware.RequestContextMiddleware",
    "custos.audit.denials.DenialMiddleware",
    "custos.access.middleware.AccessPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "custos.urls"
WSGI_APPLICATION = "custos.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "access:home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "custos.access.context_processors.access",
            ],
        },
    },
]


def database_from_env(default_sqlite: Path) -> dict:
    """`DATABASE_URL` selects the database; the embedded SQLite file is the default."""
    import os

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{default_sqlite}"
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Writers take the lock when they begin, so the audit chain is appended in order.
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
        config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {"default": database_from_env(DATA_DIR / "custos.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"

# The Ed25519 key that signs audit anchors (`custos audit anchor`), if not given in
# CUSTOS_AUDIT_SIGNING_KEY; generated here on first use in development only.
AUDIT_SIGNING_KEY_FILE = DATA_DIR / "audit_signing_key.pem"

# Idle time-out: every request renews the session, so this is the time since the last one.
SESSION_COOKIE_AGE = int(os.environ.get("CUSTOS_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- accounts: two-factor, lock-out (see custos.accounts) ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username
    "django.contrib.auth.backends.ModelBackend",
]
# Roles that must pass a TOTP step after the password (custos.accounts.middleware).
CUSTOS_TWO_FACTOR_ROLES = ("director", "security", "analyst", "sourcehandler", "auditor",
                           "admin")
# The grading scheme of intelligence reports (intelligence/gradings.yaml).
CUSTOS_INTELLIGENCE_GRADING = os.environ.get("CUSTOS_INTELLIGENCE_GRADING", "3x5x2")
# Only the test settings turn this off (so tests may use `force_login`); `check --deploy`
# warns when it is off.
CUSTOS_REQUIRE_TWO_FACTOR = True
# Audit API token use (at most once per token per hour); off only in the test settings.
CUSTOS_AUDIT_TOKEN_USE = True
OTP_TOTP_ISSUER = "Custos"
# Lock a username out after 5 failed sign-ins, from any address, for 30 minutes. Not by
# address: staff of a prison share one, and one person's typing would lock out them all.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CUSTOS_LOCKOUT_MINUTES", "30")))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lock-out ends on time
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "custos.accounts.views.locked_out"  # our login page, with the reason
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit trail (custos.accounts.signals)
# axes.W006 asks for lock-out by address too: refused deliberately, see above.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "custos.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "custos.access.drf.Policy",
    ],
    "DEFAULT_PAGINATION_CLASS": "custos.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "custos.core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Custos API",
    "DESCRIPTION": "Prisoner file, facilities, cells, placements and keep-apart orders.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "custos.access.drf.Policy"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SexEnum": "custos.custody.models.Sex",
        "LegalStatusEnum": "custos.custody.models.LegalStatus",
        "ReportKindEnum": "custos.intelligence.models.ReportKind",
        "ReportStatusEnum": "custos.intelligence.models.ReportStatus",
        "PersonKindEnum": "custos.intelligence.models.PersonKind",
        "CommunicationKindEnum": "custos.intelligence.models.CommunicationKind",
        "AlertRuleKindEnum": "custos.intelligence.models.AlertRuleKind",
        "MergeStatusEnum": "custos.intelligence.models.MergeStatus",
        "CustodyStatusEnum": "custos.custody.models.CustodyStatus",
        "MeasureKindEnum": "custos.oversight.models.MeasureKind",
        "CaseKindEnum": "custos.oversight.models.CaseKind",
        "CaseStatusEnum": "custos.oversight.models.CaseStatus",
        "ComplaintStatusEnum": "custos.oversight.models.ComplaintStatus",
        "BodyKindEnum": "custos.oversight.models.BodyKind",
        "VisitStatusEnum": "custos.oversight.models.VisitStatus",
        "RecommendationStatusEnum": "custos.oversight.models.RecommendationStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
