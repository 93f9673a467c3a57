"""Which registration covers a treatment: the one rule, written once, in a Python and a SQL form.

A registration covers treatment in county ``C`` on day ``D`` when

1. its destination contains ``C``: the destination is ``C``'s province or city (or ``C`` itself);
2. ``D`` lies in its validity: ``start_date ≤ D`` and (no ``end_date`` or ``D ≤ end_date``) — valid on the
   day counts, whatever happened since (an ``expired`` one covered the days before it ended);
3. its status allows it:

   * ``approved`` and ``expired``: yes;
   * ``cancelled``: only up to the day it was cancelled (the local date of its cancellation event), so —
     with 2. — up to its end or its cancellation, whichever is earlier. A cancellation is recorded as an
     event, not on the row (the end date stays as it was granted); a cancelled one whose cancellation is not
     on record is not relied on;
   * ``submitted``: only an ``emergency`` registration (异地急诊抢救). Emergency care counts as registered
     (视同已备案), and its registration is usually made afterwards (补办, ``start_date`` in the past), which
     always goes to staff review — so it covers while it is being reviewed;
   * ``rejected``: never.

Among several, the long-term one first, then the latest start, then the latest made (highest id).

* Python, one person and day: :func:`covering_registration` over :func:`candidates_for` (one query for any
  number of persons — the bulk ingest loads a batch's candidates with it).
* SQL, set-based: :func:`covers_sql` (a registration row covers), :func:`covering_exists_sql` (the person
  has one: ``EXISTS (…)`` for a scan over many settlements) and :func:`best_covering_sql` (the id of the one
  that is chosen). They take SQL expressions for the ID number, county and day, need no parameters, and run on
  PostgreSQL and on SQLite (the demo quick start).

``tests/registration/test_matching_rule.py`` checks that both forms agree on every person, day and county
of a population built to cover each case.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from apps.core import idnumbers

from .models import LONG_TERM_CATEGORIES, Category, InsuredPerson, Registration, RegistrationEvent, Status

COVERING_STATUSES = (Status.APPROVED, Status.EXPIRED)


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the rule (and a settlement matched by it) needs of one registration."""

    id: int
    reference: str
    id_number: str
    insurance_type: str
    category: str
    destination_region_id: str
    start_date: dt.date
    end_date: dt.date | None
    status: str
    cancelled_on: dt.date | None  # local date of the cancellation event; None if not cancelled or not on record

    @property
    def is_long_term(self) -> bool:
        return self.category in LONG_TERM_CATEGORIES

    @property
    def rank(self) -> tuple:
        return (self.is_long_term, self.start_date, self.id)


def destinations_containing(region_code: str) -> tuple[str, str, str]:
    """The destination codes that contain a county: its province, its city, itself (320508 → 320000, 320500,
    320508)."""
    return (region_code[:2] + "0000", region_code[:4] + "00", region_code)


def _may_cover_q() -> Q:
    """The registrations that can cover some day at all (the status part of the rule, for loading)."""
    return (Q(status__in=COVERING_STATUSES) | Q(status=Status.CANCELLED)
            | Q(status=Status.SUBMITTED, category=Category.EMERGENCY))


def _local_day(at: dt.datetime | None) -> dt.date | None:
    """The day a recorded moment falls on, in the bureau's time zone (``TIME_ZONE``), whatever is active."""
    return None if at is None else timezone.localtime(at, timezone.get_default_timezone()).date()


def candidates_for(id_numbers: Iterable[str]) -> dict[str, list[Candidate]]:
    """``{id number: [Candidate, …]}``: every registration of these persons that may cover some day, in one
    query (their cancellation moments come along as a subquery)."""
    ids = {idnumbers.normalise(n) for n in id_numbers} - {""}
    if not ids:
        return {}
    cancelled_at = (RegistrationEvent.objects.filter(registration=OuterRef("pk"), to_status=Status.CANCELLED)
                    .order_by("at").values("at")[:1])
    rows = (Registration.objects.filter(_may_cover_q(), person__id_number__in=ids)
            .annotate(cancelled_at=Subquery(cancelled_at))
            .values_list("id", "reference", "person__id_number", "person__insurance_type", "category",
                         "destination_region_id", "start_date", "end_date", "status", "cancelled_at"))
    found: dict[str, list[Candidate]] = {}
    for pk, reference, id_number, insurance_type, category, destination, start, end, status, at in rows:
        found.setdefault(id_number, []).append(Candidate(
            id=pk, reference=reference, id_number=id_number, insurance_type=insurance_type, category=category,
            destination_region_id=destination, start_date=start, end_date=end, status=status,
            cancelled_on=_local_day(at) if status == Status.CANCELLED else None))
    return found


