"""Factories for insured persons and registrations (owned by the registration area; others import them)."""
import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from apps.core import idnumbers
from apps.registration.models import InsuredPerson, Registration
from apps.regions.models import Region
from tests.factories import id_number_for

_people = itertools.count(1)


def unique_id_number(region_code: str = "320508") -> str:
    """A valid ID number never handed out before in this process. (``id_number_for`` alone repeats one:
    sequences 2 and 3 both become 003, because the sequence is bumped to the right parity.)"""
    n = next(_people)
    born = dt.date(1960, 5, 17) + dt.timedelta(days=n // 450)
    return id_number_for(region_code, born=born, seq=(n % 450) * 2 + 1)


class InsuredPersonFactory(DjangoModelFactory):
    """Insured in 上海市浦东新区 (上海 pools province-wide) unless told otherwise."""

    class Meta:
        model = InsuredPerson
        django_get_or_create = ("id_number",)

    class Params:
        insured = "310115"

    id_number = factory.LazyAttribute(lambda o: unique_id_number(o.insured))
    name = factory.Sequence(lambda n: f"参保人{n}")
    phone = "13800138000"
    sex = factory.LazyAttribute(lambda o: idnumbers.sex(o.id_number))
    birth_date = factory.LazyAttribute(lambda o: idnumbers.birth_date(o.id_number))
    insurance_type = "employee"
    insured_region = factory.LazyAttribute(lambda o: Region.objects.get(code=o.insured))
    insured_pooling_area = factory.LazyAttribute(lambda o: o.insured_region.pooling_area)


class RegistrationFactory(DjangoModelFactory):
    """An approved long-term registration of a 上海 insured person to 苏州 (cross-province)."""

    class Meta:
        model = Registration

    class Params:
        destination = "320500"

    reference = factory.Sequence(lambda n: f"BA{n:010d}")
    person = factory.SubFactory(InsuredPersonFactory)
    insured_region = factory.LazyAttribute(lambda o: o.person.insured_region)
    insured_pooling_area = factory.LazyAttribute(lambda o: o.person.insured_pooling_area)
    category = "long_term_resident"
    destination_region = factory.LazyAttribute(lambda o: Region.objects.get(code=o.destination))
    scope = factory.LazyAttribute(
        lambda o: "cross_province" if o.destination[:2] != o.person.insured_region_id[:2] else "in_province"
    )
    start_date = dt.date(2026, 1, 1)
    end_date = None
    commitment_signed = True
    channel = "api"
    status = "approved"


def registration_data(**overrides) -> dict:
    """A complete, valid submission (API field names): a 苏州·姑苏区 insured person, long-term, to 上海,
    commitment-based, starting today."""
    from django.utils import timezone

    data = {
        "id_number": unique_id_number("320508"),
        "name": "张三",
        "phone": "13912345678",
        "insurance_type": "employee",
        "insured_region": "320508",
        "category": "long_term_resident",
        "destination_region": "310000",
        "start_date": timezone.localdate(),
        "end_date": None,
        "commitment_signed": True,
        "retroactive_reason": "",
    }
    data.update(overrides)
    return data
