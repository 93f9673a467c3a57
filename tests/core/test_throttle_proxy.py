"""Behind a reverse proxy every request comes from the proxy's address: the client is taken from
X-Forwarded-For, but only when the peer is a trusted proxy (TRUSTED_PROXIES), walking right to left."""
import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from rest_framework import throttling as drf_throttling

from apps.core.net import client_ip
from apps.registration.models import Registration
from tests.registration.factories import registration_data
from tests.registration.helpers import as_form_data

PROXY = "10.0.0.5"


def ip(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert ip("203.0.113.7", "198.51.100.1") == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_forged_header_from_an_untrusted_address_is_ignored():
    assert ip("203.0.113.7", "198.51.100.1, 10.0.0.5") == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8::/32"])
def test_the_header_is_walked_right_to_left_skipping_trusted_proxies():
    assert ip(PROXY, "198.51.100.1") == "198.51.100.1"
    # the client forged the leftmost entry; the proxies appended the real address and their own
    assert ip(PROXY, "1.1.1.1, 198.51.100.1, 10.1.2.3") == "198.51.100.1"
    assert ip(PROXY, "2001:db8::9, 2001:db9::1") == "2001:db9::1"
    assert ip(PROXY, "10.9.9.9, 10.1.1.1") == "10.9.9.9"  # all trusted: the farthest one
    assert ip(PROXY) == PROXY  # no header: the proxy itself
    assert ip(PROXY, "garbage, 198.51.100.1") == "198.51.100.1"
    assert ip(PROXY, "198.51.100.1, garbage") == PROXY  # an unreadable hop: stop at the last believable one
    assert ip(PROXY, "198.51.100.1:51234") == "198.51.100.1"
    assert ip("::ffff:10.0.0.5", "198.51.100.1") == "198.51.100.1"


@override_settings(TRUSTED_PROXIES=["unix"])
def test_a_proxy_on_a_unix_socket_can_be_trusted():
    assert ip("", "198.51.100.1") == "198.51.100.1"
    assert ip("203.0.113.7", "198.51.100.1") == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=[PROXY], YIDI_PUBLIC_FORM_RATE="1/hour")
@pytest.mark.django_db
def test_two_citizens_behind_a_trusted_proxy_have_separate_limits_on_the_public_form():
    def post(citizen: str):
        browser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=citizen)
        browser.get("/registration/")
        return browser.post("/registration/", as_form_data(registration_data()))

    assert post("198.51.100.1").status_code == 302
    assert post("198.51.100.2").status_code == 302
    assert Registration.objects.count() == 2
    again = post("198.51.100.1")
    assert again.status_code == 429
    assert "操作过于频繁" in again.content.decode()
    assert Registration.objects.count() == 2


@override_settings(YIDI_PUBLIC_FORM_RATE="1/hour")
@pytest.mark.django_db
def test_rotating_a_forged_header_does_not_escape_the_public_form_limit():
    def post(forged: str):
        browser = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=forged)
        browser.get("/registration/")
        return browser.post("/registration/", as_form_data(registration_data()))

    assert post("198.51.100.1").status_code == 302
    assert post("198.51.100.2").status_code == 429
    assert Registration.objects.count() == 1


@pytest.fixture
def anon_rate_one(monkeypatch):
    rates = {**drf_throttling.SimpleRateThrottle.THROTTLE_RATES, "anon": "1/min"}
    monkeypatch.setattr(drf_throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)


@override_settings(TRUSTED_PROXIES=[PROXY])
@pytest.mark.django_db
def test_two_citizens_behind_a_trusted_proxy_have_separate_api_limits(anon_rate_one):
    def docs(citizen: str) -> int:
        return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=citizen).get("/api/docs/").status_code

    assert docs("198.51.100.1") == 200
    assert docs("198.51.100.2") == 200
    assert docs("198.51.100.1") == 429


@pytest.mark.django_db
def test_a_forged_header_does_not_escape_the_api_limit(anon_rate_one):
    def docs(forged: str) -> int:
        return Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=forged).get("/api/docs/").status_code

    assert docs("198.51.100.1") == 200
    assert docs("198.51.100.2") == 429


def test_every_throttle_in_the_project_is_a_kernel_throttle():
    """DRF's own classes would count the proxy and answer 500 when the cache is down."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils.module_loading import import_string

    from apps.core.api.throttling import DegradingThrottleMixin

    classes = {import_string(path) for path in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]}

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns)
            else:
                yield getattr(p.callback, "cls", None)

    for view in walk(get_resolver().url_patterns):
        classes.update(getattr(view, "throttle_classes", ()) or ())
    assert classes and all(issubclass(c, DegradingThrottleMixin) for c in classes), classes
