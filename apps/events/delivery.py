"""Webhook delivery: which destinations are allowed, the signed POST, and one attempt of one delivery.

A delivery is a POST of ``{"id", "event", "occurred_at", "data"}`` with ``X-Yidi-Event``,
``X-Yidi-Delivery`` (the delivery id; receivers de-duplicate on it) and ``X-Yidi-Signature:
sha256=<hex HMAC-SHA256 of the raw body with the subscription's secret>``. The request goes through
``http.client`` with a short timeout and follows no redirect (a 3xx is a failure like any non-2xx);
only a short excerpt of the answer is kept. Any failure is retried with exponential backoff until
``WEBHOOK_RETRY_HOURS`` (24) after the delivery began.
"""
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F
from django.http.request import validate_host
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.inputs import text_error

from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery

MAX_URL_LENGTH = 500
EXCERPT_CHARS = 500
READ_BYTES = 2048
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
# While one attempt is under way, nobody else may start it: the attempt's lease (longer than any timeout).
LEASE = dt.timedelta(minutes=2)
USER_AGENT = "Yidi-Webhooks/1"


# --- destinations --------------------------------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_allowed(host: str) -> bool:
    """``host`` matches ``WEBHOOK_ALLOWED_HOSTS`` (Django's host patterns), or is loopback while DEBUG."""
    host = host.lower().rstrip(".")
    if settings.DEBUG and _is_loopback(host):
        return True
    return bool(host) and validate_host(host, settings.WEBHOOK_ALLOWED_HOSTS)


def destination_error(url: str) -> str | None:
    """Why ``url`` may not receive webhooks (in the active language), or None when it may."""
    if not isinstance(url, str) or not url.strip():
        return _("请填写推送地址。")
    if len(url) > MAX_URL_LENGTH:
        return _("推送地址不能超过 %(n)s 个字符。") % {"n": MAX_URL_LENGTH}
    problem = text_error(url)
    if problem or any(c.isspace() for c in url):
        return problem or _("推送地址不能包含空白字符。")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("推送地址应为 http:// 或 https:// 开头的完整网址。")
    if parts.username or parts.password:
        return _("推送地址不能包含用户名或密码。")
    if parts.fragment:
        return _("推送地址不能包含 # 片段。")
    try:
        parts.port  # noqa: B018 - reading it validates it (ValueError when out of range)
    except ValueError:
        return _("推送地址的端口无效。")
    if not host_allowed(parts.hostname):
        return _("推送地址的主机 %(host)s 不在允许的范围内（WEBHOOK_ALLOWED_HOSTS），请联系平台管理员。") % {
            "host": parts.hostname}
    return None


# --- the request ---------------------------------------------------------------------------------------

def body_of(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    payload = {"id": event.pk, "event": event.name, "occurred_at": timezone.localtime(event.created_at).isoformat(),
               "data": event.data}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class Answer:
    status_code: int | None
    excerpt: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: dict) -> Answer:
    """One POST with ``WEBHOOK_TIMEOUT``; never follows a redirect; keeps only the start of the answer."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout, host = settings.WEBHOOK_TIMEOUT, parts.hostname or ""
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = conn.getresponse()
        raw = response.read(READ_BYTES)
        code = response.status
    except (OSError, ValueError, http.client.HTTPException) as exc:
        kind = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
        return Answer(None, error=f"{kind}: {exc}"[:255], duration_ms=_ms(started))
    finally:
        conn.close()
    return Answer(code, excerpt=raw.decode("utf-8", "replace")[:EXCERPT_CHARS], duration_ms=_ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# --- one attempt ---------------------------------------------------------------------------------------

def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


@dataclass
class Outcome:
    status: str
    attempts: int
    retry_in: dt.timedelta | None = None  # when the next attempt is due (None: no further attempt)


def _claim(delivery_id: int, now) -> bool:
    """Start an attempt if the delivery is pending and due: one conditional UPDATE, so a countdown task and
    the sweeper never post the same delivery at once. The lease covers an attempter that dies mid-way."""
    return WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1, last_attempt_at=now) == 1


def attempt(delivery_id: int, *, now=None) -> Outcome | None:
    """Make one attempt of a due delivery and record it; None when it is not due (or someone else has it).
    ``now`` is injectable so that tests drive the backoff without waiting."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.active:
        return _settle(delivery, now, DeliveryStatus.CANCELLED, Answer(None, error="订阅已删除"))
    problem = destination_error(subscription.url)
    if problem:  # the allowed hosts changed since the subscription was made: never send there
        return _settle(delivery, now, DeliveryStatus.FAILED, Answer(None, error=problem[:255]))
    body = body_of(delivery)
    answer = post(subscription.url, body, {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Yidi-Event": delivery.event.name,
        "X-Yidi-Delivery": str(delivery.pk),
        "X-Yidi-Signature": signature(subscription.secret, body),
    })
    if answer.ok:
        return _settle(delivery, now, DeliveryStatus.DELIVERED, answer)
    wait = backoff(delivery.attempts)
    window_end = delivery.window_started_at + dt.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    if now + wait > window_end:
        return _settle(delivery, now, DeliveryStatus.FAILED, answer)
    return _settle(delivery, now, DeliveryStatus.PENDING, answer, next_at=now + wait)


def _settle(delivery, now, status, answer: Answer, next_at=None) -> Outcome:
    WebhookAttempt.objects.create(delivery=delivery, at=now, status_code=answer.status_code, error=answer.error,
                                  duration_ms=answer.duration_ms, response_excerpt=answer.excerpt)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, next_attempt_at=next_at, last_status_code=answer.status_code, last_error=answer.error,
        response_excerpt=answer.excerpt, delivered_at=now if status == DeliveryStatus.DELIVERED else None,
    )
    return Outcome(status, delivery.attempts, retry_in=(next_at - now) if next_at else None)
