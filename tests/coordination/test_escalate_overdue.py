"""escalate_overdue moves an overdue ticket one tier up once per overdue period, and is safe to rerun."""
import datetime as dt
import io
from unittest import mock

import pytest
from django.core.management import call_command

from apps.coordination.models import CategorySetting, EventKind, Ticket
from apps.coordination.workdays import CHINA
from tests.coordination.factories import TicketFactory

pytestmark = pytest.mark.django_db


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, 0, tzinfo=CHINA)


def run(now):
    out = io.StringIO()
    with mock.patch("django.utils.timezone.now", return_value=now):
        call_command("escalate_overdue", stdout=out)
    return out.getvalue()


@pytest.fixture
def overdue_ticket():
    # a settlement failure raised Monday 2025-11-03 is due at the end of Tuesday 11-04
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 11, 3)):
        return TicketFactory(raiser="320508", category="settlement_failure")


def test_an_overdue_ticket_is_escalated_one_tier_with_an_auto_escalate_event(overdue_ticket):
    run(at(2025, 11, 5))
    overdue_ticket.refresh_from_db()
    assert overdue_ticket.holder.code == "320000"
    event = overdue_ticket.events.get(kind=EventKind.AUTO_ESCALATE)
    assert (event.from_holder.code, event.to_holder.code) == ("320500", "320000")
    assert event.actor is None and "超过办理时限" in event.note


def test_a_second_run_right_after_adds_nothing(overdue_ticket):
    run(at(2025, 11, 5))
    out = run(at(2025, 11, 5, 11))
    overdue_ticket.refresh_from_db()
    assert overdue_ticket.holder.code == "320000"
    assert overdue_ticket.events.filter(kind=EventKind.AUTO_ESCALATE).count() == 1
    assert "自动上报 0 件" in out


def test_the_escalation_restarts_the_due_time(overdue_ticket):
    run(at(2025, 11, 5))
    overdue_ticket.refresh_from_db()
    assert overdue_ticket.due_at == dt.datetime(2025, 11, 6, 23, 59, 59, tzinfo=CHINA)
    assert not overdue_ticket.is_overdue(at(2025, 11, 5, 12))


def test_a_new_overdue_period_at_the_new_holder_escalates_once_more(overdue_ticket):
    run(at(2025, 11, 5))
    run(at(2025, 11, 7))
    run(at(2025, 11, 7, 12))
    overdue_ticket.refresh_from_db()
    assert overdue_ticket.holder.code == "000000"
    assert overdue_ticket.events.filter(kind=EventKind.AUTO_ESCALATE).count() == 2


def test_a_ticket_not_yet_due_is_left_alone(overdue_ticket):
    run(at(2025, 11, 4, 23))
    overdue_ticket.refresh_from_db()
    assert overdue_ticket.holder.code == "320500"


def test_a_category_set_not_to_auto_escalate_is_left_alone(overdue_ticket):
    CategorySetting.objects.filter(category="settlement_failure").update(auto_escalate=False)
    run(at(2025, 11, 10))
    overdue_ticket.refresh_from_db()
    assert overdue_ticket.holder.code == "320500"
    assert not overdue_ticket.events.filter(kind=EventKind.AUTO_ESCALATE).exists()


def test_a_resolved_ticket_is_not_overdue_and_not_escalated(overdue_ticket):
    from apps.coordination import services
    from tests.factories import org

    with mock.patch("django.utils.timezone.now", return_value=at(2025, 11, 4)):
        services.resolve_ticket(actor=None, organisation=org("320500"), ticket=overdue_ticket, note="已处理。")
    run(at(2025, 11, 10))
    overdue_ticket.refresh_from_db()
    assert overdue_ticket.holder.code == "320500"


def test_an_overdue_ticket_at_national_stays_and_is_marked_once():
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 11, 3)):
        ticket = TicketFactory(raiser="320000", category="settlement_failure")
    run(at(2025, 11, 10))
    ticket.refresh_from_db()
    assert ticket.holder.code == "000000"
    assert ticket.escalated_for_due_at == ticket.due_at
    assert not ticket.events.filter(kind=EventKind.AUTO_ESCALATE).exists()
    assert "检查超时工单 0 件" in run(at(2025, 11, 10, 11))


def test_many_overdue_tickets_are_each_escalated_once():
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 11, 3)):
        for _ in range(5):
            TicketFactory(raiser="320508", category="settlement_failure")
    run(at(2025, 11, 5))
    run(at(2025, 11, 5, 12))
    assert Ticket.objects.filter(holder__code="320000").count() == 5
    assert Ticket.objects.filter(events__kind=EventKind.AUTO_ESCALATE).count() == 5
