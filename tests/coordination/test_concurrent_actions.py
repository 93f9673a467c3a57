"""Actions on the same ticket at the same moment, on real separate connections: one wins, every other one hears
409 with a Chinese message, nothing answers 500 and the timeline tells one consistent story.

Before the fix the lock read joined the holder (``SELECT … FOR UPDATE OF ticket … JOIN organisation``): once the
first escalation committed, PostgreSQL re-checked the waiting queries against the moved row with the *old* holder
row, dropped it, and the other eleven died with ``Ticket.DoesNotExist`` (500 through the API)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.coordination import services
from apps.coordination.models import EventKind, Ticket, TicketEvent, TicketHolding
from apps.core.errors import Conflict
from tests.concurrency import run_concurrently
from tests.coordination.factories import TicketFactory
from tests.factories import UserFactory, org

PARALLEL = 12


def story(ticket):
    """The timeline as (kind, from holder, to holder) and where the ticket is now."""
    events = list(TicketEvent.objects.filter(ticket_id=ticket.pk).order_by("at", "id")
                  .values_list("kind", "from_holder_id", "to_holder_id"))
    now = Ticket.objects.get(pk=ticket.pk)
    return events, now


def codes(ids):
    from apps.regions.models import Organisation

    return [Organisation.objects.get(pk=i).code if i else None for i in ids]


def fresh(ticket):
    """The ticket as a caller reads it just before acting (the API reads it in ``get_object``)."""
    return Ticket.objects.get(pk=ticket.pk)


def test_twelve_escalations_at_once_move_the_ticket_once_and_the_others_hear_409(race_db):
    ticket = TicketFactory(raiser="320508")  # held by 苏州市 (320500)
    holder = org("320500")
    users = [UserFactory(org="320500") for _ in range(PARALLEL)]
    copies = [fresh(ticket) for _ in range(PARALLEL)]  # every caller read it before anyone moved it

    results = run_concurrently(*[
        (lambda u=u, t=t: services.escalate_ticket(actor=u, organisation=holder, ticket=t, note="请上级协调。"))
        for u, t in zip(users, copies)
    ])

    won = [r for r in results if isinstance(r, Ticket)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == PARALLEL - 1, [type(r).__name__ for r in results]
    assert all("江苏省" in exc.message and "刷新" in exc.message for exc in lost)
    events, now = story(ticket)
    assert [e[0] for e in events] == [EventKind.RAISED, EventKind.ESCALATE]
    assert codes(events[1][1:]) == ["320500", "320000"]
    assert now.holder.code == "320000" and now.holder_tier == "province"
    assert TicketHolding.objects.filter(ticket_id=ticket.pk).count() == 2


def test_escalate_and_transfer_at_once_one_wins_the_other_hears_409_and_the_timeline_agrees(race_db):
    ticket = TicketFactory(raiser="320508")
    holder = org("320500")
    escalating, transferring = fresh(ticket), fresh(ticket)

    results = run_concurrently(
        lambda: services.escalate_ticket(actor=None, organisation=holder, ticket=escalating, note="上报。"),
        lambda: services.transfer_ticket(actor=None, organisation=holder, ticket=transferring, to="310000",
                                         note="转上海。"),
    )

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Ticket"], results
    events, now = story(ticket)
    assert len(events) == 2 and events[0][0] == EventKind.RAISED
    kind, from_holder, to_holder = events[1]
    assert kind == (EventKind.ESCALATE if isinstance(results[0], Ticket) else EventKind.TRANSFER)
    assert codes([from_holder, to_holder]) == ["320500", now.holder.code]
    assert now.holder.code == ("320000" if kind == EventKind.ESCALATE else "310000")
    assert set(TicketHolding.objects.filter(ticket_id=ticket.pk).values_list("organisation__code", flat=True)) == {
        "320500", now.holder.code}


def test_twelve_escalations_through_the_api_answer_one_200_and_eleven_409_never_500(race_db):
    ticket = TicketFactory(raiser="320508")
    clients = []
    for _ in range(PARALLEL):
        client = APIClient()
        client.force_authenticate(user=UserFactory(org="320500"))
        client.raise_request_exception = False
        clients.append(client)

    responses = run_concurrently(*[
        (lambda c=c: c.post(f"/api/v1/tickets/{ticket.number}/escalate/", {"note": "请上级协调。"}, format="json"))
        for c in clients
    ])

    statuses = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == [200] + [409] * (PARALLEL - 1)
    for response in responses:
        if response.status_code == 409:
            assert "工单已转由" in response.json()["non_field_errors"][0]
    events, now = story(ticket)
    assert [e[0] for e in events] == [EventKind.RAISED, EventKind.ESCALATE]
    assert now.holder.code == "320000"


def test_a_manual_escalation_and_the_overdue_run_at_once_move_the_ticket_once(race_db):
    import datetime as dt

    from django.utils import timezone

    ticket = TicketFactory(raiser="320508")
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    copy = fresh(ticket)

    results = run_concurrently(
        lambda: services.escalate_ticket(actor=None, organisation=org("320500"), ticket=copy, note="上报。"),
        lambda: services.escalate_overdue(),
    )

    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)], results
    events, now = story(ticket)
    moves = [e for e in events if e[0] in (EventKind.ESCALATE, EventKind.AUTO_ESCALATE)]
    assert len(moves) == 1
    assert codes(moves[0][1:]) == ["320500", "320000"] and now.holder.code == "320000"


@pytest.mark.django_db
def test_the_lock_takes_the_ticket_row_alone_and_reads_the_holder_after_it():
    ticket = TicketFactory(raiser="320508")
    with CaptureQueriesContext(connection) as queries:
        services.escalate_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="上报。")
    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert "JOIN" not in locks[0]


@pytest.mark.django_db
def test_a_former_holder_acting_on_a_ticket_that_moved_on_hears_409_not_403(api_for):
    ticket = TicketFactory(raiser="320508")
    services.escalate_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="上报。")
    before = story(ticket)[0]
    for action in ("escalate", "resolve", "transfer"):
        response = api_for("320500").post(f"/api/v1/tickets/{ticket.number}/{action}/",
                                          {"note": "再试一次。", "to": "310000"}, format="json")
        assert response.status_code == 409
        assert response.json()["non_field_errors"][0].startswith("工单已转由江苏省")
    english = api_for("320500").post(f"/api/v1/tickets/{ticket.number}/resolve/", {"note": "x"}, format="json",
                                     HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["non_field_errors"][0].startswith("The ticket has moved on to ")
    assert story(ticket)[0] == before
