"""The demo adds tickets held at every tier, in every status, some overdue; a second run adds nothing."""
import io

import pytest

from apps.coordination import demo
from apps.coordination.models import Status, Ticket
from apps.core.demo import DemoContext
from tests.facilities.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def test_demo_tickets_cover_every_tier_and_status_with_some_overdue():
    FacilityFactory(county="320508")
    demo.seed(DemoContext(stdout=io.StringIO()))
    tickets = Ticket.objects.all()
    assert set(tickets.values_list("holder_tier", flat=True)) == {"national", "province", "city", "county",
                                                                   "facility"}
    assert set(tickets.values_list("status", flat=True)) == set(Status.values)
    assert tickets.overdue().count() >= 2
    count = tickets.count()
    demo.seed(DemoContext(stdout=io.StringIO()))
    assert Ticket.objects.count() == count
