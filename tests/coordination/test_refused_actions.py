"""Actions not allowed answer 403 (never for this organisation) or 409 (not in this status) and change nothing."""
import pytest

from apps.coordination import services
from apps.coordination.models import Status, Ticket
from tests.coordination.factories import TicketFactory
from tests.factories import org

pytestmark = pytest.mark.django_db


def snapshot(ticket):
    ticket = Ticket.objects.get(pk=ticket.pk)
    return (ticket.status, ticket.holder_id, ticket.due_at, ticket.updated_at, ticket.events.count())


@pytest.fixture
def ticket():
    """Raised by 姑苏区, held by 苏州市."""
    return TicketFactory(raiser="320508")


@pytest.fixture
def closed(ticket):
    services.close_ticket(actor=None, organisation=org("320508"), ticket=ticket, note="撤回。")
    return ticket


def post(client, ticket, action, **body):
    return client.post(f"/api/v1/tickets/{ticket.number}/{action}/", {"note": "说明", **body}, format="json")


def test_resolving_a_ticket_you_do_not_hold_answers_403_and_changes_nothing(api_for, ticket):
    before = snapshot(ticket)
    response = post(api_for("320000"), ticket, "resolve")  # the province sees it but does not hold it
    assert response.status_code == 403
    assert "承办机构" in response.json()["non_field_errors"][0]
    assert snapshot(ticket) == before


def test_the_raiser_cannot_resolve_its_own_ticket(api_for, ticket):
    before = snapshot(ticket)
    assert post(api_for("320508"), ticket, "resolve").status_code == 403
    assert snapshot(ticket) == before


def test_escalating_or_transferring_a_ticket_you_do_not_hold_answers_403(api_for, ticket):
    before = snapshot(ticket)
    client = api_for("320000")
    assert post(client, ticket, "escalate").status_code == 403
    assert post(client, ticket, "transfer", to="320000").status_code == 403
    assert snapshot(ticket) == before


def test_reopening_a_ticket_you_did_not_raise_answers_403_and_changes_nothing(api_for, ticket):
    services.resolve_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="已处理。")
    before = snapshot(ticket)
    response = post(api_for("320500"), ticket, "reopen")  # the holder, not the raiser
    assert response.status_code == 403
    assert snapshot(ticket) == before


def test_closing_a_ticket_you_did_not_raise_answers_403(api_for, ticket):
    before = snapshot(ticket)
    assert post(api_for("320500"), ticket, "close").status_code == 403
    assert snapshot(ticket) == before


def test_reopening_a_ticket_that_is_not_resolved_answers_409(api_for, ticket):
    before = snapshot(ticket)
    assert post(api_for("320508"), ticket, "reopen").status_code == 409
    assert snapshot(ticket) == before


def test_resolving_a_closed_ticket_answers_409_and_changes_nothing(api_for, closed):
    before = snapshot(closed)
    response = post(api_for("320500"), closed, "resolve")
    assert response.status_code == 409
    assert snapshot(closed) == before


@pytest.mark.parametrize("action,actor", [
    ("comment", "320500"), ("comment", "320508"), ("escalate", "320500"), ("transfer", "320500"),
    ("reopen", "320508"), ("close", "320508"),
])
def test_every_action_on_a_closed_ticket_answers_409_and_changes_nothing(api_for, closed, action, actor):
    before = snapshot(closed)
    response = post(api_for(actor), closed, action, to="310000")
    assert response.status_code == 409
    assert snapshot(closed) == before
    assert Ticket.objects.get(pk=closed.pk).status == Status.CLOSED


def test_resolving_a_resolved_ticket_again_answers_409(api_for, ticket):
    services.resolve_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="已处理。")
    before = snapshot(ticket)
    assert post(api_for("320500"), ticket, "resolve").status_code == 409
    assert snapshot(ticket) == before


def test_escalating_at_national_answers_409(api_for):
    ticket = TicketFactory(raiser="320000")
    before = snapshot(ticket)
    assert post(api_for("000000"), ticket, "escalate").status_code == 409
    assert snapshot(ticket) == before


def test_an_action_without_a_note_is_refused_on_the_note_field(api_for, ticket):
    before = snapshot(ticket)
    response = api_for("320500").post(f"/api/v1/tickets/{ticket.number}/resolve/", {"note": " "}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    assert snapshot(ticket) == before


def test_acting_on_a_ticket_outside_your_scope_answers_404(api_for, ticket):
    before = snapshot(ticket)
    assert post(api_for("510000"), ticket, "resolve").status_code == 404
    assert snapshot(ticket) == before


def test_the_status_is_checked_on_the_row_locked_for_update(ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.resolve_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="已处理。")
    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1 and 'FOR UPDATE OF "coordination_ticket"' in locks[0]
    assert queries.captured_queries.index(next(q for q in queries if "FOR UPDATE" in q["sql"])) < next(
        i for i, q in enumerate(queries) if q["sql"].startswith("UPDATE"))
