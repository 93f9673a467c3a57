"""Escalation walks a ticket up the five tiers one at a time, each step on the timeline."""
import pytest

from apps.coordination import services
from apps.coordination.models import EventKind, Status
from apps.core.errors import Conflict
from tests.coordination.factories import TicketFactory
from tests.facilities.factories import FacilityFactory
from tests.factories import org

pytestmark = pytest.mark.django_db


def _escalate(ticket, note="本级无法处理，上报。"):
    return services.escalate_ticket(actor=None, organisation=ticket.holder, ticket=ticket, note=note)


def test_a_facilitys_ticket_escalates_county_to_city_to_province_to_national():
    hospital = FacilityFactory(county="320508")
    ticket = TicketFactory(raiser=hospital.code, category="settlement_failure")
    walked = [(ticket.holder.code, ticket.holder_tier)]
    for _ in range(3):
        ticket = _escalate(ticket)
        walked.append((ticket.holder.code, ticket.holder_tier))
    assert walked == [("320508", "county"), ("320500", "city"), ("320000", "province"), ("000000", "national")]


def test_each_escalation_is_an_event_naming_both_holders_and_the_note():
    ticket = TicketFactory(raiser="320508")
    _escalate(ticket, note="涉及省平台，请省局协调。")
    event = ticket.events.order_by("-id").first()
    assert event.kind == EventKind.ESCALATE
    assert (event.from_holder.code, event.to_holder.code) == ("320500", "320000")
    assert event.organisation.code == "320500"
    assert event.note == "涉及省平台，请省局协调。"
    assert event.to_status == Status.OPEN


def test_a_municipal_district_escalates_straight_to_the_municipality_then_national():
    ticket = TicketFactory(raiser="310115")
    assert ticket.holder.code == "310000"
    assert _escalate(ticket).holder.code == "000000"


def test_a_ticket_held_by_a_facility_escalates_to_its_county():
    hospital = FacilityFactory(county="320508")
    ticket = TicketFactory(raiser="310000", category="cost_review", holder=hospital.organisation)
    assert ticket.holder_tier == "facility"
    ticket = _escalate(ticket)
    assert (ticket.holder.code, ticket.holder_tier) == ("320508", "county")


def test_national_cannot_escalate_further_and_nothing_changes():
    ticket = TicketFactory(raiser="320000")
    before = ticket.events.count()
    with pytest.raises(Conflict):
        _escalate(ticket)
    ticket.refresh_from_db()
    assert ticket.holder.code == "000000"
    assert ticket.events.count() == before


def test_the_holders_first_reply_takes_the_ticket_in_hand():
    ticket = TicketFactory(raiser="320508")
    services.comment_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="已受理。")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_the_raisers_comment_leaves_the_status_alone():
    ticket = TicketFactory(raiser="320508")
    services.comment_ticket(actor=None, organisation=org("320508"), ticket=ticket, note="补充：患者电话 138…")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.events.filter(kind=EventKind.COMMENT, organisation__code="320508").exists()


def test_resolve_reopen_and_close_walk_the_status_and_reopen_restarts_the_due_time(monkeypatch):
    ticket = TicketFactory(raiser="320508")
    services.resolve_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="已处理。")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    first_due = ticket.due_at
    services.reopen_ticket(actor=None, organisation=org("320508"), ticket=ticket, note="问题仍在。")
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    assert ticket.holder.code == "320500"
    assert ticket.due_at >= first_due
    services.resolve_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="再次处理。")
    services.close_ticket(actor=None, organisation=org("320508"), ticket=ticket, note="确认解决。")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "raised", "resolve", "reopen", "resolve", "close"]


def test_the_raiser_may_withdraw_an_open_ticket_by_closing_it():
    ticket = TicketFactory(raiser="320508")
    services.close_ticket(actor=None, organisation=org("320508"), ticket=ticket, note="误提交，撤回。")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
