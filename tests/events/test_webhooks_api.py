"""/api/v1/webhooks/: subscribe the caller's organisation (destination hosts restricted), read, delete, the
delivery log and manual redelivery — exactly docs/api.md's fields; a refused request changes nothing."""
import pytest
from django.db import transaction

from apps.core.models import AuditEntry
from apps.events.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tests.events.factories import SECRET, approved_registration, record_approval, subscribe

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.gov.cn/yidi"


@pytest.fixture(autouse=True)
def allowed_hosts(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = [".example.gov.cn"]


def _body(**overrides):
    return {"url": URL, "events": ["registration.approved", "ticket.assigned"], "secret": SECRET, **overrides}


def _nothing_saved():
    return not WebhookSubscription.objects.exists() and not AuditEntry.objects.filter(
        action__startswith="events.webhook").exists()


def test_subscribing_answers_the_subscription_without_its_secret(api_for):
    api = api_for("310000")
    response = api.post("/api/v1/webhooks/", _body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "url", "events", "created_at"}
    assert body["url"] == URL and body["events"] == ["registration.approved", "ticket.assigned"]
    sub = WebhookSubscription.objects.get()
    assert (sub.organisation.code, sub.region_id, sub.secret) == ("310000", "310000", SECRET)
    assert AuditEntry.objects.filter(action="events.webhook.subscribe", object_id=str(sub.pk)).exists()


@pytest.mark.parametrize("url", [
    "https://evil.example.com/hook",  # not an allowed host
    "https://example.gov.cn.evil.com/hook",  # looks alike
    "https://127.0.0.1/hook",  # loopback: only when DEBUG
    "http://169.254.169.254/latest/meta-data",  # cloud metadata
    "ftp://hooks.example.gov.cn/x",
    "https://user:pw@hooks.example.gov.cn/x",
    "hooks.example.gov.cn/x",
    "https://hooks.example.gov.cn/x#frag",
    "https://hooks.example.gov.cn:99999/x",
    "https://hooks.example.gov.cn/a b",
    "https://hooks.example.gov.cn/\x00",
])
def test_a_destination_outside_the_allowed_hosts_is_refused_at_subscription(api_for, url):
    response = api_for("310000").post("/api/v1/webhooks/", _body(url=url), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["url"]
    assert _nothing_saved()


def test_loopback_is_allowed_while_debug_is_on(api_for, settings):
    settings.DEBUG = True
    response = api_for("310000").post("/api/v1/webhooks/", _body(url="http://127.0.0.1:8001/hook"), format="json")
    assert response.status_code == 201


def test_every_fault_is_named_at_once(api_for):
    response = api_for("310000").post(
        "/api/v1/webhooks/", {"url": "https://evil.test/", "events": ["registration.teleported"], "secret": "short"},
        format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"url", "events", "secret"}
    assert _nothing_saved()


def test_the_same_address_twice_is_a_conflict(api_for):
    api = api_for("310000")
    assert api.post("/api/v1/webhooks/", _body(), format="json").status_code == 201
    response = api.post("/api/v1/webhooks/", _body(), format="json")
    assert response.status_code == 409 and "url" in response.json()
    assert WebhookSubscription.objects.count() == 1


def test_messages_are_english_on_request(api_for):
    response = api_for("310000").post("/api/v1/webhooks/", _body(url="https://evil.test/"), format="json",
                                      HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not allowed" in response.json()["url"][0]


def test_an_organisation_sees_and_deletes_only_its_own_subscriptions(api_for):
    own = subscribe("310000", URL)
    other = subscribe("320000", URL)
    api = api_for("310000")
    listed = api.get("/api/v1/webhooks/").json()
    assert [s["id"] for s in listed["results"]] == [own.pk]
    assert api.get(f"/api/v1/webhooks/{other.pk}/").status_code == 404
    assert api.delete(f"/api/v1/webhooks/{other.pk}/").status_code == 404
    assert WebhookSubscription.objects.get(pk=other.pk).active
    assert api.delete(f"/api/v1/webhooks/{own.pk}/").status_code == 204
    assert api.get(f"/api/v1/webhooks/{own.pk}/").status_code == 404
    assert not WebhookSubscription.objects.get(pk=own.pk).active


def test_deleting_cancels_what_is_still_pending(api_for, commits, monkeypatch):
    sub = subscribe("310000", URL)
    monkeypatch.setattr("apps.events.services.enqueue_on_commit", lambda *a, **k: None)  # keep it pending
    with commits():
        with transaction.atomic():
            event = record_approval(approved_registration())
    from apps.events.services import dispatch_event

    dispatch_event(event.pk)
    monkeypatch.undo()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    assert api_for("310000").delete(f"/api/v1/webhooks/{sub.pk}/").status_code == 204
    assert WebhookDelivery.objects.get().status == DeliveryStatus.CANCELLED


def test_the_delivery_log_and_a_manual_redelivery(api_for, commits, receiver, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    receiver.codes = [500]
    sub = subscribe("310000", receiver.url)
    with commits():
        with transaction.atomic():
            record_approval(approved_registration())
    d = WebhookDelivery.objects.get()
    d.status = DeliveryStatus.FAILED  # as if 24 hours had passed
    d.save()
    api = api_for("310000")
    log = api.get(f"/api/v1/webhooks/{sub.pk}/deliveries/").json()
    assert [(r["id"], r["event"], r["status"], r["attempts"], r["last_status_code"]) for r in log["results"]] == [
        (d.pk, "registration.approved", "failed", 1, 500)]

    with commits():
        response = api.post(f"/api/v1/webhooks/{sub.pk}/deliveries/{d.pk}/redeliver/")
    assert response.status_code == 202
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
    assert [r["headers"]["x-yidi-delivery"] for r in receiver.requests] == [str(d.pk)] * 2
    assert AuditEntry.objects.filter(action="events.webhook.redeliver").count() == 1


def test_redelivering_what_is_still_pending_is_a_conflict(api_for, monkeypatch, commits):
    sub = subscribe("310000", URL)
    monkeypatch.setattr("apps.events.services.enqueue_on_commit", lambda *a, **k: None)
    with commits():
        with transaction.atomic():
            event = record_approval(approved_registration())
    from apps.events.services import dispatch_event

    dispatch_event(event.pk)
    d = WebhookDelivery.objects.get()
    response = api_for("310000").post(f"/api/v1/webhooks/{sub.pk}/deliveries/{d.pk}/redeliver/")
    assert response.status_code == 409
    assert not AuditEntry.objects.filter(action="events.webhook.redeliver").exists()


def test_another_organisations_delivery_cannot_be_redelivered(api_for, monkeypatch, commits):
    sub = subscribe("310000", URL)
    monkeypatch.setattr("apps.events.services.enqueue_on_commit", lambda *a, **k: None)
    with commits():
        with transaction.atomic():
            event = record_approval(approved_registration())
    from apps.events.services import dispatch_event

    dispatch_event(event.pk)
    d = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=d.pk).update(status=DeliveryStatus.FAILED)
    api = api_for("320000")
    assert api.get(f"/api/v1/webhooks/{sub.pk}/deliveries/").status_code == 404
    assert api.post(f"/api/v1/webhooks/{sub.pk}/deliveries/{d.pk}/redeliver/").status_code == 404
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
