"""/api/v1/notifications/: the caller's own, unread filter, read and read-all; preferences that cannot hide what
the caller's role must see."""
import pytest
from django.db import transaction
from rest_framework.test import APIClient

from apps.core.models import AuditEntry
from apps.events.models import Notification, NotificationPreference
from apps.events.services import record_event
from tests.events.factories import staff

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user=user)
    return api


def emit(commits, name="ticket.resolved", organisation="320508", object_id="1"):
    with commits():
        with transaction.atomic():
            return record_event(name, object_type="coordination.ticket", object_id=object_id,
                                organisation=organisation, regions=["320508"], summary=f"工单 {object_id}")


def test_the_list_shows_only_the_callers_own_notifications_with_the_contracts_fields(commits):
    me, colleague = staff("320508"), staff("320508")
    emit(commits, object_id="1")
    emit(commits, object_id="2")
    body = client_for(me).get("/api/v1/notifications/").json()
    assert [r["body"] for r in body["results"]] == ["工单 2", "工单 1"]
    assert set(body["results"][0]) == {"id", "event", "title", "body", "url", "created_at", "read_at"}
    assert body["results"][0]["event"] == "ticket.resolved"
    mine = {r["id"] for r in body["results"]}
    assert mine.isdisjoint(Notification.objects.filter(user=colleague).values_list("id", flat=True))


def test_reading_one_and_the_unread_filter(commits):
    me = staff("320508")
    emit(commits, object_id="1")
    emit(commits, object_id="2")
    api = client_for(me)
    first = Notification.objects.filter(user=me).order_by("id").first()
    response = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    unread = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [r["body"] for r in unread] == ["工单 2"]
    assert [r["body"] for r in api.get("/api/v1/notifications/?unread=false").json()["results"]] == ["工单 1"]


def test_someone_elses_notification_cannot_be_read(commits):
    me, colleague = staff("320508"), staff("320508")
    emit(commits)
    theirs = Notification.objects.get(user=colleague)
    response = client_for(me).post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not AuditEntry.objects.filter(action__startswith="events.notification").exists()


def test_read_all_marks_only_the_callers_own(commits):
    me, colleague = staff("320508"), staff("320508")
    emit(commits, object_id="1")
    emit(commits, object_id="2")
    response = client_for(me).post("/api/v1/notifications/read-all/")
    assert response.status_code == 200 and response.json() == {"updated": 2}
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=colleague, read_at__isnull=True).count() == 2
    assert AuditEntry.objects.filter(action="events.notification.read_all").count() == 1


def test_a_user_can_turn_off_an_event_they_do_not_want(commits):
    me, colleague = staff("320508"), staff("320508")
    api = client_for(me)
    response = api.post("/api/v1/notifications/preferences/", {"event": "ticket.resolved", "enabled": False},
                        format="json")
    assert response.status_code == 200
    assert response.json() == {"event": "ticket.resolved", "label": "工单已办结", "enabled": False, "required": False}
    emit(commits)
    assert not Notification.objects.filter(user=me).exists()
    assert Notification.objects.filter(user=colleague).count() == 1
    listed = {p["event"]: p for p in api.get("/api/v1/notifications/preferences/").json()}
    assert listed["ticket.resolved"]["enabled"] is False and listed["ticket.assigned"]["required"] is True


def test_an_event_the_role_must_see_cannot_be_turned_off(commits):
    me = staff("320508")
    response = client_for(me).post("/api/v1/notifications/preferences/", {"event": "ticket.assigned",
                                                                        "enabled": False}, format="json")
    assert response.status_code == 400 and "event" in response.json()
    assert not NotificationPreference.objects.exists()
    NotificationPreference.objects.create(user=me, event="ticket.assigned", enabled=False)  # e.g. an older rule
    emit(commits, name="ticket.assigned")
    assert Notification.objects.filter(user=me, event__name="ticket.assigned").count() == 1


def test_a_province_must_see_a_declared_clearing_but_a_county_may_turn_it_off(commits):
    province, county = staff("320000"), staff("320508")
    assert client_for(county).post("/api/v1/notifications/preferences/",
                                   {"event": "clearing.declared", "enabled": False}, format="json").status_code == 200
    assert client_for(province).post("/api/v1/notifications/preferences/",
                                     {"event": "clearing.declared", "enabled": False},
                                     format="json").status_code == 400


def test_an_unknown_event_in_a_preference_is_refused(commits):
    response = client_for(staff("320508")).post("/api/v1/notifications/preferences/",
                                                {"event": "nope", "enabled": False}, format="json",
                                                HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json()["event"] == ["Unknown event: nope."]
    assert not NotificationPreference.objects.exists()


def test_the_unread_count_is_an_index_lookup():
    from django.db import connection

    index = [i for i in Notification._meta.indexes if i.name == "notification_user_unread"][0]
    assert index.fields == ["user"] and index.condition is not None
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'notification_user_unread'")
        assert "WHERE (read_at IS NULL)" in cur.fetchone()[0]
