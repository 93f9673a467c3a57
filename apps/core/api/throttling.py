"""Throttling that survives its cache and sees the real client behind a trusted proxy.

Every throttle in the project derives from these classes (DEFAULT_THROTTLE_CLASSES, and any custom one in
an area: subclass ``SimpleRateThrottle`` here, not DRF's). The counts live in the cache (Redis in
production). When the cache does not answer, the request is let through and a warning is logged —
throttling is a protection, not a reason to answer 500. After a failure the cache is left alone for
``RETRY_SECONDS`` so an outage costs neither a connection attempt per request nor a log line per request.
``over_rate`` is the same fixed-window count for plain Django views (the public form).
"""
import logging
import time

from django.core.cache import cache as default_cache
from rest_framework import throttling

from apps.core.net import client_ip

logger = logging.getLogger("apps.core.throttling")

RETRY_SECONDS = 5.0

try:  # the errors a cache backend raises when its server is away
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a declared dependency
    RedisError = OSError  # type: ignore[misc,assignment]
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, EOFError)

_down_until: dict[str, float] = {}


def _cache_key(cache) -> str:
    """Which cache server a failure belongs to (its location), so one outage does not mute another cache."""
    return repr(getattr(cache, "_servers", None) or getattr(cache, "_dir", None) or "local")


def cache_is_resting(cache=None) -> bool:
    """True while a recent failure of this cache says: do not try it yet."""
    until = _down_until.get(_cache_key(cache or default_cache))
    return until is not None and time.monotonic() < until


def cache_failed(exc: BaseException, what: str, cache=None) -> None:
    """Record a cache failure: log one warning and leave the cache alone for RETRY_SECONDS."""
    _down_until[_cache_key(cache or default_cache)] = time.monotonic() + RETRY_SECONDS
    logger.warning("Cache unavailable (%s: %s): %s skipped for %ss", type(exc).__name__, exc, what, RETRY_SECONDS)


def reset_cache_state() -> None:
    """Forget past failures (tests, and after the operator fixed the cache)."""
    _down_until.clear()


class DegradingThrottleMixin:
    """Client address from apps.core.net; a cache outage lets the request through with a logged warning."""

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        if cache_is_resting(self.cache):
            return True
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            cache_failed(exc, f"throttle {type(self).__name__}", self.cache)
            return True


class SimpleRateThrottle(DegradingThrottleMixin, throttling.SimpleRateThrottle):
    """Base of every custom throttle."""


class AnonRateThrottle(DegradingThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(DegradingThrottleMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(DegradingThrottleMixin, throttling.ScopedRateThrottle):
    pass


def over_rate(key: str, limit: int, seconds: int, cache=None) -> bool:
    """Count one hit on ``key`` in a fixed window of ``seconds``; True once it exceeds ``limit``.
    When the cache is down the hit is not counted and the answer is False (logged, as for the API)."""
    cache = cache or default_cache
    if cache_is_resting(cache):
        return False
    try:
        cache.add(key, 0, timeout=seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds)
            count = 1
    except CACHE_ERRORS as exc:
        cache_failed(exc, "rate limit", cache)
        return False
    return count > limit
