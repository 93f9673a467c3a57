"""Reads of tickets: what an organisation sees, its inbox views, one ticket's timeline, start-page counts."""
from django.db.models import QuerySet
from django.utils import timezone

from apps.regions.scope import scoped

from .models import ACTIVE_STATUSES, Status, Ticket, TicketEvent

# Inbox views of the signed-in organisation (admin tabs, API ``box=``).
BOXES = {
    "held": "我方承办",
    "raised": "我方发起",
    "overdue": "我方超时",
    "overdue_scope": "辖区内超时",
}


def visible_tickets(org) -> QuerySet:
    """Every ticket ``org`` may see (raised, holds, has held, or in its region subtree)."""
    return scoped(Ticket.objects.select_related("holder", "raised_by"), org)


def in_box(qs: QuerySet, org, box: str, now=None) -> QuerySet:
    """``qs`` narrowed to one inbox view of ``org``; an unknown box leaves it as is."""
    now = now or timezone.now()
    if org is None:
        return qs.none()
    if box == "held":
        return qs.filter(holder_id=org.pk, status__in=ACTIVE_STATUSES)
    if box == "raised":
        return qs.filter(raised_by_id=org.pk).exclude(status=Status.CLOSED)
    if box == "overdue":
        return qs.filter(holder_id=org.pk, status__in=ACTIVE_STATUSES, due_at__lt=now)
    if box == "overdue_scope":
        return qs.filter(status__in=ACTIVE_STATUSES, due_at__lt=now)
    return qs


def timeline(ticket: Ticket) -> QuerySet:
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


def inbox_counts(org, now=None) -> dict:
    """Start-page counts for ``org``: held open, held overdue, raised and not yet closed (index-backed, each
    capped at ``COUNT_CAP + 1``)."""
    now = now or timezone.now()
    base = Ticket.objects.all()
    return {box: capped_count(in_box(base, org, box, now)) for box in ("held", "overdue", "raised")}
