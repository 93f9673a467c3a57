"""Admin pages of the engine: my notifications and their settings, SMS templates and the schedules for national
staff only, webhook deliveries in scope."""
import pytest
from django.db import transaction
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.events.models import Notification, NotificationPreference, SmsTemplate, WebhookDelivery
from apps.events.services import record_event
from tests.events.factories import approved_registration, record_approval, staff, subscribe

pytestmark = pytest.mark.django_db


def _notify(commits, url="/admin/coordination/ticket/1/change/"):
    with commits():
        with transaction.atomic():
            record_event("ticket.resolved", object_type="coordination.ticket", object_id="1", organisation="320508",
                         regions=["320508"], summary="工单已办结：测试", url=url)


def test_my_notifications_lists_only_mine_and_opening_one_marks_it_read(admin_client_for, commits):
    client = admin_client_for("320508")
    other = staff("320508")
    _notify(commits)
    page = client.get(reverse("admin:events_notification_changelist")).content.decode()
    assert page.count("工单已办结：测试") == 1 and "全部标为已读（1）" in page
    mine = Notification.objects.get(user=client.user)
    response = client.get(reverse("admin:events_notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/admin/coordination/ticket/1/change/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    theirs = Notification.objects.get(user=other)
    assert client.get(reverse("admin:events_notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_notification_never_sends_the_reader_off_site(admin_client_for, commits):
    client = admin_client_for("320508")
    _notify(commits, url="//evil.example/phish")
    note = Notification.objects.get(user=client.user)
    response = client.get(reverse("admin:events_notification_open", args=[note.pk]))
    assert response["Location"] == reverse("admin:events_notification_changelist")


def test_the_settings_page_turns_off_what_may_be_turned_off(admin_client_for):
    client = admin_client_for("320508")
    page = client.get(reverse("admin:events_notification_preferences")).content.decode()
    assert "必须接收" in page
    keep = ["registration.submitted", "ticket.assigned"]  # ticket.assigned is required anyway
    response = client.post(reverse("admin:events_notification_preferences"), {"enabled": keep})
    assert response.status_code == 302
    off = set(NotificationPreference.objects.filter(user=client.user, enabled=False).values_list("event", flat=True))
    assert "ticket.resolved" in off and "registration.submitted" not in off
    assert "ticket.assigned" not in off and "ticket.overdue" not in off


def test_sms_templates_and_schedules_are_for_national_staff_only(admin_client_for, client):
    county = admin_client_for("320508")
    for name in ("admin:events_smstemplate_changelist", "admin:events_smsmessage_changelist",
                 "admin:django_celery_beat_periodictask_changelist"):
        assert county.get(reverse(name)).status_code == 403, name
    client.logout()
    national = admin_client_for("000000")
    for name in ("admin:events_smstemplate_changelist", "admin:events_smsmessage_changelist",
                 "admin:django_celery_beat_periodictask_changelist"):
        assert national.get(reverse(name)).status_code == 200, name


def test_national_staff_edit_a_template_in_the_admin_and_a_bad_one_is_refused(admin_client_for):
    national = admin_client_for("000000")
    template = SmsTemplate.objects.get(event="registration.rejected")
    url = reverse("admin:events_smstemplate_change", args=[template.pk])
    bad = national.post(url, {"event": template.event, "text": "身份证{id_number}", "active": "on"})
    assert bad.status_code == 200 and "不支持的占位符" in bad.content.decode()
    assert SmsTemplate.objects.get(pk=template.pk).text == template.text
    good = national.post(url, {"event": template.event, "text": "{name}您好，备案{reference}未通过。", "active": "on"})
    assert good.status_code == 302
    assert SmsTemplate.objects.get(pk=template.pk).text == "{name}您好，备案{reference}未通过。"
    assert AuditEntry.objects.filter(action="events.sms_template.save").count() == 1


def test_deliveries_are_scoped(admin_client_for, client, commits, settings, receiver):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    subscribe("310115", receiver.url)
    with commits():
        with transaction.atomic():
            record_approval(approved_registration())
    delivery = WebhookDelivery.objects.get()
    shanghai = admin_client_for("310000")
    assert shanghai.get(reverse("admin:events_webhookdelivery_change", args=[delivery.pk])).status_code == 200
    assert shanghai.get(reverse("admin:events_webhookdelivery_changelist")).context_data["cl"].result_count == 1
    client.logout()
    guangdong = admin_client_for("440000")
    assert guangdong.get(reverse("admin:events_webhookdelivery_change", args=[delivery.pk])).status_code == 302
    assert guangdong.get(reverse("admin:events_webhookdelivery_changelist")).context_data["cl"].result_count == 0
