"""The transactional outbox: a rolled-back change emits nothing; a committed one is dispatched once — one
notification per intended user, one SMS, one signed webhook delivery — and at least once even when the
process dies right after the commit."""
import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.db import transaction

from apps.core.idnumbers import mask
from apps.events import services, tasks
from apps.events.models import (
    DeliveryStatus,
    Event,
    Notification,
    SmsMessage,
    SmsStatus,
    WebhookDelivery,
)
from tests.events.factories import SECRET, approved_registration, record_approval, staff, subscribe
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_allowed")]


class Boom(Exception):
    pass


def test_a_rolled_back_change_emits_nothing(receiver, sms_file, commits):
    staff("310115")
    subscribe("310000", receiver.url)
    registration = approved_registration()
    with commits():
        with pytest.raises(Boom):
            with transaction.atomic():
                record_approval(registration)
                raise Boom
    assert not Event.objects.exists()
    assert not Notification.objects.exists()
    assert not SmsMessage.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert sms_file.lines() == []
    assert receiver.requests == []


def test_a_committed_change_notifies_each_intended_user_once(receiver, sms_file, commits):
    first, second = staff("310115"), staff("310115")
    UserFactory(org="310115", is_staff=False)  # a partner system's token account: no in-app notifications
    staff("310115", is_active=False)
    staff("310112")  # another county's staff
    registration = approved_registration()
    with commits():
        with transaction.atomic():
            event = record_approval(registration)
    assert Event.objects.count() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
    notes = Notification.objects.filter(event=event)
    assert sorted(n.user_id for n in notes) == sorted([first.pk, second.pk])
    note = notes.first()
    assert note.title == "备案已通过"
    assert registration.person.id_number not in note.body and mask(registration.person.id_number) in note.body
    assert note.url == f"/admin/registration/registration/{registration.pk}/change/"


def test_a_committed_change_sends_one_sms_without_the_full_id_number(sms_file, commits):
    registration = approved_registration()
    with commits():
        with transaction.atomic():
            record_approval(registration)
    lines = sms_file.lines()
    assert len(lines) == 1
    assert lines[0]["to"] == registration.person.phone
    assert set(lines[0]) == {"to", "text", "at"}
    text = lines[0]["text"]
    assert registration.reference in text and "苏州市" in text and registration.person.name in text
    assert registration.person.id_number not in text
    assert SmsMessage.objects.get().status == SmsStatus.SENT


def test_a_committed_change_posts_one_signed_webhook(receiver, commits):
    subscription = subscribe("310000", receiver.url)
    registration = approved_registration()
    with commits():
        with transaction.atomic():
            event = record_approval(registration)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    delivery = WebhookDelivery.objects.get()
    assert request["path"] == "/hooks/yidi?source=test"
    assert request["headers"]["x-yidi-event"] == "registration.approved"
    assert request["headers"]["x-yidi-delivery"] == str(delivery.pk)
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["x-yidi-signature"], expected)
    body = json.loads(request["body"])
    assert set(body) == {"id", "event", "occurred_at", "data"}
    assert body["id"] == event.pk and body["event"] == "registration.approved"
    assert dt.datetime.fromisoformat(body["occurred_at"]).utcoffset() == dt.timedelta(hours=8)
    assert body["data"]["reference"] == registration.reference
    assert (delivery.subscription_id, delivery.status, delivery.attempts, delivery.last_status_code) == (
        subscription.pk, DeliveryStatus.DELIVERED, 1, 200)


def test_dispatching_again_sends_nothing_twice(receiver, sms_file, commits):
    staff("310115")
    subscribe("310000", receiver.url)
    with commits():
        with transaction.atomic():
            event = record_approval(approved_registration())
    with commits():
        assert services.dispatch_event(event.pk) is None
        tasks.sweep(now=event.created_at + dt.timedelta(hours=1))
    assert Notification.objects.count() == 1
    assert len(sms_file.lines()) == 1
    assert len(receiver.requests) == 1


def test_an_event_committed_just_before_the_process_died_is_dispatched_by_the_sweeper(
        receiver, sms_file, commits, monkeypatch):
    staff("310115")
    subscribe("310000", receiver.url)
    monkeypatch.setattr("apps.events.queue.enqueue", lambda *a, **k: None)  # the process dies after commit
    with commits():
        with transaction.atomic():
            event = record_approval(approved_registration())
    monkeypatch.undo()
    event.refresh_from_db()
    assert event.dispatched_at is None and not Notification.objects.exists() and receiver.requests == []

    with commits():
        assert tasks.sweep(now=event.created_at + dt.timedelta(seconds=30))["events"] == 0  # still in flight
        assert tasks.sweep(now=event.created_at + dt.timedelta(seconds=61))["events"] == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert Notification.objects.count() == 1
    assert len(sms_file.lines()) == 1
    assert len(receiver.requests) == 1


def test_an_sms_and_a_delivery_left_behind_after_dispatch_are_sent_by_the_sweeper(
        receiver, sms_file, commits, monkeypatch):
    subscribe("310000", receiver.url)
    with commits():
        with transaction.atomic():
            event = record_approval(approved_registration())
            # the dispatch commits, then the process dies before sending anything
            monkeypatch.setattr("apps.events.services.enqueue_on_commit", lambda *a, **k: None)
    monkeypatch.undo()
    # the first on-commit (dispatch) ran with the patched fan-out sends
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    assert SmsMessage.objects.get().status == SmsStatus.PENDING
    with commits():
        tasks.sweep(now=event.created_at + dt.timedelta(minutes=2))
    assert len(sms_file.lines()) == 1 and len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_reminder_with_the_same_dedupe_key_is_recorded_once(commits):
    registration = approved_registration()
    with commits():
        with transaction.atomic():
            first = services.record_event("registration.expiring", obj=registration, dedupe_key="k:1")
            again = services.record_event("registration.expiring", obj=registration, dedupe_key="k:1")
    assert first is not None and again is None
    assert Event.objects.count() == 1


def test_an_unknown_event_name_is_a_programming_error():
    with pytest.raises(ValueError):
        services.record_event("registration.teleported", object_type="x", object_id="1")
