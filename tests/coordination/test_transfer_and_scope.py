"""A transfer lands with another province's bureau, which then sees and acts on the ticket; an unrelated
province sees nothing of it. Everyone who raised, holds or has held a ticket keeps seeing it."""
import pytest

from apps.coordination import services
from apps.coordination.models import EventKind, Status, Ticket
from apps.regions.scope import scoped
from tests.coordination.factories import TicketFactory
from tests.facilities.factories import FacilityFactory
from tests.factories import org

pytestmark = pytest.mark.django_db


@pytest.fixture
def transferred():
    """A 姑苏 hospital's settlement failure, sent by 姑苏区 to the insured side, 上海市医保局."""
    hospital = FacilityFactory(county="320508")
    ticket = TicketFactory(raiser=hospital.code, category="settlement_failure")
    return services.transfer_ticket(actor=None, organisation=org("320508"), ticket=ticket, to="310000",
                                    note="参保地备案数据未同步，请上海核实。")


def test_a_transfer_lands_at_the_other_provinces_bureau_with_a_fresh_due_time(transferred):
    assert (transferred.holder.code, transferred.holder_tier, transferred.holder_region_id) == (
        "310000", "province", "310000")
    event = transferred.events.get(kind=EventKind.TRANSFER)
    assert (event.from_holder.code, event.to_holder.code) == ("320508", "310000")
    assert event.due_at == transferred.due_at


def test_the_receiving_province_sees_the_transferred_ticket_in_the_api(api_for, transferred):
    response = api_for("310000").get(f"/api/v1/tickets/{transferred.number}/")
    assert response.status_code == 200
    assert response.json()["holder"] == "310000"
    assert "resolve" in response.json()["allowed_actions"]


def test_the_receiving_province_can_resolve_the_transferred_ticket(api_for, transferred):
    response = api_for("310000").post(f"/api/v1/tickets/{transferred.number}/resolve/",
                                      {"note": "已补传备案数据，请重新结算。"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"


def test_an_unrelated_province_cannot_see_the_transferred_ticket(api_for, transferred):
    client = api_for("440000")
    assert client.get(f"/api/v1/tickets/{transferred.number}/").status_code == 404
    numbers = [t["number"] for t in client.get("/api/v1/tickets/").json()["results"]]
    assert transferred.number not in numbers


def test_an_unrelated_province_cannot_act_on_the_transferred_ticket(api_for, transferred):
    response = api_for("440000").post(f"/api/v1/tickets/{transferred.number}/comment/", {"note": "?"},
                                      format="json")
    assert response.status_code == 404
    assert transferred.events.count() == 2


def test_the_county_that_handed_it_on_still_sees_it(transferred):
    assert scoped(Ticket.objects.all(), org("320508")).filter(pk=transferred.pk).exists()


def test_a_bureau_in_another_province_that_held_a_ticket_keeps_seeing_it_after_it_moves_on():
    ticket = TicketFactory(raiser="320508")
    services.transfer_ticket(actor=None, organisation=org("320500"), ticket=ticket, to="440000")
    services.transfer_ticket(actor=None, organisation=org("440000"), ticket=ticket, to="320500",
                             note="非本省问题，退回。")
    assert scoped(Ticket.objects.all(), org("440000")).filter(pk=ticket.pk).count() == 1
    assert not scoped(Ticket.objects.all(), org("510000")).filter(pk=ticket.pk).exists()


def test_a_province_sees_the_tickets_of_its_counties():
    ticket = TicketFactory(raiser="320508")
    assert scoped(Ticket.objects.all(), org("320000")).filter(pk=ticket.pk).exists()


def test_a_facility_sees_its_own_tickets_and_not_its_neighbours():
    mine, other = FacilityFactory(county="320508"), FacilityFactory(county="320508")
    own = TicketFactory(raiser=mine.code)
    TicketFactory(raiser=other.code)
    assert list(scoped(Ticket.objects.all(), mine.organisation)) == [own]


def test_a_ticket_held_many_times_appears_once_in_a_list():
    ticket = TicketFactory(raiser="320508")
    for to in ("440000", "510000", "320500"):
        ticket = services.transfer_ticket(actor=None, organisation=ticket.holder, ticket=ticket, to=to)
    assert scoped(Ticket.objects.all(), org("320000")).filter(pk=ticket.pk).count() == 1
    assert scoped(Ticket.objects.all(), org("440000")).count() == 1


def test_transfer_to_an_unknown_code_is_refused_on_the_field(api_for):
    ticket = TicketFactory(raiser="320508")
    response = api_for("320500").post(f"/api/v1/tickets/{ticket.number}/transfer/", {"to": "999999"},
                                      format="json")
    assert response.status_code == 400
    assert "to" in response.json()
    ticket.refresh_from_db()
    assert ticket.holder.code == "320500" and ticket.status == Status.OPEN


def test_the_has_held_rule_names_the_held_tickets_without_a_per_row_subquery_or_join():
    ticket = TicketFactory(raiser="320508")
    services.transfer_ticket(actor=None, organisation=org("320500"), ticket=ticket, to="440000")
    sql = str(scoped(Ticket.objects.all(), org("440000")).query).upper()
    assert "EXISTS" not in sql and "JOIN" not in sql and "SELECT" not in sql.split("WHERE", 1)[1]
    assert f'"COORDINATION_TICKET"."ID" IN ({ticket.pk})' in sql


def test_past_the_inline_limit_the_has_held_rule_is_one_uncorrelated_subquery(monkeypatch):
    held = [TicketFactory(raiser="320508") for _ in range(2)]
    for ticket in held:
        ticket = services.transfer_ticket(actor=None, organisation=org("320500"), ticket=ticket, to="440000")
        services.transfer_ticket(actor=None, organisation=org("440000"), ticket=ticket, to="320500")
    monkeypatch.setattr(Ticket, "HELD_OUTSIDE_INLINE_MAX", 1)
    qs = scoped(Ticket.objects.all(), org("440000"))
    where = str(qs.query).upper().split("WHERE", 1)[1].split("ORDER BY")[0]
    assert '"COORDINATION_TICKET"."ID" IN (SELECT' in where and "EXISTS" not in where
    # the subquery reads holdings only: it never refers to the ticket row, so it runs once
    assert '"COORDINATION_TICKET"' not in where.split("(SELECT", 1)[1]
    assert sorted(qs.values_list("pk", flat=True)) == sorted(t.pk for t in held)


def test_holdings_inside_the_holders_region_are_not_needed_for_scope():
    ticket = TicketFactory(raiser="320508")
    services.escalate_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="请省局协调。")
    services.transfer_ticket(actor=None, organisation=org("320000"), ticket=ticket, to="440000")
    outside = dict(ticket.holdings.values_list("organisation__code", "outside_region"))
    assert outside == {"320500": False, "320000": False, "440000": True}


def test_a_facility_follows_its_ticket_in_the_api_and_its_county_sees_it(api_for):
    hospital = FacilityFactory(county="320508")
    ticket = TicketFactory(raiser=hospital.code)
    mine = api_for(hospital.code).get("/api/v1/tickets/").json()["results"]
    assert [t["number"] for t in mine] == [ticket.number]
    assert api_for("320508").get(f"/api/v1/tickets/{ticket.number}/").json()["tier"] == "county"
    assert api_for("320506").get(f"/api/v1/tickets/{ticket.number}/").status_code == 404
