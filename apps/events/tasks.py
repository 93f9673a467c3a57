"""Celery tasks of the operations engine. Each is idempotent and safe to retry: it works from the rows
(claimed with conditional UPDATEs), so a duplicate message, a retry or a sweep does no harm."""
import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from . import delivery as webhook
from . import services, sms
from .models import DeliveryStatus, Event, SmsMessage, SmsStatus, WebhookDelivery
from .queue import enqueue, in_process

logger = logging.getLogger("apps.events")

# Longer waits are left to the sweeper: a countdown held by a Redis worker past the broker's visibility
# timeout would be handed out twice (harmless, the claim stops it, but pointless).
MAX_COUNTDOWN = dt.timedelta(minutes=15)
SWEEP_AFTER = dt.timedelta(minutes=1)
SWEEP_BATCH = 500


@shared_task(name="events.dispatch")
def dispatch(event_id: int):
    return services.dispatch_event(event_id)


@shared_task(name="events.send_sms")
def send_sms(message_id: int):
    return sms.send_message(message_id)


@shared_task(name="events.deliver")
def deliver(delivery_id: int):
    """One attempt of a webhook delivery; on failure the next one is scheduled with the backoff's countdown
    (in-process, and for waits beyond MAX_COUNTDOWN, the sweeper sends it when it falls due)."""
    outcome = webhook.attempt(delivery_id)
    if outcome is None:
        return None
    if outcome.retry_in is not None and not in_process() and outcome.retry_in <= MAX_COUNTDOWN:
        enqueue(deliver, delivery_id, countdown=outcome.retry_in.total_seconds())
    return outcome.status


@shared_task(name="events.sweep")
def sweep(now=None) -> dict:
    """At-least-once: dispatch events still undispatched a minute after they were written (the process died
    after the commit, or the broker was away), send due webhook retries, and SMS left unsent."""
    now = now or timezone.now()
    if isinstance(now, str):
        now = dt.datetime.fromisoformat(now)
    events = list(Event.objects.filter(dispatched_at__isnull=True, created_at__lt=now - SWEEP_AFTER)
                  .order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    for event_id in events:
        enqueue(dispatch, event_id)
    due = list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    for delivery_id in due:
        if in_process():
            webhook.attempt(delivery_id, now=now)
        else:
            enqueue(deliver, delivery_id)
    unsent = list(SmsMessage.objects.filter(status__in=[SmsStatus.PENDING, SmsStatus.SENDING],
                                            created_at__lt=now - SWEEP_AFTER)
                  .order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    for message_id in unsent:
        enqueue(send_sms, message_id)
    return {"events": len(events), "deliveries": len(due), "sms": len(unsent)}


@shared_task(name="events.run_job")
def run_job(job_id: int):
    from .jobs import run

    return run(job_id)
