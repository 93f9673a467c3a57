"""escalate_overdue works batch-wise (many tickets per transaction, set-based writes) and keeps what the
one-by-one version promised: an AUTO_ESCALATE event, a holding and an audit entry per ticket, the re-check
on the locked row, once per overdue period, and a constant number of queries per batch."""
import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.coordination import services
from apps.coordination.models import EventKind, Status, Ticket
from apps.coordination.workdays import CHINA
from apps.core.models import AuditEntry
from tests.coordination.factories import TicketFactory
from tests.facilities.factories import FacilityFactory
from tests.factories import org

pytestmark = pytest.mark.django_db

RAISED, LATE = dt.datetime(2025, 11, 3, 10, tzinfo=CHINA), dt.datetime(2025, 11, 5, 10, tzinfo=CHINA)


def raise_late(n, raiser="320508", **kwargs):
    with mock.patch("django.utils.timezone.now", return_value=RAISED):
        return [TicketFactory(raiser=raiser, category="settlement_failure", **kwargs) for _ in range(n)]


def test_tickets_spread_over_several_batches_are_each_escalated_once_with_their_own_records():
    tickets = raise_late(5)
    result = services.escalate_overdue(now=LATE, batch_size=2)
    assert result == {"checked": 5, "escalated": 5}
    assert services.escalate_overdue(now=LATE, batch_size=2) == {"checked": 0, "escalated": 0}
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.holder.code == "320000" and ticket.status == Status.OPEN
        assert ticket.escalated_for_due_at == dt.datetime(2025, 11, 4, 23, 59, 59, tzinfo=CHINA)
        assert ticket.due_at == dt.datetime(2025, 11, 6, 23, 59, 59, tzinfo=CHINA)
        event = ticket.events.get(kind=EventKind.AUTO_ESCALATE)
        assert (event.from_holder.code, event.to_holder.code, event.to_status) == ("320500", "320000", "open")
        assert "由苏州市" in event.note and event.due_at == ticket.due_at
        assert ticket.holdings.filter(organisation__code="320000").exists()
    audits = AuditEntry.objects.filter(action="coordination.ticket.auto_escalate")
    assert sorted(audits.values_list("object_id", flat=True)) == sorted(str(t.pk) for t in tickets)


def test_a_ticket_held_by_a_facility_goes_to_its_county_bureau():
    hospital = FacilityFactory(county="320508")
    [ticket] = raise_late(1)
    with mock.patch("django.utils.timezone.now", return_value=RAISED):
        services.transfer_ticket(actor=None, organisation=org("320500"), ticket=ticket, to=hospital.code)
    services.escalate_overdue(now=LATE)
    ticket.refresh_from_db()
    assert ticket.holder.code == "320508"


def test_one_batch_mixes_moves_to_different_parents_and_marks_at_national():
    county_held, = raise_late(1, raiser="320508")
    national_held, = raise_late(1, raiser="320000")
    with mock.patch("django.utils.timezone.now", return_value=RAISED):
        province_held = TicketFactory(raiser="320500", category="refund", holder=org("440000"))
    assert services.escalate_overdue(now=LATE + dt.timedelta(days=5)) == {"checked": 3, "escalated": 2}
    holders = dict(Ticket.objects.values_list("pk", "holder__code"))
    assert holders == {county_held.pk: "320000", national_held.pk: "000000", province_held.pk: "000000"}
    national_held.refresh_from_db()
    assert national_held.escalated_for_due_at == national_held.due_at
    assert not national_held.events.filter(kind=EventKind.AUTO_ESCALATE).exists()


def test_a_ticket_resolved_after_the_scan_is_left_alone_when_its_batch_runs():
    ticket, other = raise_late(2)
    services.resolve_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="已处理。")
    assert services._auto_escalate_batch([ticket.pk, other.pk], now=LATE,
                                         rules=services.all_category_rules()) == 1
    ticket.refresh_from_db()
    assert ticket.holder.code == "320500" and ticket.status == Status.RESOLVED
    assert not ticket.events.filter(kind=EventKind.AUTO_ESCALATE).exists()


def test_a_ticket_already_escalated_for_this_period_is_not_escalated_again_by_a_late_batch():
    [ticket] = raise_late(1)
    rules = services.all_category_rules()
    assert services._auto_escalate_batch([ticket.pk], now=LATE, rules=rules) == 1
    Ticket.objects.filter(pk=ticket.pk).update(holder=org("320500"))  # as if the new holder handed it back
    ticket.refresh_from_db()
    assert services._auto_escalate_batch([ticket.pk], now=LATE, rules=rules) == 0
    assert ticket.events.filter(kind=EventKind.AUTO_ESCALATE).count() == 1


def test_a_batch_takes_the_same_number_of_queries_for_few_or_many_tickets():
    def queries_for(n):
        pks = [t.pk for t in raise_late(n)]
        with CaptureQueriesContext(connection) as ctx:
            assert services._auto_escalate_batch(pks, now=LATE, rules=services.all_category_rules()) == n
        return len(ctx.captured_queries)

    assert queries_for(2) == queries_for(12)


def test_the_batch_locks_the_ticket_rows_only():
    pks = [t.pk for t in raise_late(2)]
    with CaptureQueriesContext(connection) as ctx:
        services._auto_escalate_batch(pks, now=LATE, rules=services.all_category_rules())
    locking = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locking) == 1 and locking[0].endswith('FOR UPDATE OF "coordination_ticket"')
