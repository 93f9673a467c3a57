"""Writes of the operations engine: recording an event in the caller's transaction, fanning it out once
committed, notifications read and preferences, webhook subscriptions and redelivery, SMS templates.

An area's service calls ``record_event(...)`` inside its own transaction and never imports delivery code:
the row is its part of the change, and dispatch starts only once that change has committed."""
import json
import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import audit
from apps.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from apps.core.inputs import text_error
from apps.core.logging import mask_id_numbers
from apps.regions.models import Organisation, Region, Tier
from apps.regions.scope import covers_region

from . import sms
from .catalogue import EVENTS, is_required, label
from .delivery import destination_error
from .models import (
    DeliveryStatus,
    Event,
    Notification,
    NotificationPreference,
    SmsMessage,
    SmsStatus,
    SmsTemplate,
    WebhookDelivery,
    WebhookSubscription,
)
from .queue import enqueue_on_commit

logger = logging.getLogger("apps.events")

MAX_SUBSCRIPTIONS = 20
SECRET_MIN, SECRET_MAX = 16, 128


# --- recording -----------------------------------------------------------------------------------------

def _codes(values, kind) -> list[str]:
    if values is None:
        return []
    if isinstance(values, (str, kind)):
        values = [values]
    out: list[str] = []
    for v in values:
        code = v.code if isinstance(v, kind) else str(v)
        if code and code not in out:
            out.append(code)
    return out


def _admin_url(obj) -> str:
    if obj is None or obj.pk is None:
        return ""
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def record_event(name: str, *, obj=None, organisation=None, regions: Iterable = (), data: dict | None = None,
                 summary: str = "", url: str = "", sms_to: str = "", dedupe_key: str | None = None,
                 object_type: str = "", object_id: str = "") -> Event | None:
    """Write the outbox row for ``name`` about ``obj`` in the caller's transaction; it is dispatched once that
    transaction commits (and never if it rolls back).

    ``organisation``: the organisation(s) concerned (objects or codes) — their staff are notified.
    ``regions``: the region codes (or Regions) the object lies in — subscribers see it when one is in scope.
    ``data``: the object as its own endpoint shows it. ``sms_to``: the insured person's phone, when the
    event's SMS template should reach them. ``dedupe_key``: record at most one event per key (reminders);
    returns None when the key was recorded before."""
    if name not in EVENTS:
        raise ValueError(f"unknown event {name!r}: add it to apps/events/catalogue.py")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    row = Event(
        name=name, object_type=object_type[:64], object_id=str(object_id)[:64],
        organisations=_codes(organisation, Organisation), regions=_codes(regions, Region),
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
        summary=mask_id_numbers(summary)[:255], url=(url or _admin_url(obj))[:255], sms_to=sms_to or "",
        dedupe_key=dedupe_key,
    )
    if dedupe_key is not None:
        if Event.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # recorded meanwhile by a concurrent run
            return None
    else:
        row.save()
    from .tasks import dispatch

    enqueue_on_commit(dispatch, row.pk)
    return row


# --- dispatching ---------------------------------------------------------------------------------------

def dispatch_event(event_id: int) -> dict | None:
    """Fan one committed event out — notifications, the SMS, webhook deliveries — exactly once: the row is
    locked and marked dispatched in the same transaction as the fan-out; a second call finds it done and
    returns None. What is to be sent is sent after that commit (and by the sweeper if this process dies)."""
    from .tasks import deliver, send_sms

    with transaction.atomic():
        event = (Event.objects.select_for_update(skip_locked=True)
                 .filter(pk=event_id, dispatched_at__isnull=True).first())
        if event is None:
            return None
        notified = _notify_staff(event)
        sms_ids = _queue_sms(event)
        delivery_ids = _queue_deliveries(event)
        event.dispatched_at = timezone.now()
        event.save(update_fields=["dispatched_at"])
        for message_id in sms_ids:
            enqueue_on_commit(send_sms, message_id)
        for delivery_id in delivery_ids:
            enqueue_on_commit(deliver, delivery_id)
    return {"notifications": notified, "sms": len(sms_ids), "deliveries": len(delivery_ids)}


def _notify_staff(event: Event) -> int:
    """One notification per active staff account of the organisations concerned, except those who turned
    this event off — unless their organisation's tier must see it."""
    if not event.organisations:
        return 0
    users = list(get_user_model().objects.filter(organisation__code__in=event.organisations, is_active=True,
                                                 is_staff=True).select_related("organisation"))
    turned_off = set(NotificationPreference.objects.filter(
        user__in=[u.pk for u in users], event=event.name, enabled=False).values_list("user_id", flat=True))
    rows = [
        Notification(user=u, event=event, title=label(event.name), body=event.summary or event.object_id,
                     url=event.url, created_at=event.created_at)
        for u in users if u.pk not in turned_off or is_required(event.name, getattr(u.organisation, "tier", None))
    ]
    return len(Notification.objects.bulk_create(rows, ignore_conflicts=True))


