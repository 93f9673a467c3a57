"""Factories for settlements (owned by the settlement area; others import them)."""
import datetime as dt
import hashlib
import itertools
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.regions.models import Region
from apps.settlement.models import Policy, Settlement, SettlementItem
from tests.facilities.factories import FacilityFactory
from tests.factories import id_number_for

_payload_seq = itertools.count(1)


class SettlementFactory(DjangoModelFactory):
    """An outpatient visit of a 上海 insured person at a 姑苏区 hospital, fund 60 of 100."""

    class Meta:
        model = Settlement

    class Params:
        insured = "310115"

    number = factory.Sequence(lambda n: f"JS{n:012d}")
    id_number = factory.LazyAttribute(lambda o: id_number_for(o.insured))
    name = factory.Sequence(lambda n: f"就医人{n}")
    insured_region = factory.LazyAttribute(lambda o: Region.objects.get(code=o.insured))
    insured_province = factory.LazyAttribute(lambda o: o.insured[:2] + "0000")
    facility = factory.SubFactory(FacilityFactory)
    treatment_region = factory.LazyAttribute(lambda o: o.facility.region)
    treatment_province = factory.LazyAttribute(lambda o: o.facility.region_id[:2] + "0000")
    visit_type = "outpatient"
    disease_code = ""
    service_start = dt.date(2026, 3, 10)
    service_end = factory.LazyAttribute(lambda o: o.service_start)
    total_amount = Decimal("100.00")
    eligible_amount = Decimal("90.00")
    fund_paid = Decimal("60.00")
    account_paid = Decimal("10.00")
    cash_paid = Decimal("30.00")
    settled_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(dt.datetime.combine(o.service_end, dt.time(10, 0)))
    )
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.number.encode()).hexdigest())
    clearing_period = factory.LazyAttribute(lambda o: timezone.localtime(o.settled_at).date().replace(day=1))


class SettlementItemFactory(DjangoModelFactory):
    class Meta:
        model = SettlementItem

    settlement = factory.SubFactory(SettlementFactory)
    code = "XA01"
    name = "演示药品"
    category = "drug"
    quantity = Decimal("1")
    unit_price = Decimal("10.00")
    amount = Decimal("10.00")
    days_supply = 30


def settlement_payload(**overrides) -> dict:
    """The JSON body of a reported settlement (API.md): a 上海 insured person's outpatient visit at 姑苏区."""
    body = {
        "number": f"JS-API-{next(_payload_seq):08d}",
        "id_number": id_number_for("310115"),
        "name": "张三",
        "insured_region": "310115",
        "facility": "",
        "visit_type": "outpatient",
        "disease_code": "",
        "service_start": "2026-03-10",
        "service_end": "2026-03-10",
        "total_amount": "100.00",
        "eligible_amount": "90.00",
        "fund_paid": "60.00",
        "account_paid": "10.00",
        "cash_paid": "30.00",
        "settled_at": "2026-03-10T10:00:00+08:00",
        "items": [],
    }
    body.update(overrides)
    return body


class PolicyFactory(DjangoModelFactory):
    """A 上海 (province-pooled) employee inpatient policy in force from 2024."""

    class Meta:
        model = Policy

    pooling_area = factory.LazyFunction(lambda: Region.objects.get(code="310000"))
    insurance_type = "employee"
    visit_type = "inpatient"
    effective_from = dt.date(2024, 1, 1)
    deductible = Decimal("1000.00")
    ratio_level3 = Decimal("85")
    ratio_level2 = Decimal("90")
    ratio_level1 = Decimal("95")
    ratio_unrated = Decimal("95")
    annual_cap = Decimal("50000.00")
    referral_emergency_reduction = Decimal("10")
    temporary_other_reduction = Decimal("20")
    unregistered_rule = "reduce"
    unregistered_value = Decimal("30")
