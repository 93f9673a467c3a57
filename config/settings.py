"""Settings for Yidi, read from the environment (django-environ); safe defaults for development."""
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),  # safe by default: development opts in with DEBUG=true (scripts/start.sh, the tests)
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    SECURE_SSL_REDIRECT=(bool, False),
    SECURE_HSTS_SECONDS=(int, 0),
    YIDI_PROVINCE_POOLING=(list, ["110000", "120000", "310000", "500000", "460000", "640000"]),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production set SECRET_KEY to a long random value (e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`); for development set DEBUG=true "
            "(scripts/start.sh does both).")
    SECRET_KEY = "dev-only-insecure-key-change-me"
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "apps.core.apps.YidiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "import_export",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_celery_beat",
    "apps.core",
    "apps.regions",
    "apps.accounts",
    "apps.events",
    "apps.facilities",
    "apps.registration",
    "apps.settlement",
    "apps.coordination",
    "apps.supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.middleware.YidiLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# 0: one connection per request, closed at its end — safe under any server (a threaded server keeps one
# persistent connection per thread it ever started). Raise it only with a fixed number of sync workers.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_MAX_AGE"] != 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# redis:// is Django's own Redis backend (django-environ would pick django-redis if it were installed), with
# short socket timeouts so an outage costs milliseconds; throttling degrades when the cache is down.
_cache_url = env.str("CACHE_URL", default="locmemcache://")
CACHES = {"default": env.cache_url_config(
    _cache_url, backend="django.core.cache.backends.redis.RedisCache" if _cache_url.startswith("redis") else None)}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5,
                                    **CACHES["default"].get("OPTIONS", {})}

# Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For is believed (apps.core.net);
# "unix" trusts a proxy on a Unix socket (no peer address). Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out username+address is refused before any check
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "apps.accounts.validators.MinimumLengthValidator"},  # Django's, with a Chinese message
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024  # a 1,000-item settlement bulk fits

# Security: strict in production, harmless in development.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT") if DEBUG else env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer probes the backend over plain HTTP
SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS") if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.api.permissions.IsOrganisationMember"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
    # JSON with a depth and size limit and Chinese errors (apps.core.api.parsers); forms as DRF has them.
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Kernel throttles: the client address from apps.core.net, and a cache outage skips throttling (logged).
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.api.throttling.AnonRateThrottle",
        "apps.core.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="60/min"),
        "user": env("THROTTLE_USER", default="6000/min"),
        "public_form": env("THROTTLE_PUBLIC_FORM", default="20/hour"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Yidi 医保异地就医协同平台 API",
    "DESCRIPTION": "Partner API v1 (see docs/API.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # every operation documents its error answers (400/401/403/404/409/429, one "Error" body): API.md conventions
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.document_errors",
    ],
    # Several areas have a "status" or "category" field with their own choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "RegistrationStatusEnum": "apps.registration.models.Status",
        "RegistrationCategoryEnum": "apps.registration.models.Category",
        "TicketStatusEnum": "apps.coordination.models.Status",
        "TicketCategoryEnum": "apps.coordination.models.Category",
        "FacilityStatusEnum": "apps.facilities.models.FacilityStatus",
        "DiseaseServiceStatusEnum": "apps.facilities.models.DiseaseServiceStatus",
        "ClearingStatusEnum": "apps.settlement.models.ClearingStatus",
        "FlagStatusEnum": "apps.supervision.models.FlagStatus",
        "ItemCategoryEnum": "apps.settlement.models.ItemCategory",
        "LevelEnum": "apps.regions.models.Level",
        "FacilityLevelEnum": "apps.facilities.models.FacilityLevel",
        "TierEnum": "apps.regions.models.Tier",
    },
}

# Every handler masks resident ID numbers (apps.core.logging): query strings (?id_number=, admin ?q=) and
# messages reach the logs only as 3205**********1234. gunicorn's own loggers: config/gunicorn.conf.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_id_numbers": {"()": "apps.core.logging.MaskIdNumbersFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_id_numbers"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["mask_id_numbers"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replace Django's own handlers (console in DEBUG, mail_admins) so nothing bypasses the filter.
        "django": {"handlers": [], "level": env("LOG_LEVEL", default="INFO"), "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# Content-Security-Policy (django-csp 4): scripts only from this server, no inline scripts anywhere (the
# Swagger UI at /api/docs/ loads its initialiser as a file). Inline styles stay allowed: the admin and
# Swagger UI use style attributes, which carry no script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Yidi conventions (DOMAIN.md "convention": configurable) ---
YIDI_NATIONAL_CODE = "000000"
YIDI_PROVINCE_POOLING = env("YIDI_PROVINCE_POOLING")
YIDI_COMMITMENT_BAN_MONTHS = env.int("YIDI_COMMITMENT_BAN_MONTHS", default=24)
YIDI_DOCUMENTS_DUE_DAYS = env.int("YIDI_DOCUMENTS_DUE_DAYS", default=30)
YIDI_TEMPORARY_MIN_MONTHS = env.int("YIDI_TEMPORARY_MIN_MONTHS", default=6)
YIDI_LONG_TERM_LOCK_MONTHS = env.int("YIDI_LONG_TERM_LOCK_MONTHS", default=6)
YIDI_PUBLIC_FORM_RATE = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["public_form"]  # env THROTTLE_PUBLIC_FORM
YIDI_LARGE_INPATIENT_CLAIM = env("YIDI_LARGE_INPATIENT_CLAIM", default="30000.00")
YIDI_PREPAYMENT_YELLOW = env("YIDI_PREPAYMENT_YELLOW", default="0.70")  # share, parsed as Decimal
YIDI_PREPAYMENT_RED = env("YIDI_PREPAYMENT_RED", default="0.90")
YIDI_PREPAYMENT_BASE_MONTHS = env.int("YIDI_PREPAYMENT_BASE_MONTHS", default=2)

# --- Admin hardening (axes, sessions, exports, audit) ---
# Login lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one address lock that
# pair for AXES_COOLOFF_MINUTES; a superuser lifts it earlier (账户 › 登录失败与锁定). The address is the
# kernel's trusted-proxy rule (apps.core.net.client_ip). Partner API tokens never go through a login.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=30) / 60  # hours, as axes reads a number
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps.core.net.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，该账户在此地址已被临时锁定，请稍后再试或联系系统管理员解除锁定。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，该账户在此地址已被锁定，请联系系统管理员解除锁定。"
AXES_ENABLE_ADMIN = False  # axes' own (English) admin pages; ours is apps.accounts.admin.LoginLockoutAdmin
# Admin sessions: end after a working day without a request, and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Exports: django-import-export's own escaping only drops one leading "=" and turns every cell into text; the
# admin kernel neutralises every formula-like cell instead (apps.core.exports).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# --- Operations engine (Celery, events, notifications, SMS, webhooks) ---
# Jobs run on Celery. With no broker (the default, and scripts/start.sh) every task runs in-process right
# after the transaction that asked for it commits; production sets CELERY_BROKER_URL=redis://127.0.0.1:6379/0
# and runs `celery -A config worker` and `celery -A config beat` (README "Background jobs").
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False  # apps.events.queue logs a failed in-process task; the request goes on
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="yidi")
CELERY_RESULT_BACKEND = None  # results live in the database rows the tasks write (events, deliveries, jobs)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves the message for another: tasks are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep LOGGING above (ID numbers masked in every handler)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A publish that cannot reach the broker gives up quickly (logged; the outbox sweeper sends it later)
# rather than holding the web request that committed the change.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"  # the duties: apps/events/schedules.py

# Webhooks (docs/api.md "Notifications and webhooks"): destinations must match one of these host patterns
# (Django's ALLOWED_HOSTS syntax: "hooks.example.gov.cn", ".example.gov.cn" for a domain and its
# subdomains); loopback is allowed as well when DEBUG is on. Deliveries time out after WEBHOOK_TIMEOUT
# seconds, follow no redirects, and are retried with exponential backoff for WEBHOOK_RETRY_HOURS.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
WEBHOOK_RETRY_HOURS = env.int("WEBHOOK_RETRY_HOURS", default=24)

# SMS to insured persons: "console" (log only, the default), "file" (one JSON line {"to","text","at"} per
# message appended to YIDI_SMS_FILE) or the dotted path of a class with send(to, text). At most
# YIDI_SMS_DAILY_LIMIT messages per phone number per day; the rest are logged as held back.
YIDI_SMS_BACKEND = env.str("YIDI_SMS_BACKEND", default="console")
YIDI_SMS_FILE = env.str("YIDI_SMS_FILE", default=str(BASE_DIR / "sms.jsonl"))
YIDI_SMS_DAILY_LIMIT = env.int("YIDI_SMS_DAILY_LIMIT", default=5)
