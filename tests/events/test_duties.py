"""Each scheduled duty's task does its work (the same services as the management commands) and, for the
reminders, records its event once per object and date."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.coordination import tasks as coordination_tasks
from apps.coordination.models import Ticket
from apps.events.models import Event, Notification
from apps.registration import tasks as registration_tasks
from apps.registration.models import Status
from apps.settlement import tasks as settlement_tasks
from apps.settlement.models import Clearing, ClearingStatus, Prepayment
from apps.supervision import tasks as supervision_tasks
from apps.supervision.models import Flag, ScanRun
from tests.coordination.factories import TicketFactory
from tests.events.factories import approved_registration, staff
from tests.supervision import factories as supervision

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def test_expire_registrations_expires_those_past_their_end_date():
    ended = approved_registration(end_date=TODAY - dt.timedelta(days=1))
    running = approved_registration(end_date=TODAY)
    result = registration_tasks.expire_registrations(TODAY.isoformat())
    assert result == {"expired": 1, "banned": 0}
    ended.refresh_from_db()
    running.refresh_from_db()
    assert (ended.status, running.status) == (Status.EXPIRED, Status.APPROVED)


def test_escalate_overdue_moves_an_overdue_ticket_one_tier_up():
    ticket = TicketFactory()  # raised by 姑苏区, held by 苏州市
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert coordination_tasks.escalate_overdue()["escalated"] == 1
    ticket.refresh_from_db()
    assert ticket.holder.code == "320000"


def test_the_supervision_scan_runs_the_rules():
    supervision.plant_duplicate()
    result = supervision_tasks.run_scan()
    assert result["flags_created"] == Flag.objects.filter(rule_id="DUPLICATE").count() == 2
    assert ScanRun.objects.filter(pk=result["scan"], finished_at__isnull=False).exists()


def test_registrations_expiring_in_30_days_get_one_sms(sms_file, commits):
    due = approved_registration(end_date=TODAY + dt.timedelta(days=30))
    approved_registration(end_date=TODAY + dt.timedelta(days=31))  # tomorrow's
    approved_registration(end_date=TODAY + dt.timedelta(days=30), status="cancelled")
    with commits():
        assert registration_tasks.remind_expiring(TODAY) == 1
        assert registration_tasks.remind_expiring(TODAY) == 0  # again: nothing new
    event = Event.objects.get(name="registration.expiring")
    assert (event.object_id, event.data["reference"], event.data["id_number"]) == (
        str(due.pk), due.reference, due.person.masked_id)
    [line] = sms_file.lines()
    assert line["to"] == due.person.phone and "2026-07-15" in line["text"] and due.reference in line["text"]


def test_a_missed_day_is_made_up_the_next_day(sms_file, commits):
    approved_registration(end_date=TODAY + dt.timedelta(days=29))
    with commits():
        assert registration_tasks.remind_expiring(TODAY) == 1


def test_owed_documents_due_in_7_days_get_one_sms(sms_file, commits):
    owing = approved_registration(documents_owed="居住证明", documents_due=TODAY + dt.timedelta(days=7))
    approved_registration(documents_owed="居住证明", documents_due=TODAY + dt.timedelta(days=7),
                          documents_supplied_at=timezone.now())
    with commits():
        assert registration_tasks.remind_documents_due(TODAY) == 1
        assert registration_tasks.remind_documents_due(TODAY) == 0
    [line] = sms_file.lines()
    assert owing.reference in line["text"] and "居住证明" in line["text"] and "2026-06-22" in line["text"]


def test_a_clearing_close_to_its_deadline_reminds_the_treatment_province(commits):
    treatment, insured = staff("320000"), staff("310000")
    row = Clearing.objects.create(period=dt.date(2026, 5, 1), insured_province_id="310000",
                                  treatment_province_id="320000", declare_due=TODAY + dt.timedelta(days=2))
    Clearing.objects.create(period=dt.date(2026, 4, 1), insured_province_id="310000",
                            treatment_province_id="320000", declare_due=TODAY + dt.timedelta(days=2),
                            status=ClearingStatus.DECLARED)
    with commits():
        assert settlement_tasks.remind_clearing_deadlines(TODAY) == 1
        assert settlement_tasks.remind_clearing_deadlines(TODAY) == 0
    note = Notification.objects.get()
    assert note.user == treatment and note.event.object_id == str(row.pk) and "2026-06-17" in note.body
    assert not Notification.objects.filter(user=insured).exists()


def test_a_prepayment_in_the_red_warns_both_provinces_once(commits):
    treatment, insured = staff("320000"), staff("310000")
    prepayment = Prepayment.objects.create(year=TODAY.year, insured_province_id="310000",
                                           treatment_province_id="320000", base_fund_paid=Decimal("6000.00"),
                                           base_months=2, amount=Decimal("1000.00"))
    Clearing.objects.create(period=dt.date(2026, 5, 1), insured_province_id="310000",
                            treatment_province_id="320000", declare_due=TODAY, fund_paid=Decimal("950.00"))
    with commits():
        assert settlement_tasks.prepayment_warnings(TODAY) == 1
        assert settlement_tasks.prepayment_warnings(TODAY) == 0
    event = Event.objects.get(name="prepayment.warning")
    assert event.object_id == str(prepayment.pk) and event.data["warning"] == "red"
    assert set(Notification.objects.values_list("user_id", flat=True)) == {treatment.pk, insured.pk}


def test_a_prepayment_below_the_yellow_line_warns_nobody(commits):
    Prepayment.objects.create(year=TODAY.year, insured_province_id="310000", treatment_province_id="320000",
                              base_fund_paid=Decimal("6000.00"), base_months=2, amount=Decimal("1000.00"))
    with commits():
        assert settlement_tasks.prepayment_warnings(TODAY) == 0
    assert not Event.objects.exists()


def test_a_ticket_due_within_a_working_day_reminds_its_holder(commits):
    holder = staff("320500")
    ticket = TicketFactory()
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(due_at=now + dt.timedelta(hours=3))
    later = TicketFactory()
    Ticket.objects.filter(pk=later.pk).update(due_at=now + dt.timedelta(days=10))
    with commits():
        assert coordination_tasks.remind_due_soon(now) == 1
        assert coordination_tasks.remind_due_soon(now) == 0
    note = Notification.objects.get(event__name="ticket.due_soon")
    assert note.user == holder and ticket.number in note.body
