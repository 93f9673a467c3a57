"""The one place that decides which rows an organisation may see.

A model opts in by declaring, on the class:

    SCOPE_REGION_FIELDS = ("insured_region", "treatment_region")   # FKs to Region (code PKs)
    SCOPE_FACILITY_FIELD = "facility"                              # FK to Facility (code PK), optional;
                                                                   # "self" on Facility itself

and optionally a classmethod ``extra_scope_q(org)`` returning a Q of further rows
the organisation may see (e.g. tickets it raised or held). A bureau sees rows
whose region fields fall in its subtree (an indexed range test on the code);
a facility sees rows whose facility field is itself; national sees everything.
Admin, API, exports and dashboards all call :func:`scoped`.
"""
from django.db.models import Q, QuerySet

from .models import Organisation, code_range, subtree_q


def scope_q(model, org: Organisation | None) -> Q | None:
    """A Q limiting ``model`` to ``org``'s scope; None means no limit (national)."""
    if org is None:
        return Q(pk__in=[])
    if org.is_national:
        return None
    q = Q(pk__in=[])
    if org.is_facility:
        facility_field = getattr(model, "SCOPE_FACILITY_FIELD", None)
        if facility_field:
            lookup = "pk" if facility_field == "self" else f"{facility_field}_id"
            q |= Q(**{lookup: org.code})
    else:
        for field in getattr(model, "SCOPE_REGION_FIELDS", ()):
            q |= subtree_q(field, org.region_prefix)
    extra = getattr(model, "extra_scope_q", None)
    if extra is not None:
        q |= extra(org)
    return q


def scoped(queryset: QuerySet, org: Organisation | None) -> QuerySet:
    """``queryset`` limited to what ``org`` may see."""
    q = scope_q(queryset.model, org)
    return queryset if q is None else queryset.filter(q)


def org_of(user) -> Organisation | None:
    """The organisation a user acts for (None for anonymous or unattached users)."""
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "organisation", None)


def covers_region(org: Organisation | None, region_code: str) -> bool:
    """Whether ``region_code`` lies in ``org``'s region subtree (facilities cover none)."""
    if org is None or org.is_facility:
        return False
    if org.is_national:
        return True
    lo, hi = code_range(org.region_prefix)
    return lo <= region_code <= hi
