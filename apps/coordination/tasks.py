"""Scheduled duties of the coordination area (the schedule: apps/events/schedules.py): the overdue
escalation (the same service as ``manage.py escalate_overdue``) and the due-soon reminder."""
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.coordination import services
from apps.coordination.api.serializers import TicketListSerializer
from apps.coordination.models import Ticket
from apps.coordination.workdays import add_working_days
from apps.events.services import record_event


@shared_task(name="coordination.escalate_overdue")
def escalate_overdue() -> dict:
    """Every 15 minutes: overdue tickets escalate one tier where their category says so."""
    return services.escalate_overdue()


@shared_task(name="coordination.remind_due_soon")
def remind_due_soon(now=None) -> int:
    """Hourly: a ``ticket.due_soon`` event (a notification to the holder) for each active ticket due within
    one working day — once per ticket and due time."""
    now = now or timezone.now()
    horizon = add_working_days(now, 1)
    tickets = (Ticket.objects.active().filter(due_at__gt=now, due_at__lte=horizon)
               .select_related("holder", "raised_by").order_by("pk"))
    recorded = 0
    for ticket in tickets.iterator(chunk_size=500):
        with transaction.atomic():
            row = record_event(
                "ticket.due_soon", obj=ticket, organisation=ticket.holder,
                regions=[ticket.raiser_region_id, ticket.holder_region_id],
                data=TicketListSerializer(ticket, context={"now": now}).data,
                summary=f"{ticket.number} {ticket.title}：办理时限 {timezone.localtime(ticket.due_at):%Y-%m-%d %H:%M}",
                dedupe_key=f"ticket.due_soon:{ticket.pk}:{ticket.due_at.isoformat()}")
        recorded += row is not None
    return recorded
