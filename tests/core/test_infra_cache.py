"""The documented production cache (CACHE_URL=redis://…): Django's own Redis backend, and an outage that
degrades (throttling skipped, a warning logged) instead of answering 500; /healthz tells database and cache
apart."""
import logging
import uuid

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client, override_settings
from rest_framework import throttling as drf_throttling

from apps.core.api import throttling
from apps.registration.models import Registration
from tests.core.test_settings_production import SECRET, settings_in_subprocess
from tests.registration.factories import registration_data
from tests.registration.helpers import as_form_data, as_json

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
DOWN = {"default": {"BACKEND": REDIS_BACKEND, "LOCATION": "redis://127.0.0.1:1/0",
                    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}


def _redis_up() -> bool:
    import redis

    try:
        return redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def fresh_cache_state():
    throttling.reset_cache_state()
    yield
    throttling.reset_cache_state()


@pytest.fixture
def tight_rates(monkeypatch):
    """DRF binds THROTTLE_RATES when it is imported: patch the class attribute the throttles read."""
    rates = {**drf_throttling.SimpleRateThrottle.THROTTLE_RATES, "anon": "2/min", "user": "2/min"}
    monkeypatch.setattr(drf_throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_redis_cache_url_is_djangos_own_backend():
    configured = settings_in_subprocess("CACHES['default']", SECRET_KEY=SECRET, CACHE_URL="redis://127.0.0.1:6379/1")
    assert configured["BACKEND"] == REDIS_BACKEND
    assert configured["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert configured["OPTIONS"]["socket_connect_timeout"] <= 1  # an outage costs milliseconds, not minutes


@pytest.mark.django_db
@override_settings(CACHES=DOWN)
def test_with_redis_down_the_api_still_answers_and_a_warning_is_logged(api_for, caplog, tight_rates):
    api = api_for("320508")
    with caplog.at_level(logging.WARNING, logger="apps.core.throttling"):
        created = api.post("/api/v1/registrations/", as_json(registration_data()), format="json")
        listed = [api.get("/api/v1/regions/?level=province") for _ in range(4)]  # over the 2/min rate
    assert created.status_code == 201, created.content
    assert [r.status_code for r in listed] == [200] * 4  # not throttled, not 500
    assert Registration.objects.count() == 1
    warnings = [r for r in caplog.records if r.name == "apps.core.throttling"]
    assert warnings and warnings[0].levelno == logging.WARNING
    assert "Cache unavailable" in warnings[0].getMessage()
    assert len(warnings) == 1  # one warning, then the cache rests instead of one line per request


@pytest.mark.django_db
@override_settings(CACHES=DOWN)
def test_with_redis_down_anonymous_calls_and_the_public_form_do_not_fail(caplog):
    with caplog.at_level(logging.WARNING, logger="apps.core.throttling"):
        assert Client().get("/api/docs/").status_code == 200  # anonymous: AnonRateThrottle
        assert Client().get("/api/v1/regions/").status_code == 401
        browser = Client()
        browser.get("/registration/")
        posted = browser.post("/registration/", as_form_data(registration_data()))
    assert posted.status_code == 302, posted.content.decode()[:500]
    assert Registration.objects.count() == 1
    assert any("Cache unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.django_db
def test_a_real_redis_counts_and_throttles(api_for, tight_rates):
    real = {"default": {"BACKEND": REDIS_BACKEND, "LOCATION": "redis://127.0.0.1:6379/15",
                        "KEY_PREFIX": f"yidi-test-{uuid.uuid4().hex}"}}
    with override_settings(CACHES=real):
        api = api_for("320508")
        codes = [api.get("/api/v1/regions/?level=province").status_code for _ in range(3)]
        health = Client().get("/healthz")
        cache.clear()
    assert codes == [200, 200, 429]
    assert health.status_code == 200
    assert health.json() == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_reports_database_and_cache_separately():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(CACHES=DOWN)
def test_healthz_with_the_cache_down_is_still_200():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "error"}


@pytest.mark.django_db
def test_healthz_with_the_database_down_is_503(monkeypatch):
    from apps.core import views

    class Refusing:
        def cursor(self):
            raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(views, "connection", Refusing())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "error", "cache": "ok"}


def test_redis_url_stays_djangos_backend_even_where_django_redis_is_installed(tmp_path):
    """django-environ names django_redis for redis:// whenever that package is importable."""
    (tmp_path / "django_redis").mkdir()
    (tmp_path / "django_redis" / "__init__.py").write_text("")
    configured = settings_in_subprocess("CACHES['default']['BACKEND']", SECRET_KEY=SECRET, CACHE_URL="redis://127.0.0.1:6379/2",
                                        PYTHONPATH=str(tmp_path))
    assert configured == REDIS_BACKEND


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_answers_a_plain_http_probe_where_everything_else_redirects_to_https():
    assert Client().get("/admin/login/").status_code == 301
    assert Client().get("/healthz").status_code == 200
