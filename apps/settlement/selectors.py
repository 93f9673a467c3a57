"""Reads of the settlement area shared by the API, the admin and the start page, all through the scope mechanism."""
import re
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from apps.core.errors import NotFound, ValidationFailed
from apps.core.inputs import text_error
from apps.core.money import ZERO
from apps.regions.scope import scoped

from .models import Clearing, ClearingStatus, Prepayment, Settlement

# What a stored number can look like: new numbers follow ingest.NUMBER; older ones may hold other characters,
# so a lookup only refuses what no stored number can be (control characters, lone surrogates, over 64 long).
_FACILITY_CODE = re.compile(r"[A-Za-z0-9]{1,12}", re.ASCII)


def _lookup_text_ok(value, max_length: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_length and text_error(value) is None


def settlement_by_number(org, number, facility=None, *, field: str | None = None, queryset=None) -> Settlement:
    """The settlement ``number`` that ``org`` may see, reported by ``facility`` when given.

    Numbers are unique per reporting facility, not nationally (``Settlement`` constraint), so within a scope
    one number may name several settlements. A facility's scope holds only its own, so for a facility the
    number alone always suffices; a bureau that can see two facilities' settlements under the same number
    names the facility. Nothing outside ``org``'s scope is ever consulted, so no answer reveals that a number
    is used elsewhere.

    ``field`` None (a number in a URL): none in scope → NotFound (404); several and no facility →
    ValidationFailed on ``facility`` (400). ``field`` set (a number in a request body, e.g. a ticket's
    ``settlement``): none → ValidationFailed on ``field``; several → ValidationFailed on ``<field>_facility``.
    ``queryset`` narrows or locks the lookup (e.g. ``select_for_update``); it is scoped here."""
    facility_field = f"{field}_facility" if field else "facility"

    def missing():
        if field:
            return ValidationFailed(_("结算不存在或不在本机构管辖范围内。"), field=field)
        return NotFound(_("结算记录不存在。"))

    if not _lookup_text_ok(number, 64):
        raise missing()
    qs = scoped(Settlement.objects.all() if queryset is None else queryset, org).filter(number=number)
    if facility not in (None, ""):
        if not (isinstance(facility, str) and _FACILITY_CODE.fullmatch(facility)):
            raise ValidationFailed(_("机构编码应为12位字母和数字。"), field=facility_field)
        qs = qs.filter(facility_id=facility)
    found = list(qs[:2])
    if not found:
        raise missing()
    if len(found) > 1:
        raise ValidationFailed(
            _("多家定点医药机构使用了该结算编号，请用 %(param)s 指明机构编码。") % {"param": facility_field},
            field=facility_field)
    return found[0]


def settlements_by_keys(org, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Settlement]:
    """{(facility code, number): settlement} for those of ``keys`` that ``org`` may see, in one query (e.g. the
    settlements a flag's evidence names); keys outside ``org``'s scope are simply absent."""
    keys = {(f, n) for f, n in keys if _lookup_text_ok(f, 12) and _lookup_text_ok(n, 64)}
    if not keys:
        return {}
    qs = scoped(Settlement.objects.filter(number__in={n for _, n in keys}, facility_id__in={f for f, _ in keys}), org)
    return {(s.facility_id, s.number): s for s in qs if (s.facility_id, s.number) in keys}


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
