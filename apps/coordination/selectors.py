"""Reads of tickets: an organisation's inbox views, one ticket's timeline, start-page counts.

Which tickets an organisation sees at all is the scope mechanism's (``scoped(qs, organisation)`` with
``Ticket.extra_scope_q``); the inbox views narrow a scoped list."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from .models import ACTIVE_STATUSES, Status, Ticket, TicketEvent

if TYPE_CHECKING:
    from apps.regions.models import Organisation

# Inbox views of the signed-in organisation (admin tabs, API ``box=``).
BOXES = {
    "held": "我方承办",
    "raised": "我方发起",
    "overdue": "我方超时",
    "overdue_scope": "辖区内超时",
}


def in_box(qs: QuerySet[Ticket], organisation: Organisation | None, box: str,
           now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """``qs`` narrowed to one inbox view of ``organisation``; an unknown box leaves it as is."""
    now = now or timezone.now()
    if organisation is None:
        return qs.none()
    if box == "held":
        return qs.filter(holder_id=organisation.pk, status__in=ACTIVE_STATUSES)
    if box == "raised":
        return qs.filter(raised_by_id=organisation.pk).exclude(status=Status.CLOSED)
    if box == "overdue":
        return qs.filter(holder_id=organisation.pk, status__in=ACTIVE_STATUSES, due_at__lt=now)
    if box == "overdue_scope":
        return qs.filter(status__in=ACTIVE_STATUSES, due_at__lt=now)
    return qs


def timeline(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's events, oldest first, with everyone they name."""
    return (TicketEvent.objects.filter(ticket_id=ticket.pk)
            .select_related("actor", "organisation", "from_holder", "to_holder").order_by("at", "id"))


# Counts shown on tabs and the start page stop here ("10000+"), like the admin's CappedCountPaginator.
COUNT_CAP = 10_000


def capped_count(qs: QuerySet) -> int:
    """``qs.count()``, but counting at most ``COUNT_CAP + 1`` rows (above ``COUNT_CAP`` means "more")."""
    return qs.order_by()[: COUNT_CAP + 1].count()


def show_count(value: int) -> str:
    return f"{COUNT_CAP}+" if value > COUNT_CAP else str(value)


def inbox_counts(organisation: Organisation | None, now: dt.datetime | None = None) -> dict[str, int]:
    """Start-page counts for ``organisation``: held open, held overdue, raised and not yet closed (index-backed,
    each capped at ``COUNT_CAP + 1``)."""
    now = now or timezone.now()
    base = Ticket.objects.all()
    return {box: capped_count(in_box(base, organisation, box, now)) for box in ("held", "overdue", "raised")}
