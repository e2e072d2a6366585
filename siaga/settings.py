"""Siaga's one settings module. Every value comes from the environment (see README, Configuration).

``SIAGA_ENV=production`` switches on the hardening that ``siaga check --deploy`` expects and refuses to
start with a default secret key, DEBUG on, or no ALLOWED_HOSTS.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from siaga.core.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("SIAGA_DATA_DIR", str(BASE_DIR / "var"))).resolve()

SIAGA_ENV = env_choice("SIAGA_ENV", ["development", "production"], "development")
PRODUCTION = SIAGA_ENV == "production"
TESTING = "pytest" in sys.modules or env_bool("SIAGA_TESTING", False)
# Parallel test runs (pytest-xdist) give each test worker its own folders, cache and Redis
# database, so that one worker's cleanup never empties another's; the worker processes a test
# starts inherit the variable and so find the same ones.
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "") if TESTING else ""


def folder_name(name: str, *, test: str) -> str:
    """The folder under DATA_DIR for ``name``: tests use ``test`` instead (one per test worker)."""
    if not TESTING:
        return name
    return f"{test}-{TEST_WORKER}" if TEST_WORKER else test


def redis_url_for_test_worker(url: str) -> str:
    """Test worker gwN uses the database N below the configured one (15, 14, ...)."""
    if not (url and TEST_WORKER):
        return url
    base, _, database = url.rpartition("/")
    number = int(database) if database.isdigit() else 0
    return f"{base}/{max(number - int(TEST_WORKER.removeprefix('gw') or 0), 0)}"


# Only good for development and tests; production refuses to start with it (see below).
INSECURE_DEFAULT_SECRET_KEY = "siaga-development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SIAGA_SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env_bool("SIAGA_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "SIAGA_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("SIAGA_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SIAGA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _refuse_insecure_production() -> None:
    problems = []
    if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SIAGA_SECRET_KEY is the development default or shorter than 50 characters")
    if DEBUG:
        problems.append("SIAGA_DEBUG is on")
    if not ALLOWED_HOSTS:
        problems.append("SIAGA_ALLOWED_HOSTS is empty")
    if not env_str("SIAGA_EVIDENCE_KEY", ""):
        problems.append(
            "SIAGA_EVIDENCE_KEY is not set (evidence must be encrypted with its own key)"
        )
    if problems:
        raise ImproperlyConfigured(
            "Siaga refuses to start in production mode: " + "; ".join(problems) + "."
        )


if PRODUCTION:
    _refuse_insecure_production()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "ninja",
    "mozilla_django_oidc",
    "siaga.core",
    "siaga.accounts",
    "siaga.organizations",
    "siaga.audit",
    "siaga.jobs",
    "siaga.constituents",
    "siaga.incidents",
    "siaga.notifications",
    "siaga.evidence",
    "siaga.integrations.mailintake",
    "siaga.sharing",
    "siaga.intel",
    "siaga.stix",
    "siaga.taxii",
    "siaga.warninglists",
    "siaga.correlation",
    "siaga.attack",
    "siaga.integrations.misp",
    "siaga.integrations.taxiiclient",
    "siaga.feeds",
    "siaga.events",
    "siaga.digests",
    "siaga.vulns",
    "siaga.exposures",
    "siaga.advisories",
    "siaga.assessments",
    "siaga.risks",
    "siaga.governance",
    "siaga.dashboards",
    "siaga.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "siaga.core.middleware.RequestContextMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "siaga.accounts.middleware.UserPreferencesMiddleware",
    "siaga.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "siaga.urls"
WSGI_APPLICATION = "siaga.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "siaga" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "siaga.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database: embedded SQLite by default, PostgreSQL through DATABASE_URL -------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'siaga.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web server and the worker read while the other writes; the busy timeout makes a
    # writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory: worker processes started by tests must see the test database.
    # One per test run (several may run at once on a developer's machine).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-siaga-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Cache, broker, background work ------------------------------------------------------------------
REDIS_URL = redis_url_for_test_worker(env_str("REDIS_URL", ""))
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by the web server and the worker processes, unlike the in-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / folder_name("cache", test="test-cache")),
        }
    }

# Tests get a broker folder of their own, so a demo left running never takes their messages.
BROKER_DIR = DATA_DIR / folder_name("broker", test="test-broker")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "siagafs://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith(("siagafs://", "filesystem://")):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # The exchange table too (kombu's default is ./control, under whatever the working
        # directory is: it landed in the repository and was rewritten by every run).
        "control_folder": str(BROKER_DIR / "control"),
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    # A message a killed worker had taken comes back after this many seconds; the job table's own
    # claim (see siaga.jobs.actions) keeps a redelivered job from running twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("SIAGA_BROKER_VISIBILITY_TIMEOUT", 3600, minimum=10)
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("SIAGA_TASKS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-jobs": {"task": "siaga.jobs.tasks.requeue_stalled_jobs", "schedule": 60.0},
    "verify-audit-chain-nightly": {
        "task": "siaga.audit.tasks.schedule_audit_verification",
        "schedule": 24 * 3600.0,
    },
    # SLA and legal-clock warnings and breaches (siaga.incidents.actions.deadlines).
    "scan-incident-deadlines": {"task": "siaga.incidents.tasks.scan_deadlines", "schedule": 60.0},
    # Incident reports sent by e-mail: the drop folder, and the IMAP mailbox when configured.
    "collect-report-mail": {
        "task": "siaga.integrations.mailintake.tasks.collect_report_mail",
        "schedule": 60.0,
    },
    # Webhook retries and e-mail that could not be sent at once (siaga.notifications).
    "deliver-due-notifications": {
        "task": "siaga.notifications.tasks.deliver_due_notifications",
        "schedule": 30.0,
    },
    # Feeds fetched over HTTP(S) when due, and the feeds' drop folders (siaga.feeds.collectors).
    "collect-feeds": {"task": "siaga.feeds.tasks.collect_feeds", "schedule": 60.0},
    # Feed events and reports past their retention (siaga.feeds.retention).
    "apply-feed-retention": {"task": "siaga.feeds.tasks.apply_retention", "schedule": 24 * 3600.0},
    # Feed-event digests to constituents whose schedule is due (siaga.digests).
    "send-due-digests": {"task": "siaga.digests.tasks.send_due_digests", "schedule": 15 * 60.0},
    # Pulls from and pushes to remote TAXII collections, each at its own interval.
    "sync-remote-taxii-collections": {
        "task": "siaga.integrations.taxiiclient.tasks.sync_remote_collections",
        "schedule": 300.0,
    },
    # KEV, EPSS and CSAF documents from the URLs an operator configured (SIAGA_VULN_SOURCES).
    "refresh-vulnerability-sources": {
        "task": "siaga.vulns.tasks.refresh_vulnerability_sources",
        "schedule": 24 * 3600.0,
    },
    # Inventories against affected products (also after imports and inventory changes), and feed
    # events that show a vulnerable service attached to the same findings.
    "match-exposures-daily": {"task": "siaga.exposures.tasks.match_all", "schedule": 24 * 3600.0},
    "attach-feed-sightings": {
        "task": "siaga.exposures.tasks.attach_feed_events",
        "schedule": 3600.0,
    },
    # Reminders to constituents that have not answered an advisory.
    "send-advisory-reminders": {
        "task": "siaga.advisories.tasks.send_advisory_reminders",
        "schedule": 3600.0,
    },
    # Reminders to constituents whose assessment is due soon and not yet submitted.
    "send-assessment-reminders": {
        "task": "siaga.assessments.tasks.send_assessment_reminders",
        "schedule": 86400.0,
    },
    # The sector report of the period that ended yesterday (Jakarta calendar), drafted once:
    # 18:05 UTC is 01:05 WIB.
    "create-due-sector-reports": {
        "task": "siaga.reports.tasks.create_due_sector_reports",
        "schedule": crontab(hour=18, minute=5),
    },
    # Owners of risks whose review is due, once per due date (00:30 UTC is 07:30 WIB).
    "send-risk-review-reminders": {
        "task": "siaga.risks.tasks.send_review_reminders",
        "schedule": crontab(hour=0, minute=30),
    },
    # Dashboard incident roll-ups: recompute any day still marked (siaga.dashboards.rollups); a
    # safety net, as every write recomputes its day after the commit.
    "refresh-dashboard-rollups": {
        "task": "siaga.dashboards.tasks.refresh_rollups",
        "schedule": 300.0,
    },
    # Owners of the coordination group's action items due soon or overdue, once each.
    "send-action-item-reminders": {
        "task": "siaga.governance.tasks.send_action_item_reminders",
        "schedule": 24 * 3600.0,
    },
}
# A running job that has not reported progress for this long is taken to be on a dead worker.
SIAGA_JOB_STALE_SECONDS = env_int("SIAGA_JOB_STALE_SECONDS", 300, minimum=2)
SIAGA_WORKER_HEARTBEAT_SECONDS = env_int("SIAGA_WORKER_HEARTBEAT_SECONDS", 15, minimum=1)

# --- Identity -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 3600

# Repeated failures lock the account name out for a while (django-axes), whatever address they come from.
AXES_FAILURE_LIMIT = env_int("SIAGA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIAGA_LOCKOUT_MINUTES", 15, minimum=1))
# Per account name only: hospitals sit behind shared NAT addresses, and locking an address would lock
# out a whole hospital in the middle of an incident. Address-wide abuse is met by the API rate limit
# and by the reverse proxy (see THREAT_MODEL.md).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = env_str("SIAGA_OTP_ISSUER", "Siaga")
OTP_TOTP_THROTTLE_FACTOR = 1

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SIAGA_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age above then counts from the last request: idle expiry
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "siaga_session"
CSRF_COOKIE_NAME = "siaga_csrftoken"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it for its X-CSRFToken header

# OpenID Connect for agencies with an identity provider; off unless configured.
SIAGA_OIDC_ENABLED = env_bool("SIAGA_OIDC_ENABLED", False)
OIDC_RP_CLIENT_ID = env_str("SIAGA_OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("SIAGA_OIDC_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env_str("SIAGA_OIDC_SIGN_ALGO", "RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("SIAGA_OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("SIAGA_OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("SIAGA_OIDC_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("SIAGA_OIDC_JWKS_ENDPOINT")
OIDC_RP_SCOPES = "openid email profile"
OIDC_CREATE_USER = False  # only people invited into an organization may sign in
if SIAGA_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("siaga.accounts.oidc.SiagaOIDCBackend")

# --- API -----------------------------------------------------------------------------------------------
SIAGA_API_RATE_PER_MINUTE = env_int("SIAGA_API_RATE_PER_MINUTE", 600, minimum=1)
SIAGA_API_PAGE_SIZE = 50
SIAGA_API_MAX_PAGE_SIZE = 500
NINJA_PAGINATION_PER_PAGE = SIAGA_API_PAGE_SIZE

# --- Language and time -------------------------------------------------------------------------------
LANGUAGE_CODE = env_choice("SIAGA_LANGUAGE", ["id", "en"], "id")
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "siaga" / "locale"]
USE_I18N = True
USE_TZ = True  # stored in UTC, shown in each user's zone
TIME_ZONE = env_str("SIAGA_TIME_ZONE", "Asia/Jakarta")
LANGUAGE_COOKIE_NAME = "siaga_language"

# --- Static files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- E-mail --------------------------------------------------------------------------------------------
SMTP_HOST = env_str("SIAGA_EMAIL_HOST", "")
DEFAULT_FROM_EMAIL = env_str("SIAGA_EMAIL_FROM", "Siaga <siaga@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": env_int("SIAGA_EMAIL_PORT", 25, minimum=1),
                "username": env_str("SIAGA_EMAIL_USER", ""),
                "password": env_str("SIAGA_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("SIAGA_EMAIL_STARTTLS", False),
                "use_ssl": env_bool("SIAGA_EMAIL_SSL", False),
                "timeout": 30,
            },
        }
    }
else:
    # Without an SMTP server (the embedded demo) mail is written to files under var/mail to read.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    }

# --- Constituents, incidents, notifications ---------------------------------------------------------
# Tracking ids look like SIAGA-2026-000123 (reports) and SIAGA-INC-2026-000045 (incidents).
SIAGA_TRACKING_PREFIX = env_str("SIAGA_TRACKING_PREFIX", "SIAGA")
# The public report form: submissions per client address per hour, and the least time (seconds)
# a person needs to fill it in; a faster submission is a robot.
SIAGA_PUBLIC_REPORT_LIMIT_PER_HOUR = env_int("SIAGA_PUBLIC_REPORT_LIMIT_PER_HOUR", 5, minimum=1)
SIAGA_PUBLIC_REPORT_MIN_SECONDS = env_int("SIAGA_PUBLIC_REPORT_MIN_SECONDS", 3, minimum=0)
# Webhook deliveries: attempts before giving up, and the first back-off (doubled each retry).
SIAGA_WEBHOOK_MAX_ATTEMPTS = env_int("SIAGA_WEBHOOK_MAX_ATTEMPTS", 6, minimum=1)
SIAGA_WEBHOOK_BACKOFF_SECONDS = env_int("SIAGA_WEBHOOK_BACKOFF_SECONDS", 30, minimum=1)
SIAGA_WEBHOOK_TIMEOUT_SECONDS = env_int("SIAGA_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# Plain http:// webhooks are refused except to these hosts (local receivers, tests).
SIAGA_WEBHOOK_HTTP_HOSTS = env_list("SIAGA_WEBHOOK_HTTP_HOSTS", ["127.0.0.1", "::1", "localhost"])

# Evidence files live outside the web root, encrypted with this key (32 bytes, base64). Without one
# (development only: production refuses to start) a key is derived from SIAGA_SECRET_KEY.
SIAGA_EVIDENCE_KEY = env_str("SIAGA_EVIDENCE_KEY", "")
# Tests keep their own folders, like their broker, so that a demo's files are never touched.
EVIDENCE_DIR = Path(
    env_str("SIAGA_EVIDENCE_DIR", str(DATA_DIR / folder_name("evidence", test="test-evidence")))
).resolve()
SIAGA_EVIDENCE_MAX_MB = env_int("SIAGA_EVIDENCE_MAX_MB", 200, minimum=1)

# Incident SLAs: minutes to acknowledge, triage, first respond to and resolve, per priority; each
# value can be overridden, e.g. SIAGA_SLA_P1_ACKNOWLEDGE_MINUTES=10. A running SLA warns when this
# share of its time is used up.
SIAGA_SLA_TARGETS = {
    priority: {
        milestone: env_int(f"SIAGA_SLA_{priority}_{milestone.upper()}_MINUTES", minutes, minimum=1)
        for milestone, minutes in targets.items()
    }
    for priority, targets in {
        "P1": {"acknowledge": 15, "triage": 60, "first_response": 240, "resolve": 3 * 24 * 60},
        "P2": {
            "acknowledge": 60,
            "triage": 4 * 60,
            "first_response": 8 * 60,
            "resolve": 5 * 24 * 60,
        },
        "P3": {
            "acknowledge": 4 * 60,
            "triage": 24 * 60,
            "first_response": 2 * 24 * 60,
            "resolve": 14 * 24 * 60,
        },
        "P4": {
            "acknowledge": 24 * 60,
            "triage": 3 * 24 * 60,
            "first_response": 5 * 24 * 60,
            "resolve": 30 * 24 * 60,
        },
    }.items()
}
SIAGA_SLA_WARNING_PERCENT = env_int("SIAGA_SLA_WARNING_PERCENT", 75, minimum=1)

# The legal clocks (see docs/legal-clocks.md): hours from discovery, when to warn, and who receives
# each notice. Regulations change: keep these in the environment, not in code.
SIAGA_PDP_NOTICE_HOURS = env_int("SIAGA_PDP_NOTICE_HOURS", 72, minimum=1)
SIAGA_IIV_REPORT_HOURS = env_int("SIAGA_IIV_REPORT_HOURS", 24, minimum=1)
SIAGA_CLOCK_WARNING_HOURS = env_int("SIAGA_CLOCK_WARNING_HOURS", 6, minimum=1)
SIAGA_PDP_AUTHORITY_EMAIL = env_str("SIAGA_PDP_AUTHORITY_EMAIL", "lembaga-pdp@pdp.example")
SIAGA_SECTORAL_CSIRT_EMAIL = env_str("SIAGA_SECTORAL_CSIRT_EMAIL", "csirt@kemkes.example")
SIAGA_NATIONAL_CSIRT_EMAIL = env_str("SIAGA_NATIONAL_CSIRT_EMAIL", "bantuan70@bssn.example")

# E-mail intake of incident reports: a drop folder of .eml files and, optionally, an IMAP mailbox.
SIAGA_MAIL_INTAKE_DIR = Path(
    env_str("SIAGA_MAIL_INTAKE_DIR", str(DATA_DIR / folder_name("intake", test="test-intake")))
).resolve()
SIAGA_MAIL_MAX_MB = env_int("SIAGA_MAIL_MAX_MB", 50, minimum=1)
SIAGA_IMAP_HOST = env_str("SIAGA_IMAP_HOST", "")
SIAGA_IMAP_PORT = env_int("SIAGA_IMAP_PORT", 993, minimum=1)
SIAGA_IMAP_USER = env_str("SIAGA_IMAP_USER", "")
SIAGA_IMAP_PASSWORD = env_str("SIAGA_IMAP_PASSWORD", "")
SIAGA_IMAP_FOLDER = env_str("SIAGA_IMAP_FOLDER", "INBOX")
SIAGA_IMAP_SSL = env_bool("SIAGA_IMAP_SSL", True)

# --- Threat intelligence -------------------------------------------------------------------------------
# Folders of MISP-format warninglists (*/list.json) that `siaga load_warninglists` loads.
SIAGA_WARNINGLIST_DIRS = env_list("SIAGA_WARNINGLIST_DIRS", [])
# The largest request body other than file uploads (bulk indicator lists, MISP events, STIX
# bundles posted to the API); larger ones get 413 and go through the upload pages or the CLI.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("SIAGA_MAX_REQUEST_MB", 10, minimum=1) * 1024 * 1024
# Occurrences of one value kept for correlation; beyond this a value is only counted.
SIAGA_CORRELATION_MAX_PER_VALUE = env_int("SIAGA_CORRELATION_MAX_PER_VALUE", 1000, minimum=1)
# The TAXII 2.1 server at /taxii2/: the largest POST body, the largest page, what discovery says.
SIAGA_TAXII_MAX_CONTENT_LENGTH = env_int(
    "SIAGA_TAXII_MAX_CONTENT_LENGTH", 10 * 1024 * 1024, minimum=1024
)
SIAGA_TAXII_MAX_PAGE_SIZE = env_int("SIAGA_TAXII_MAX_PAGE_SIZE", 1000, minimum=1)
SIAGA_TAXII_TITLE = env_str("SIAGA_TAXII_TITLE", "Siaga TAXII server")
SIAGA_TAXII_CONTACT = env_str("SIAGA_TAXII_CONTACT", "")
# STIX imports: bundles up to these sizes import at once, larger uploads run as a background job
# (files kept in SIAGA_STIX_UPLOAD_DIR until imported).
SIAGA_STIX_SYNC_MAX_BYTES = env_int("SIAGA_STIX_SYNC_MAX_MB", 10, minimum=1) * 1024 * 1024
SIAGA_STIX_SYNC_MAX_OBJECTS = env_int("SIAGA_STIX_SYNC_MAX_OBJECTS", 20000, minimum=1)
SIAGA_STIX_UPLOAD_MAX_MB = env_int("SIAGA_STIX_UPLOAD_MAX_MB", 1024, minimum=1)
SIAGA_STIX_UPLOAD_DIR = Path(
    env_str("SIAGA_STIX_UPLOAD_DIR", str(DATA_DIR / folder_name("stix-uploads", test="test-stix")))
).resolve()

# --- Feed processing ---------------------------------------------------------------------------------
# MaxMind-format databases (GeoLite2/GeoIP2 ASN and City, or compatible) that fill in the AS number,
# AS name and geolocation of feed events; empty: no such enrichment.
SIAGA_MMDB_ASN = env_str("SIAGA_MMDB_ASN", "")
SIAGA_MMDB_CITY = env_str("SIAGA_MMDB_CITY", "")
# Shadowserver's published report schema (JSON) to use instead of the table Siaga ships.
SIAGA_SHADOWSERVER_SCHEMA = env_str("SIAGA_SHADOWSERVER_SCHEMA", "")
# Received reports are kept here as received (by SHA-256) until retention removes them.
SIAGA_FEED_REPORT_DIR = Path(
    env_str("SIAGA_FEED_REPORT_DIR", str(DATA_DIR / folder_name("feed-reports", test="test-feeds")))
).resolve()
SIAGA_FEED_REPORT_MAX_MB = env_int("SIAGA_FEED_REPORT_MAX_MB", 4096, minimum=1)
# Drop folders of feeds that collect from a folder: one sub-folder per feed id.
SIAGA_FEED_DROP_DIR = Path(
    env_str("SIAGA_FEED_DROP_DIR", str(DATA_DIR / folder_name("feed-drop", test="test-feed-drop")))
).resolve()
# Reports are processed in chunks of this many KiB of CSV (memory per worker stays near a few
# hundred MB at the default; each chunk is one transaction).
SIAGA_FEED_CHUNK_KB = env_int("SIAGA_FEED_CHUNK_KB", 8 * 1024, minimum=1)
# The same finding again within this many hours raises the stored event's count instead of
# adding an event.
SIAGA_EVENT_DEDUPE_HOURS = env_int("SIAGA_EVENT_DEDUPE_HOURS", 24, minimum=1)
# Feed events and the reports they came from are deleted after this many days.
SIAGA_FEED_RETENTION_DAYS = env_int("SIAGA_FEED_RETENTION_DAYS", 365, minimum=1)
# A finding in a digest to a constituent is not repeated in its digests for this many days.
SIAGA_DIGEST_SUPPRESS_DAYS = env_int("SIAGA_DIGEST_SUPPRESS_DAYS", 7, minimum=0)
# The most events one digest webhook carries; the digest's CSV always has them all.
SIAGA_DIGEST_WEBHOOK_MAX_EVENTS = env_int("SIAGA_DIGEST_WEBHOOK_MAX_EVENTS", 5000, minimum=1)

# --- Security headers ----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SIAGA_BEHIND_TLS_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SIAGA_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SIAGA_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SIAGA_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# axes.W006: the per-account lock-out is deliberate (see AXES_LOCKOUT_PARAMETERS).
# security.W021: HSTS preload is an operator's decision (SIAGA_HSTS_PRELOAD).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if PRODUCTION and not env_bool("SIAGA_HSTS_PRELOAD", False):
    SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SIAGA_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# --- Advisories (siaga.advisories): reminders to recipients that have not answered ---
# A recipient that has not answered is reminded every this many days, at most this many times.
SIAGA_ADVISORY_REMINDER_DAYS = env_int("SIAGA_ADVISORY_REMINDER_DAYS", 3, minimum=1)
SIAGA_ADVISORY_MAX_REMINDERS = env_int("SIAGA_ADVISORY_MAX_REMINDERS", 3, minimum=0)

# --- Advisory outputs (siaga.advisories.exports): CSAF publisher, PDF letterhead ---
# The publisher written into every CSAF document and the provider metadata (category coordinator).
SIAGA_CSAF_PUBLISHER = {
    "name": env_str("SIAGA_CSAF_PUBLISHER_NAME", "Siaga Health CERT"),
    "namespace": env_str("SIAGA_CSAF_PUBLISHER_NAMESPACE", SITE_URL + "/"),
    "contact_details": env_str("SIAGA_CSAF_CONTACT_DETAILS", ""),
    "issuing_authority": env_str("SIAGA_CSAF_ISSUING_AUTHORITY", ""),
}
# The letterhead of advisory PDFs; the logo is a local image file (never fetched from the network).
SIAGA_ADVISORY_LETTERHEAD = {
    "organization": env_str("SIAGA_LETTERHEAD_ORGANIZATION", SIAGA_CSAF_PUBLISHER["name"]),
    # Lines separated by "|" (addresses contain commas).
    "address_lines": [
        line.strip() for line in env_str("SIAGA_LETTERHEAD_ADDRESS").split("|") if line.strip()
    ],
    "logo": env_str("SIAGA_LETTERHEAD_LOGO", ""),
}

# --- Exposure findings (siaga.exposures): due dates by KEV listing and CVSS severity ---
# Days from a finding's first sighting to its due date: a KEV-listed CVE takes "kev", any other its
# CVSS severity ("none" also for a CVE without a score).
SIAGA_FINDING_DUE_DAYS = {
    "kev": env_int("SIAGA_FINDING_DUE_DAYS_KEV", 14, minimum=1),
    "critical": env_int("SIAGA_FINDING_DUE_DAYS_CRITICAL", 15, minimum=1),
    "high": env_int("SIAGA_FINDING_DUE_DAYS_HIGH", 30, minimum=1),
    "medium": env_int("SIAGA_FINDING_DUE_DAYS_MEDIUM", 90, minimum=1),
    "low": env_int("SIAGA_FINDING_DUE_DAYS_LOW", 180, minimum=1),
    "none": env_int("SIAGA_FINDING_DUE_DAYS_NONE", 180, minimum=1),
}

# --- Vulnerability intelligence (siaga.vulns): uploads and the scheduled refresh ---
# The largest file the import page and API accept (the KEV catalog is ~1.5 MB, an EPSS file ~10 MB).
SIAGA_VULN_IMPORT_MAX_MB = env_int("SIAGA_VULN_IMPORT_MAX_MB", 50, minimum=1)
# What refresh_vulnerability_sources fetches; nothing is fetched unless an operator sets these.
SIAGA_VULN_SOURCES = {
    "kev": env_str("SIAGA_VULN_KEV_URL", ""),
    "epss": env_str("SIAGA_VULN_EPSS_URL", ""),
    "csaf": env_list("SIAGA_VULN_CSAF_URLS"),
}
SIAGA_VULN_FETCH_TIMEOUT_SECONDS = env_int("SIAGA_VULN_FETCH_TIMEOUT_SECONDS", 60, minimum=1)
SIAGA_VULN_FETCH_MAX_MB = env_int("SIAGA_VULN_FETCH_MAX_MB", 100, minimum=1)

# --- Coordination-group governance (siaga.governance) ---
# Action items: the "due soon" reminder this many days ahead (siaga.governance.reminders).
SIAGA_GOVERNANCE_DUE_SOON_DAYS = env_int("SIAGA_GOVERNANCE_DUE_SOON_DAYS", 3, minimum=1)
# The on-call page highlights coverage gaps this many days ahead.
SIAGA_ONCALL_GAP_DAYS = env_int("SIAGA_ONCALL_GAP_DAYS", 14, minimum=1)

# --- Security assessments (siaga.assessments) ---
# Constituents that have not submitted are reminded this many days before a campaign's deadline.
SIAGA_ASSESSMENT_REMINDER_DAYS = env_int("SIAGA_ASSESSMENT_REMINDER_DAYS", 7, minimum=1)

# --- Sector reports (siaga.reports) ---
# Which periods the daily task drafts a sector report for: monthly, quarterly or both.
SIAGA_SECTOR_REPORT_PERIODS = env_list("SIAGA_SECTOR_REPORT_PERIODS", ["quarterly"])
if unknown_periods := set(SIAGA_SECTOR_REPORT_PERIODS) - {"monthly", "quarterly"}:
    raise ImproperlyConfigured(
        f"SIAGA_SECTOR_REPORT_PERIODS: {', '.join(sorted(unknown_periods))} is not one of "
        "monthly, quarterly"
    )

# --- Risk register (siaga.risks) ---
# The risk scale as JSON: likelihood x impact and the level bands (see siaga/risks/scale.py;
# checked by the system check siaga.risks.E001); unset: the 5 x 5 default.
SIAGA_RISK_SCALE: dict | None = None
if _risk_scale := env_str("SIAGA_RISK_SCALE", ""):
    try:
        SIAGA_RISK_SCALE = json.loads(_risk_scale)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SIAGA_RISK_SCALE is not valid JSON: {exc}") from exc

# --- Dashboards (siaga.dashboards) ---
# How long the dashboards' figures are kept in the cache; a write to incidents, legal clocks or
# advisory answers starts a new version at once (siaga.dashboards.signals).
SIAGA_DASHBOARD_CACHE_SECONDS = env_int("SIAGA_DASHBOARD_CACHE_SECONDS", 60, minimum=0)
