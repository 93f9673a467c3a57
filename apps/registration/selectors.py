"""Reads of registrations that several callers need, always through the scope mechanism."""
import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core import idnumbers
from apps.regions.models import Organisation, Region, subtree_q
from apps.regions.scope import scoped

from .models import Registration


def registrations_for(org: Organisation | None) -> QuerySet:
    """Registrations ``org`` may see, with what a list shows joined in."""
    qs = Registration.objects.select_related("person", "insured_region", "insured_pooling_area",
                                             "destination_region")
    return scoped(qs, org)


def in_subtree(qs: QuerySet, field: str, region: Region) -> QuerySet:
    """Rows whose ``field`` (a Region FK) is ``region`` or lies under it: an indexed range test."""
    return qs.filter(subtree_q(field, region.prefix))


def valid_on_q(day: dt.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def as_insured_side(qs: QuerySet, org: Organisation) -> QuerySet:
    """Of ``qs``, the rows ``org`` acts on as the insured side (approve, reject, cancel)."""
    return qs if org.is_national else in_subtree(qs, "insured_region", org.region)


def documents_overdue_q(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(documents_due__lt=today, documents_supplied_at__isnull=True) & ~Q(documents_owed="")


def lookup_status(reference: str, id_number: str) -> Registration | None:
    """The registration with this reference *and* this person's ID number, or None: a wrong pair and an
    unknown reference look the same to the caller."""
    reference = (reference or "").strip().upper()
    id_number = idnumbers.normalise(id_number)
    if not reference or not id_number:
        return None
    return (Registration.objects.filter(reference=reference, person__id_number=id_number).select_related("person")
            .only("reference", "status", "start_date", "end_date", "category", "status_reason", "person__id_number")
            .first())

