"""SMS to insured persons: backends, templates as data (national staff only), no full ID number in any text,
and at most N messages per phone per day."""
import datetime as dt
import logging

import pytest
from django.db import transaction

from apps.core.errors import NotAllowed, ValidationFailed
from apps.core.models import AuditEntry
from apps.events import services, sms
from apps.events.models import SmsMessage, SmsStatus, SmsTemplate
from tests.events.factories import approved_registration, record_approval, staff

pytestmark = pytest.mark.django_db


class Gateway:
    sent: list = []

    def send(self, to, text):
        Gateway.sent.append((to, text))


class BrokenGateway:
    def send(self, to, text):
        raise ConnectionError("gateway down")


def test_the_templates_are_data_seeded_by_a_migration():
    events = set(SmsTemplate.objects.filter(active=True).values_list("event", flat=True))
    assert events == {"registration.approved", "registration.rejected", "registration.expiring",
                      "registration.documents_due"}


def test_a_dotted_path_backend_receives_the_message(settings, commits):
    settings.YIDI_SMS_BACKEND = "tests.events.test_sms.Gateway"
    Gateway.sent = []
    registration = approved_registration()
    with commits():
        with transaction.atomic():
            record_approval(registration)
    assert [to for to, _text in Gateway.sent] == [registration.person.phone]


def test_the_console_backend_logs_the_phone_masked(settings, commits, caplog):
    settings.YIDI_SMS_BACKEND = "console"
    registration = approved_registration()
    with caplog.at_level(logging.INFO, logger="apps.events.sms"), commits():
        with transaction.atomic():
            record_approval(registration)
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "apps.events.sms")
    assert "138****8000" in logged and registration.person.phone not in logged


def test_no_sms_without_an_active_template(sms_file, commits):
    SmsTemplate.objects.filter(event="registration.approved").update(active=False)
    with commits():
        with transaction.atomic():
            record_approval(approved_registration())
    assert sms_file.lines() == [] and not SmsMessage.objects.exists()


def test_a_template_cannot_name_the_id_number_or_reach_into_objects():
    for text in ("您的身份证号{id_number}", "{name.__class__}", "{name!r}", "{name:>40}", "{0}", "未闭合{name"):
        assert sms.template_error(text), text
    assert sms.template_error("{name}您好，备案{reference}已通过。") is None


def test_an_id_number_in_the_data_never_reaches_the_text(sms_file, commits):
    registration = approved_registration()
    registration.person.name = f"张三{registration.person.id_number}"  # whatever the data holds
    with commits():
        with transaction.atomic():
            record_approval(registration)
    text = sms_file.lines()[0]["text"]
    assert registration.person.id_number not in text and registration.person.id_number[-4:] in text


def test_at_most_n_messages_per_phone_per_day(sms_file, settings, commits):
    settings.YIDI_SMS_DAILY_LIMIT = 2
    with commits():
        for _ in range(3):
            with transaction.atomic():
                record_approval(approved_registration())  # the same phone on file each time
    assert len(sms_file.lines()) == 2
    assert sorted(SmsMessage.objects.values_list("status", flat=True)) == [
        SmsStatus.LIMITED, SmsStatus.SENT, SmsStatus.SENT]


def test_a_failing_gateway_is_retried_then_given_up(settings, commits):
    settings.YIDI_SMS_BACKEND = "tests.events.test_sms.BrokenGateway"
    with commits():
        with transaction.atomic():
            record_approval(approved_registration())
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts) == (SmsStatus.PENDING, 1) and "gateway down" in message.error
    for _ in range(2):
        SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.PENDING)
        sms.send_message(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, 3)


def test_national_staff_edit_a_template_and_it_is_audited():
    editor = staff("000000")
    template = SmsTemplate.objects.get(event="registration.expiring")
    template.text = "{name}您好，您的备案{reference}将于{valid_until}到期。"
    services.save_sms_template(actor=editor, template=template)
    assert SmsTemplate.objects.get(pk=template.pk).updated_by == editor
    assert AuditEntry.objects.filter(action="events.sms_template.save", object_id=str(template.pk)).exists()


def test_a_county_cannot_edit_a_template_and_a_bad_text_is_refused():
    template = SmsTemplate.objects.get(event="registration.expiring")
    before = template.text
    template.text = "换一个说法{name}"
    with pytest.raises(NotAllowed):
        services.save_sms_template(actor=staff("320508"), template=template)
    template.text = "身份证{id_number}"
    with pytest.raises(ValidationFailed):
        services.save_sms_template(actor=staff("000000"), template=template)
    assert SmsTemplate.objects.get(pk=template.pk).text == before
    assert not AuditEntry.objects.filter(action="events.sms_template.save").exists()


def test_the_file_backend_writes_one_json_line_per_message(sms_file):
    sms.FileBackend().send("13912345678", "测试")
    sms.FileBackend().send("13912345679", "第二条")
    assert [(line["to"], line["text"]) for line in sms_file.lines()] == [("13912345678", "测试"),
                                                                          ("13912345679", "第二条")]
    assert all(dt.datetime.fromisoformat(line["at"]).tzinfo is not None for line in sms_file.lines())
