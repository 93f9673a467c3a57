"""SMS to insured persons: the templates' placeholders, the backends, and sending one logged message.

Backends (``YIDI_SMS_BACKEND``): ``console`` logs the message (phone masked), ``file`` appends one JSON line
``{"to", "text", "at"}`` to ``YIDI_SMS_FILE``, anything else is the dotted path of a class whose
``send(to, text)`` hands the message to a gateway (raising on failure). No text ever carries a full
resident ID number: templates cannot name one, and every rendered text is masked again before it is stored.
"""
import datetime as dt
import json
import logging
import re
import string
import threading

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.core.logging import mask_id_numbers

from .models import SmsDailyCount, SmsMessage, SmsStatus, mask_phone

logger = logging.getLogger("apps.events.sms")

PHONE = re.compile(r"^1[3-9][0-9]{9}\Z")
MAX_LENGTH = 300
MAX_ATTEMPTS = 3
STALE_SENDING = dt.timedelta(minutes=5)

# Placeholder → where its value comes from in the event's data (the object as its endpoint shows it).
PLACEHOLDERS = {
    "name": "name",
    "reference": "reference",
    "destination": "destination_region",  # shown as the region's name
    "insured_region": "insured_region",  # shown as the region's name
    "valid_from": "valid_from",
    "valid_until": "valid_until",
    "status_reason": "status_reason",
    "documents_owed": "documents_owed",
    "documents_due": "documents_due",
}
REGION_PLACEHOLDERS = {"destination", "insured_region"}


def template_error(text: str) -> str | None:
    """What is wrong with a template text (Chinese), or None. Only the named placeholders, plainly."""
    if not text or not text.strip():
        return "短信内容不能为空。"
    if len(text) > MAX_LENGTH:
        return f"短信内容不能超过 {MAX_LENGTH} 个字符。"
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return "短信内容中的花括号不成对；占位符写作 {name}，花括号本身写作 {{ 或 }}。"
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            allowed = " ".join("{%s}" % p for p in PLACEHOLDERS)
            return f"不支持的占位符 {{{field}}}。可用占位符：{allowed}。"
    return None


def _region_name(code) -> str:
    from apps.regions.models import Region

    if not code:
        return ""
    region = Region.objects.filter(code=str(code)).only("name").first()
    return region.name if region else str(code)


def render(text: str, data: dict) -> str:
    """The template filled from the event's data: region codes as names, an open end date as 长期, anything
    missing empty; any ID number that slipped into the data is masked."""
    values = {}
    for placeholder, key in PLACEHOLDERS.items():
        value = data.get(key)
        if placeholder in REGION_PLACEHOLDERS:
            values[placeholder] = _region_name(value)
        elif value is None:
            values[placeholder] = "长期" if placeholder == "valid_until" and key in data else ""
        else:
            values[placeholder] = str(value)
    return mask_id_numbers(text.format_map(values))[:500]


# --- backends ------------------------------------------------------------------------------------------

class ConsoleBackend:
    """Logs each message (the phone number masked): development and demonstrations."""

    def send(self, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(to), text)


class FileBackend:
    """Appends one JSON line ``{"to", "text", "at"}`` per message to ``YIDI_SMS_FILE``."""

    _lock = threading.Lock()

    def send(self, to: str, text: str) -> None:
        line = json.dumps({"to": to, "text": text, "at": timezone.now().isoformat()}, ensure_ascii=False)
        with self._lock, open(settings.YIDI_SMS_FILE, "a", encoding="utf-8") as out:
            out.write(line + "\n")


BACKENDS = {"console": ConsoleBackend, "file": FileBackend}


def backend():
    name = settings.YIDI_SMS_BACKEND
    return (BACKENDS.get(name) or import_string(name))()


# --- sending -------------------------------------------------------------------------------------------

def _claim(message_id: int, now) -> bool:
    """Take the message for sending — pending, or left in sending for STALE_SENDING by a sender that died:
    one conditional UPDATE, so two sweeps never send it twice at once."""
    claimable = Q(status=SmsStatus.PENDING) | Q(status=SmsStatus.SENDING, attempted_at__lt=now - STALE_SENDING)
    return SmsMessage.objects.filter(claimable, pk=message_id).update(
        status=SmsStatus.SENDING, attempted_at=now, attempts=F("attempts") + 1) == 1


def _take_quota(phone: str, day: dt.date) -> bool:
    """Count one message for ``phone`` on ``day`` unless the daily limit is reached (a conditional UPDATE)."""
    limit = settings.YIDI_SMS_DAILY_LIMIT
    with transaction.atomic():
        SmsDailyCount.objects.get_or_create(phone=phone, day=day)
        return SmsDailyCount.objects.filter(phone=phone, day=day, count__lt=limit).update(count=F("count") + 1) == 1


def send_message(message_id: int, *, now=None) -> str | None:
    """Send one logged message through the backend, at most once per claim; returns its new status (None
    when someone else has it or it is already settled). Safe to call again at any time."""
    now = now or timezone.now()
    if not _claim(message_id, now):
        return None
    message = SmsMessage.objects.get(pk=message_id)
    if not _take_quota(message.to, timezone.localdate(now)):
        logger.warning("SMS to %s held back: daily limit of %s reached", mask_phone(message.to),
                       settings.YIDI_SMS_DAILY_LIMIT)
        SmsMessage.objects.filter(pk=message_id).update(status=SmsStatus.LIMITED, error="超过每日发送上限")
        return SmsStatus.LIMITED
    try:
        backend().send(message.to, message.text)
    except Exception as exc:  # noqa: BLE001 - any gateway failure: log it, retry a few times
        status = SmsStatus.PENDING if message.attempts < MAX_ATTEMPTS else SmsStatus.FAILED
        SmsDailyCount.objects.filter(phone=message.to, day=timezone.localdate(now)).update(count=F("count") - 1)
        logger.warning("SMS to %s failed (%s: %s)", mask_phone(message.to), type(exc).__name__, exc)
        SmsMessage.objects.filter(pk=message_id).update(status=status, error=f"{type(exc).__name__}: {exc}"[:255])
        return status
    SmsMessage.objects.filter(pk=message_id).update(status=SmsStatus.SENT, sent_at=timezone.now(), error="")
    return SmsStatus.SENT