def covers(candidate: Candidate, treatment_region_code: str, day: dt.date) -> bool:
    """Does this registration cover treatment in ``treatment_region_code`` (a county) on ``day``?"""
    if candidate.destination_region_id not in destinations_containing(treatment_region_code):
        return False
    if not (candidate.start_date <= day and (candidate.end_date is None or day <= candidate.end_date)):
        return False
    if candidate.status in COVERING_STATUSES:
        return True
    if candidate.status == Status.CANCELLED:
        return candidate.cancelled_on is not None and day <= candidate.cancelled_on
    return candidate.status == Status.SUBMITTED and candidate.category == Category.EMERGENCY


def covering_registration(candidates: Iterable[Candidate] | str, treatment_region_code: str,
                          day: dt.date) -> Candidate | None:
    """The registration that covers treatment in ``treatment_region_code`` (the facility's county) on ``day``,
    or None. ``candidates`` is one person's (from :func:`candidates_for`) or their ID number."""
    if isinstance(candidates, str):
        id_number = idnumbers.normalise(candidates)
        candidates = candidates_for([id_number]).get(id_number, [])
    best: Candidate | None = None
    for candidate in candidates:
        if covers(candidate, treatment_region_code, day) and (best is None or candidate.rank > best.rank):
            best = candidate
    return best


# --- the same rule in SQL ----------------------------------------------------------------------------------------

REG = Registration._meta.db_table
PERSON = InsuredPerson._meta.db_table
EVENT = RegistrationEvent._meta.db_table
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-/]+")


def _quoted(values: Iterable[Status | Category]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(v.value for v in values))


def _local_day_sql(column: str, vendor: str) -> str:
    """SQL for the day a stored timestamp falls on in ``TIME_ZONE`` (as :func:`_local_day`)."""
    zone = timezone.get_default_timezone_name()
    if not _ZONE_NAME.fullmatch(zone):  # it is spliced in, so that the fragment needs no parameters
        raise ValueError(f"unexpected TIME_ZONE {zone!r}")
    if vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE '{zone}') AS DATE)"
    # SQLite keeps datetimes as UTC text (USE_TZ); Django registers this function on every connection, it is
    # what the ORM's TruncDate uses there.
    stored = "'UTC'" if settings.USE_TZ else f"'{zone}'"
    return f"django_datetime_cast_date({column}, '{zone}', {stored})"


def covers_sql(r: str, *, region: str, day: str, vendor: str | None = None) -> str:
    """A SQL condition (never NULL): the registration row aliased ``r`` covers treatment in the county given
    by the expression ``region`` on the date given by ``day`` (as :func:`covers`).

    ``region`` and ``day`` are column references or literals; each is used several times."""
    vendor = vendor or connection.vendor
    cancelled_on = (f"(SELECT MIN({_local_day_sql('cov_e.at', vendor)}) FROM {EVENT} cov_e "
                    f"WHERE cov_e.registration_id = {r}.id AND cov_e.to_status = '{Status.CANCELLED.value}')")
    return f"""(
        {r}.destination_region_id IN (substr({region}, 1, 2) || '0000', substr({region}, 1, 4) || '00', {region})
        AND {r}.start_date <= {day} AND ({r}.end_date IS NULL OR {day} <= {r}.end_date)
        AND ({r}.status IN ({_quoted(COVERING_STATUSES)})
             OR ({r}.status = '{Status.SUBMITTED.value}' AND {r}.category = '{Category.EMERGENCY.value}')
             OR ({r}.status = '{Status.CANCELLED.value}' AND COALESCE({day} <= {cancelled_on}, FALSE))))"""


def _persons_covering(id_number: str, region: str, day: str, vendor: str | None) -> str:
    return (f"FROM {REG} cov_r JOIN {PERSON} cov_p ON cov_p.id = cov_r.person_id "
            f"WHERE cov_p.id_number = {id_number} AND {covers_sql('cov_r', region=region, day=day, vendor=vendor)}")


def covering_exists_sql(*, id_number: str, region: str, day: str, vendor: str | None = None) -> str:
    """``EXISTS (…)``: the person whose ID number is the expression ``id_number`` has a registration covering
    treatment in ``region`` on ``day`` (as ``covering_registration(...) is not None``)."""
    return f"EXISTS (SELECT 1 {_persons_covering(id_number, region, day, vendor)})"


def best_covering_sql(*, id_number: str, region: str, day: str, vendor: str | None = None) -> str:
    """A scalar subquery: the id of the registration :func:`covering_registration` chooses, or NULL."""
    return (f"(SELECT cov_r.id {_persons_covering(id_number, region, day, vendor)} "
            f"ORDER BY CASE WHEN cov_r.category IN ({_quoted(LONG_TERM_CATEGORIES)}) THEN 1 ELSE 0 END DESC, "
            f"cov_r.start_date DESC, cov_r.id DESC LIMIT 1)")
