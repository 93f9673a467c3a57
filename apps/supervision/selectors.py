"""Supervision reads: flags in an organisation's scope, flags of one settlement, and recovery totals."""
from decimal import Decimal

from django.db.models import Count, Q, Sum

from apps.regions.scope import scoped

from .models import Flag, FlagStatus


def flags_for(org):
    """Flags ``org`` may see, with what a list shows."""
    return scoped(Flag.objects.all(), org).select_related("rule", "settlement", "insured_region",
                                                          "treatment_region", "facility", "ticket")


def flags_for_settlement(settlement, org=None):
    """Why a settlement was flagged: its flags, newest first, with rule and ticket (for the settlement page).

    Pass ``org`` to limit to what that organisation may see (the settlement page is already scoped)."""
    qs = Flag.objects.filter(settlement=settlement).select_related("rule", "ticket").order_by("-id")
    return scoped(qs, org) if org is not None else qs


def evidence_numbers(flag) -> list[str]:
    """The other settlements a flag's evidence names (pair rules put the paired number in the evidence)."""
    detail = flag.detail or {}
    return [detail[k] for k in ("other", "previous") if detail.get(k)]


def status_totals(org) -> dict:
    """Counts by status and the confirmed recoveries within ``org``'s scope (one aggregate query)."""
    row = scoped(Flag.objects.all(), org).aggregate(
        new=Count("id", filter=Q(status=FlagStatus.NEW)),
        reviewing=Count("id", filter=Q(status=FlagStatus.REVIEWING)),
        confirmed=Count("id", filter=Q(status=FlagStatus.CONFIRMED)),
        recovered=Sum("amount_recovered", filter=Q(status=FlagStatus.CONFIRMED)),
    )
    row["recovered"] = row["recovered"] or Decimal("0.00")
    return row
