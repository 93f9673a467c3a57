"""Factories of the shared kernel, used by the tests and by seed_demo alike.

Regions and bureaus are real (loaded by ``load_regions``); factories look them up by code."""
import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import User
from apps.core import idnumbers
from apps.regions.models import Organisation, Region

_seq = itertools.count(1)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def id_number_for(region_code: str = "320508", born: dt.date | None = None, male: bool = True,
                  seq: int | None = None) -> str:
    """A valid resident ID (correct check character) for a person born in ``region_code``.

    Without ``seq`` every call gives a new number: the sequence runs through one parity only and the
    birth date moves on a day every 450 people, so no two calls collide."""
    if seq is None:
        n = next(_seq)
        born = born or dt.date(1960, 5, 17) + dt.timedelta(days=n // 450)
        seq = (n % 450) * 2 + (1 if male else 0)
    return idnumbers.make_id_number(region_code, born or dt.date(1960, 5, 17), seq, male=male)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    class Params:
        org = "000000"

    username = factory.Sequence(lambda n: f"user{n}")
    organisation = factory.LazyAttribute(lambda o: Organisation.objects.get(code=o.org))
    password = factory.django.Password("pass-Word-123")
