"""Factories for facilities and their services (owned by the facilities area; others import them)."""
import factory
from factory.django import DjangoModelFactory

from apps.facilities.models import ChronicDisease, Facility, FacilityDisease
from apps.regions.models import Organisation, Region, Tier


class FacilityFactory(DjangoModelFactory):
    """A hospital in 姑苏区 unless told otherwise; its fifth-tier organisation is made with it."""

    class Meta:
        model = Facility
        django_get_or_create = ("code",)

    class Params:
        county = "320508"

    code = factory.LazyAttributeSequence(lambda o, n: f"{'P' if o.kind == 'pharmacy' else 'H'}{o.county}{n % 100000:05d}")
    name = factory.Sequence(lambda n: f"演示定点医院{n}")
    kind = "hospital"
    level = "3"
    region = factory.LazyAttribute(lambda o: Region.objects.get(code=o.county))
    address = "演示路1号"
    status = "active"
    inpatient = True
    outpatient = True
    organisation = factory.LazyAttribute(
        lambda o: Organisation.objects.get_or_create(
            code=o.code,
            defaults=dict(name=o.name, tier=Tier.FACILITY, region_id=o.county,
                          parent=Organisation.objects.get(code=o.county)),
        )[0]
    )


class ChronicDiseaseFactory(DjangoModelFactory):
    class Meta:
        model = ChronicDisease
        django_get_or_create = ("code",)

    code = "M03900"
    name = "高血压"


class FacilityDiseaseFactory(DjangoModelFactory):
    class Meta:
        model = FacilityDisease

    facility = factory.SubFactory(FacilityFactory)
    disease = factory.SubFactory(ChronicDiseaseFactory)
    status = "confirmed"
