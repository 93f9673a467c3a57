"""Query filters of GET /api/v1/registrations/ (API.md), also the body of POST .../search/: each matches an
index. A malformed value (a region code that is not 6 digits, an ID number that is not one, a day outside
1900–2100) is a 400 naming the filter, never an empty list or a server error."""
import django_filters
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy

from apps.core import idnumbers, inputs
from apps.regions.models import Region
from apps.registration.models import Category, Registration, Status
from apps.registration.selectors import in_subtree, valid_on_q

region_code = RegexValidator(r"^[0-9]{6}\Z", gettext_lazy("地区代码应为6位数字。"))


def id_number_shape(value: str) -> None:
    if (error := idnumbers.id_number_error(value)):
        raise ValidationError(error)


def day_in_window(value) -> None:
    if (error := inputs.date_error(value)):
        raise ValidationError(error)


class RegistrationFilter(django_filters.FilterSet):
    id_number = django_filters.CharFilter(method="filter_id_number", label="身份证号码", validators=[id_number_shape])
    status = django_filters.ChoiceFilter(choices=Status.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    insured_region = django_filters.CharFilter(method="filter_region", label="参保地（含下级）",
                                               validators=[region_code])
    destination_region = django_filters.CharFilter(method="filter_region", label="就医地（含下级）",
                                                   validators=[region_code])
    valid_on = django_filters.DateFilter(method="filter_valid_on", label="在该日有效", validators=[day_in_window])

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