def _queue_sms(event: Event) -> list[int]:
    if not event.sms_to or not EVENTS[event.name].sms:
        return []
    template = SmsTemplate.objects.filter(event=event.name, active=True).first()
    if template is None:
        return []
    if not sms.PHONE.match(event.sms_to):
        logger.warning("Event %s: no SMS, %r is not a mainland mobile number", event.pk, event.sms_to[:3] + "…")
        return []
    message, _created = SmsMessage.objects.get_or_create(
        event=event, to=event.sms_to, defaults={"text": sms.render(template.text, event.data)})
    return [message.pk] if message.status == SmsStatus.PENDING else []


def _ancestors(code: str) -> set[str]:
    return {code, code[:4] + "00", code[:2] + "0000"}


def _in_scope(org: Organisation, event: Event) -> bool:
    """Whether the subscriber's organisation may see the event's object: national always; an organisation
    the event concerns; a bureau whose region subtree holds one of the event's regions."""
    if org.is_national or org.code in event.organisations:
        return True
    return any(covers_region(org, code) for code in event.regions)


def _queue_deliveries(event: Event) -> list[int]:
    near = set().union(*(_ancestors(c) for c in event.regions)) if event.regions else set()
    candidates = (WebhookSubscription.objects.filter(active=True)
                  .filter(Q(region_id__in=near) | Q(organisation__code__in=event.organisations)
                          | Q(organisation__tier=Tier.NATIONAL))
                  .select_related("organisation__region"))
    wanted = [s for s in candidates if event.name in s.events and _in_scope(s.organisation, event)]
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, subscription=s, created_at=now, window_started_at=now, next_attempt_at=now)
         for s in wanted], ignore_conflicts=True)
    return list(WebhookDelivery.objects.filter(event=event, status=DeliveryStatus.PENDING)
                .values_list("pk", flat=True))


# --- notifications -------------------------------------------------------------------------------------

@transaction.atomic
def mark_read(*, user, notification_id) -> Notification:
    """Mark one of ``user``'s own notifications read (someone else's answers NotFound)."""
    note = Notification.objects.select_for_update().filter(pk=notification_id, user=user).first()
    if note is None:
        raise NotFound(_("通知不存在。"))
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
        audit.record(actor=user, action="events.notification.read", obj=note, summary=note.title)
    return note


@transaction.atomic
def mark_all_read(*, user) -> int:
    count = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        audit.record(actor=user, action="events.notification.read_all", object_type="events.notification",
                     object_id=f"user:{user.pk}", summary=f"{count} 条通知标为已读", count=count)
    return count


def preferences(user) -> list[dict]:
    """Every event with whether ``user`` receives it and whether their organisation's tier must."""
    tier = getattr(getattr(user, "organisation", None), "tier", None)
    off = set(NotificationPreference.objects.filter(user=user, enabled=False).values_list("event", flat=True))
    return [{"event": e.name, "label": e.label, "required": is_required(e.name, tier),
             "enabled": is_required(e.name, tier) or e.name not in off} for e in EVENTS.values()]


@transaction.atomic
def set_preference(*, user, event: str, enabled: bool) -> dict:
    """Turn one event's notifications on or off for ``user``; those their tier must see stay on."""
    if event not in EVENTS:
        raise ValidationFailed(_("未知的事件：%(event)s。") % {"event": str(event)[:64]}, field="event")
    tier = getattr(getattr(user, "organisation", None), "tier", None)
    if not enabled and is_required(event, tier):
        raise ValidationFailed(_("“%(label)s”（%(event)s）是本机构岗位必须接收的通知，不能关闭。") % {"label": label(event),
                                                                             "event": event},
                               field="event")
    NotificationPreference.objects.update_or_create(user=user, event=event, defaults={"enabled": bool(enabled)})
    audit.record(actor=user, action="events.notification.preference", object_type="events.notificationpreference",
                 object_id=f"user:{user.pk}", summary=f"{label(event)}：{'接收' if enabled else '不接收'}",
                 event=event, enabled=bool(enabled))
    return next(p for p in preferences(user) if p["event"] == event)


# --- webhooks ------------------------------------------------------------------------------------------

def subscription_errors(*, url, events, secret) -> dict[str, list[str]]:
    """Every fault of a subscription request at once (touches no row)."""
    errors: dict[str, list[str]] = {}
    problem = destination_error(url)
    if problem:
        errors["url"] = [problem]
    if not isinstance(events, list) or not events:
        errors["events"] = [_("请至少选择一个事件。")]
    else:
        unknown = [str(e)[:64] for e in events if not isinstance(e, str) or e not in EVENTS]
        if unknown:
            errors["events"] = [_("未知的事件：%(event)s。") % {"event": "、".join(unknown)}]
        elif len(set(events)) != len(events):
            errors["events"] = [_("事件不能重复。")]
    if not isinstance(secret, str) or not (SECRET_MIN <= len(secret) <= SECRET_MAX):
        errors["secret"] = [_("签名密钥应为 %(lo)s 至 %(hi)s 个字符。") % {"lo": SECRET_MIN, "hi": SECRET_MAX}]
    elif text_error(secret) or any(c.isspace() for c in secret):
        errors["secret"] = [_("签名密钥不能包含空白或控制字符。")]
    return errors


