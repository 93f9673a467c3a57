"""Reads of the settlement area shared by the API, the admin and the start page, all through the scope mechanism."""
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.core.money import ZERO
from apps.regions.scope import scoped

from .models import Clearing, ClearingStatus, Prepayment


def flagged_q() -> Q:
    from apps.supervision.models import Flag

    return Q(Exists(Flag.objects.filter(settlement_id=OuterRef("pk"))))


def _threshold(name: str) -> Decimal:
    return Decimal(str(getattr(settings, name)))


def usage_level(share: Decimal | None) -> str:
    """'red' at or above YIDI_PREPAYMENT_RED, 'yellow' at or above YIDI_PREPAYMENT_YELLOW, else 'normal'."""
    if share is None:
        return "normal"
    if share >= _threshold("YIDI_PREPAYMENT_RED"):
        return "red"
    if share >= _threshold("YIDI_PREPAYMENT_YELLOW"):
        return "yellow"
    return "normal"


def with_usage(prepayments):
    """Annotate ``used``: what the treatment province has advanced this year and not yet been paid back — the
    net fund payment of the pair's clearing rows of the year that are not yet ``paid`` (the prepayment is a
    revolving advance: each paid month frees its share again)."""
    used = (Clearing.objects.filter(period__year=OuterRef("year"), insured_province=OuterRef("insured_province"),
                                    treatment_province=OuterRef("treatment_province"))
            .exclude(status=ClearingStatus.PAID)
            .values("insured_province").annotate(total=Sum("fund_paid")).values("total"))
    return prepayments.annotate(
        used=Coalesce(Subquery(used), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2)))


def prepayments_for(org, year: int | None = None):
    """Prepayments in scope, with their use."""
    qs = with_usage(scoped(Prepayment.objects.select_related("insured_province", "treatment_province"), org))
    if year:
        qs = qs.filter(year=year)
    return qs


def share_of(prepayment) -> Decimal | None:
    if not prepayment.amount:
        return None
    return (Decimal(prepayment.used) / prepayment.amount).quantize(Decimal("0.0001"))


def clearing_work_for(org):
    """Counts of clearing rows waiting on this province bureau: to declare (overdue among them), confirm, pay."""
    from django.utils import timezone

    if org is None or org.tier != "province":
        return None
    code = org.region_id
    rows = Clearing.objects.filter(Q(insured_province_id=code) | Q(treatment_province_id=code))
    today = timezone.localdate()
    return {
        "to_declare": rows.filter(treatment_province_id=code, status=ClearingStatus.DRAFT,
                                  period__lt=today.replace(day=1)).count(),
        "overdue": rows.filter(treatment_province_id=code, status=ClearingStatus.DRAFT,
                               declare_due__lt=today).count(),
        "to_confirm": rows.filter(insured_province_id=code, status=ClearingStatus.DECLARED).count(),
        "to_pay": rows.filter(insured_province_id=code, status=ClearingStatus.CONFIRMED).count(),
    }
