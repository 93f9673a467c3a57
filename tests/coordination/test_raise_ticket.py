"""A new ticket lands one tier above whoever raised it, or with the bureau named as holder."""
import pytest

from apps.coordination.models import EventKind, Status, TicketHolding
from tests.coordination.factories import TicketFactory
from tests.facilities.factories import FacilityFactory
from tests.factories import org

pytestmark = pytest.mark.django_db


def test_a_facilitys_ticket_lands_at_its_county_bureau():
    hospital = FacilityFactory(county="320508")
    ticket = TicketFactory(raiser=hospital.code)
    assert ticket.holder.code == "320508"
    assert ticket.holder_tier == "county"
    assert ticket.raiser_region_id == "320508"
    assert ticket.status == Status.OPEN


def test_a_county_bureaus_ticket_lands_at_its_city():
    ticket = TicketFactory(raiser="320508")
    assert (ticket.holder.code, ticket.holder_tier) == ("320500", "city")


def test_a_city_bureaus_ticket_lands_at_its_province():
    ticket = TicketFactory(raiser="320500")
    assert (ticket.holder.code, ticket.holder_tier) == ("320000", "province")


def test_a_province_bureaus_ticket_lands_at_national():
    ticket = TicketFactory(raiser="320000")
    assert (ticket.holder.code, ticket.holder_tier) == ("000000", "national")


def test_a_municipal_districts_ticket_lands_at_the_municipality():
    ticket = TicketFactory(raiser="310115")
    assert (ticket.holder.code, ticket.holder_tier) == ("310000", "province")


def test_national_keeps_its_own_ticket():
    ticket = TicketFactory(raiser="000000")
    assert ticket.holder.code == "000000"


def test_a_cost_review_goes_straight_to_the_named_bureau():
    ticket = TicketFactory(raiser="310000", category="cost_review", holder=org("320508"))
    assert (ticket.holder.code, ticket.holder_tier, ticket.holder_region_id) == ("320508", "county", "320508")


def test_raising_writes_the_raised_event_and_a_readable_number():
    ticket = TicketFactory(raiser="320508")
    event = ticket.events.get()
    assert event.kind == EventKind.RAISED
    assert event.organisation.code == "320508"
    assert event.to_holder.code == "320500"
    assert ticket.number.startswith("XT") and len(ticket.number) <= 20
    assert TicketHolding.objects.filter(ticket=ticket, organisation__code="320500").exists()
