"""The payment rule (就医地目录、参保地政策): the fund payment the insured area's policy gives one settlement.

Expected = min(cap remaining this year, max(0, eligible − deductible remaining) × ratio), where the ratio is
the facility level's, lowered for temporary registrants (referral/emergency, other temporary) and replaced
by the unregistered rule when no registration matched. Deductible and cap are counted per person, calendar
year (of the service start), insurance type and visit type, over the person's earlier non-reversed
settlements — "earlier" meaning received earlier (a stored settlement, or one before it in the same bulk),
so a figure once computed never changes: the deductible each one used is stored with it
(``deductible_applied``), the cap counts what the fund actually paid (``fund_paid``)."""
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum

from apps.core.money import ZERO, money

from .models import Policy, Settlement, UnregisteredRule

HUNDRED = Decimal(100)
REFERRAL_EMERGENCY = frozenset({"referral", "emergency"})
TEMPORARY_OTHER = "temporary_other"


@dataclass(frozen=True)
class Payment:
    expected: Decimal
    deductible_applied: Decimal
    ratio: Decimal  # percentage points actually applied


@dataclass
class YearUse:
    """What the person's earlier settlements in the year have used: deductible and fund."""

    deductible_used: Decimal = ZERO
    fund_paid: Decimal = ZERO


def ratio_points(policy: Policy, *, facility_level: str, registered: bool, category: str | None) -> Decimal:
    """The ratio in percentage points for this facility level and registration situation."""
    level_ratio = policy.ratio_for_level(facility_level)
    if not registered:
        if policy.unregistered_rule == UnregisteredRule.FIXED:
            points = policy.unregistered_value
        else:
            points = level_ratio - policy.unregistered_value
    elif category in REFERRAL_EMERGENCY:
        points = level_ratio - policy.referral_emergency_reduction
    elif category == TEMPORARY_OTHER:
        points = level_ratio - policy.temporary_other_reduction
    else:
        points = level_ratio
    return max(Decimal(0), min(HUNDRED, Decimal(points)))


def expected_payment(policy: Policy, *, eligible: Decimal, facility_level: str, registered: bool,
                     category: str | None, year_use: YearUse) -> Payment:
    """The expected fund payment for one settlement, given what earlier settlements of the year used."""
    eligible = money(eligible)
    deductible_remaining = max(ZERO, money(policy.deductible) - year_use.deductible_used)
    deductible_applied = min(eligible, deductible_remaining)
    points = ratio_points(policy, facility_level=facility_level, registered=registered, category=category)
    by_ratio = ((eligible - deductible_applied) * points / HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)
    cap_remaining = max(ZERO, money(policy.annual_cap) - year_use.fund_paid)
    return Payment(expected=money(min(cap_remaining, by_ratio)), deductible_applied=money(deductible_applied),
                   ratio=points)


class PolicyBook:
    """The policies in force, loaded once for many settlements (one query)."""

    def __init__(self, pooling_areas):
        areas = {a for a in pooling_areas if a}
        rows = Policy.objects.filter(Q(pooling_area__in=areas) | Q(pooling_area__isnull=True)).order_by(
            "-effective_from")
        self._by_key: dict[tuple, list[Policy]] = {}
        for p in rows:
            self._by_key.setdefault((p.pooling_area_id, p.insurance_type, p.visit_type), []).append(p)

    def find(self, pooling_area: str | None, insurance_type: str, visit_type: str, on: dt.date) -> Policy | None:
        """The pooling area's policy in force on ``on``; the national reference where the area has none."""
        for key in ((pooling_area, insurance_type, visit_type), (None, insurance_type, visit_type)):
            for p in self._by_key.get(key, ()):  # newest first
                if p.effective_from <= on:
                    return p
        return None


def year_use_for(keys) -> dict[tuple, YearUse]:
    """{(id_number, year, visit_type): YearUse} over non-reversed settlements, in one aggregate query."""
    keys = set(keys)
    if not keys:
        return {}
    ids = {k[0] for k in keys}
    years = {k[1] for k in keys}
    start, end = dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)
    rows = (
        Settlement.objects.filter(id_number__in=ids, service_start__range=(start, end), reversed_at__isnull=True)
        .values("id_number", "service_start__year", "visit_type")
        .annotate(deductible=Sum("deductible_applied"), fund=Sum("fund_paid"))
    )
    out = {}
    for r in rows:
        key = (r["id_number"], r["service_start__year"], r["visit_type"])
        if key in keys:
            out[key] = YearUse(deductible_used=r["deductible"] or ZERO, fund_paid=r["fund"] or ZERO)
    return out
