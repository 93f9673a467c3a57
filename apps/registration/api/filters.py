"""Query filters of GET /api/v1/registrations/ (API.md): each matches an index."""
import django_filters

from apps.core import idnumbers
from apps.regions.models import Region
from apps.registration.models import Category, Registration, Status
from apps.registration.selectors import in_subtree, valid_on_q


class RegistrationFilter(django_filters.FilterSet):
    id_number = django_filters.CharFilter(method="filter_id_number", label="身份证号码")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    insured_region = django_filters.CharFilter(method="filter_region", label="参保地（含下级）")
    destination_region = django_filters.CharFilter(method="filter_region", label="就医地（含下级）")
    valid_on = django_filters.DateFilter(method="filter_valid_on", label="在该日有效")

    class Meta:
        model = Registration
        fields = ["id_number", "status", "category", "insured_region", "destination_region", "valid_on"]

    def filter_id_number(self, qs, name, value):
        return qs.filter(person__id_number=idnumbers.normalise(value))

    def filter_region(self, qs, name, value):
        region = Region.objects.filter(code=str(value).strip()).first()
        return qs.none() if region is None else in_subtree(qs, name, region)

    def filter_valid_on(self, qs, name, value):
        return qs.filter(valid_on_q(value))