def subscribe(*, actor, organisation: Organisation, url: str, events: list, secret: str) -> WebhookSubscription:
    """Subscribe ``organisation`` to ``events`` at ``url``; the destination host must be allowed."""
    errors = subscription_errors(url=url, events=events, secret=secret)
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(first[1][0], field=first[0], errors=errors)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()  # one subscribe at a time
        mine = WebhookSubscription.objects.filter(organisation=organisation, active=True)
        same = mine.filter(url=url).first()
        if same is not None:
            raise Conflict(_("本机构已订阅该地址（订阅编号 %(id)s）；如需更改事件，请先删除原订阅。") % {"id": same.pk},
                           field="url")
        if mine.count() >= MAX_SUBSCRIPTIONS:
            raise ValidationFailed(_("每个机构最多 %(n)s 个有效订阅。") % {"n": MAX_SUBSCRIPTIONS}, field="url")
        sub = WebhookSubscription.objects.create(
            organisation=organisation, region_id=organisation.region_id, url=url, events=list(events),
            secret=secret, created_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(actor=actor, organisation=organisation, action="events.webhook.subscribe", obj=sub,
                     summary=f"订阅推送：{url}"[:255], url=url, events=list(events))
    return sub


def _own_subscription(organisation, subscription_id, *, lock=False) -> WebhookSubscription:
    qs = WebhookSubscription.objects.filter(organisation=organisation, active=True)
    sub = (qs.select_for_update() if lock else qs).filter(pk=subscription_id).first()
    if sub is None:
        raise NotFound(_("订阅不存在。"))
    return sub


@transaction.atomic
def unsubscribe(*, actor, organisation, subscription_id) -> WebhookSubscription:
    """End a subscription: nothing more is sent to it (pending deliveries are cancelled); its log stays."""
    sub = _own_subscription(organisation, subscription_id, lock=True)
    sub.active = False
    sub.deleted_at = timezone.now()
    sub.save(update_fields=["active", "deleted_at"])
    cancelled = sub.deliveries.filter(status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, next_attempt_at=None)
    audit.record(actor=actor, organisation=organisation, action="events.webhook.unsubscribe", obj=sub,
                 summary=f"删除推送订阅：{sub.url}"[:255], cancelled=cancelled)
    return sub


@transaction.atomic
def redeliver(*, actor, organisation, subscription_id, delivery_id) -> WebhookDelivery:
    """Send a delivery again (same id, so the receiver can de-duplicate), with a fresh 24-hour window."""
    sub = _own_subscription(organisation, subscription_id)
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id, subscription=sub).first()
    if delivery is None:
        raise NotFound(_("推送记录不存在。"))
    if delivery.status == DeliveryStatus.PENDING:
        raise Conflict(_("该推送正在等待投递，无需重新投递。"))
    now = timezone.now()
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = delivery.window_started_at = now
    delivery.save(update_fields=["status", "next_attempt_at", "window_started_at"])
    audit.record(actor=actor, organisation=organisation, action="events.webhook.redeliver", obj=delivery,
                 summary=f"重新推送 #{delivery.pk}（{delivery.event.name}）")
    from .tasks import deliver

    enqueue_on_commit(deliver, delivery.pk)
    return delivery


# --- SMS templates -------------------------------------------------------------------------------------

def is_national_staff(user) -> bool:
    """Active staff of the national bureau (or a superuser): who edits SMS templates and the schedules."""
    org = getattr(user, "organisation", None)
    return bool(user.is_active and user.is_staff and (user.is_superuser or (org is not None and org.is_national)))


@transaction.atomic
def save_sms_template(*, actor, template: SmsTemplate) -> SmsTemplate:
    """Create or change a template (national staff only); the text may use only the known placeholders."""
    if not is_national_staff(actor):
        raise NotAllowed("只有国家医保经办机构的工作人员可以修改短信模板。")
    problem = sms.template_error(template.text)
    if problem:
        raise ValidationFailed(problem, field="text")
    if template.event not in EVENTS or not EVENTS[template.event].sms:
        raise ValidationFailed("该事件不发送短信。", field="event")
    template.updated_by = actor
    template.save()
    audit.record(actor=actor, action="events.sms_template.save", obj=template,
                 summary=f"短信模板：{template.get_event_display()}", text=template.text, active=template.active)
    return template
