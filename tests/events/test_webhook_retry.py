"""Retries with exponential backoff, driven deterministically: the sweeper and the attempt take ``now``."""
import datetime as dt

import pytest
from django.db import transaction

from apps.events import delivery, tasks
from apps.events.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.events.factories import approved_registration, record_approval, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_allowed")]


def _deliver_one(receiver, commits):
    subscribe("310000", receiver.url)
    with commits():
        with transaction.atomic():
            record_approval(approved_registration())
    return WebhookDelivery.objects.get()


def test_a_receiver_answering_500_twice_then_200_gets_three_attempts_with_growing_delays(receiver, commits):
    receiver.codes = [500, 500, 200]
    d = _deliver_one(receiver, commits)  # attempt 1, right after the commit: 500
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    first_wait = d.next_attempt_at - d.last_attempt_at

    with commits():
        assert tasks.sweep(now=d.next_attempt_at - dt.timedelta(seconds=1))["deliveries"] == 0  # not yet due
        tasks.sweep(now=d.next_attempt_at)  # attempt 2: 500
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.PENDING, 2, 500)
    second_wait = d.next_attempt_at - d.last_attempt_at

    with commits():
        tasks.sweep(now=d.next_attempt_at)  # attempt 3: 200
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code, d.next_attempt_at) == (DeliveryStatus.DELIVERED, 3, 200, None)
    assert first_wait == dt.timedelta(minutes=1) and second_wait == dt.timedelta(minutes=2)
    assert list(WebhookAttempt.objects.filter(delivery=d).values_list("status_code", flat=True)) == [500, 500, 200]
    assert len(receiver.requests) == 3
    assert {r["headers"]["x-yidi-delivery"] for r in receiver.requests} == {str(d.pk)}
    assert len({r["body"] for r in receiver.requests}) == 1  # the same body (and signature) every time


def test_only_a_short_excerpt_of_the_answer_is_kept(receiver, commits):
    receiver.codes = [503]  # answers 5,000 bytes
    d = _deliver_one(receiver, commits)
    assert len(d.response_excerpt) == delivery.EXCERPT_CHARS
    assert len(WebhookAttempt.objects.get().response_excerpt) == delivery.EXCERPT_CHARS


def test_with_a_broker_the_next_attempt_is_queued_with_the_backoff_as_countdown(receiver, commits, monkeypatch):
    receiver.codes = [500]
    sent = []
    monkeypatch.setattr(tasks, "in_process", lambda: False)
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, countdown=None: sent.append((task.name, args, countdown)))
    subscribe("310000", receiver.url)
    with commits():
        with transaction.atomic():
            record_approval(approved_registration())
    d = WebhookDelivery.objects.get()  # attempt 1 ran right after the commit and failed
    assert (d.status, d.attempts) == (DeliveryStatus.PENDING, 1)
    assert sent == [("events.deliver", (d.pk,), 60.0)]
    assert tasks.deliver(d.pk) is None  # a duplicate message before it is due does nothing
    assert len(receiver.requests) == 1


def test_the_backoff_doubles_and_is_capped():
    waits = [delivery.backoff(n) for n in range(1, 12)]
    assert waits[:4] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert all(a <= b for a, b in zip(waits, waits[1:], strict=False))
    assert waits[-1] == dt.timedelta(hours=6)


def test_retries_stop_after_24_hours(receiver, commits):
    receiver.codes = [500] * 30
    d = _deliver_one(receiver, commits)
    attempts = 1
    while d.status == DeliveryStatus.PENDING:
        with commits():
            tasks.sweep(now=d.next_attempt_at)
        d.refresh_from_db()
        attempts += 1
        assert d.last_attempt_at - d.window_started_at <= dt.timedelta(hours=24)
    assert d.status == DeliveryStatus.FAILED and d.attempts == attempts > 5
    assert d.next_attempt_at is None


def test_a_redirect_is_not_followed(receiver, commits):
    receiver.codes = [302]
    d = _deliver_one(receiver, commits)
    assert (d.status, d.last_status_code, len(receiver.requests)) == (DeliveryStatus.PENDING, 302, 1)


def test_an_unreachable_receiver_is_a_failed_attempt_with_the_error(commits, settings):
    settings.WEBHOOK_TIMEOUT = 1
    subscribe("310000", "http://127.0.0.1:9/nothing-listens-here")
    with commits():
        with transaction.atomic():
            record_approval(approved_registration())
    d = WebhookDelivery.objects.get()
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.PENDING, 1, None)
    assert d.last_error


def test_a_destination_no_longer_allowed_is_never_posted_to(receiver, commits, settings):
    subscribe("310000", receiver.url)
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.example.gov.cn"]
    with commits():
        with transaction.atomic():
            record_approval(approved_registration())
    d = WebhookDelivery.objects.get()
    assert d.status == DeliveryStatus.FAILED and "WEBHOOK_ALLOWED_HOSTS" in d.last_error
    assert receiver.requests == []


def test_two_attempts_at_once_post_only_once(receiver, commits):
    receiver.codes = [500]
    d = _deliver_one(receiver, commits)
    due = d.next_attempt_at
    first = delivery.attempt(d.pk, now=due)
    second = delivery.attempt(d.pk, now=due)
    assert first is not None and second is None
    assert len(receiver.requests) == 2
