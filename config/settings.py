"""Settings for Yidi, read from the environment (django-environ); safe defaults for development."""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    SECURE_SSL_REDIRECT=(bool, False),
    SECURE_HSTS_SECONDS=(int, 0),
    YIDI_PROVINCE_POOLING=(list, ["110000", "120000", "310000", "500000", "460000", "640000"]),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me" if DEBUG else environ.Env.NOTSET)
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
    "apps.core",
    "apps.regions",
    "apps.accounts",
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
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
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
