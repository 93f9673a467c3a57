"""Query parameters of GET /api/v1/facilities/ (API.md)."""
import re

import django_filters
from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed
from apps.regions.models import Region

from ..models import Facility, FacilityKind, FacilityLevel, FacilityStatus
from .. import selectors

DISEASE_CODE = re.compile(r"^M\d{5}$")
# Longer values are refused with a 400 on the filter (the form's own message), before any query.
CODE_MAX = 20  # region codes are 6 digits, disease codes 6 characters; room for spaces around them
Q_MAX = 100  # a code or a part of a name to search for
PARAM_MAX = 100  # no filter value is longer; a longer one is refused before a form echoes it back whole


class FacilityFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method="filter_region", max_length=CODE_MAX, help_text="区划代码：该区划及其下级")
    kind = django_filters.ChoiceFilter(choices=FacilityKind.choices)
    level = django_filters.ChoiceFilter(choices=FacilityLevel.choices)
    status = django_filters.ChoiceFilter(choices=FacilityStatus.choices)
    service = django_filters.ChoiceFilter(
        method="filter_service", choices=[("inpatient", "住院"), ("outpatient", "普通门诊"), ("chronic", "门诊慢特病")],
    )
    disease = django_filters.CharFilter(method="filter_disease", max_length=CODE_MAX,
                                        help_text="门诊慢特病编码（病种大类的开通也算）")
    q = django_filters.CharFilter(method="filter_q", max_length=Q_MAX, help_text="机构编码或名称")

    class Meta:
        model = Facility
        fields = ["region", "kind", "level", "status", "service", "disease", "q"]

    def is_valid(self):
        for name in self.filters:
            value = self.data.get(name)
            if isinstance(value, str) and len(value) > PARAM_MAX:
                raise ValidationFailed(_("%(name)s 过长：最多 %(max)s 个字符。") % {"name": name, "max": PARAM_MAX},
                                       field=name)
        return super().is_valid()

    def filter_region(self, queryset, name, value):
        code = value.strip()
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationFailed(_("区划代码「%(code)s」不存在，请填写6位行政区划代码。") % {"code": code}, field="region")
        return selectors.facilities_under(region, queryset)

    def filter_service(self, queryset, name, value):
        return selectors.with_service(queryset, value)

    def filter_disease(self, queryset, name, value):
        code = value.strip().upper()
        if not DISEASE_CODE.match(code):
            raise ValidationFailed(_("病种编码「%(code)s」格式错误：应为 M 加 5 位数字（如 M07800）。") % {"code": code},
                                   field="disease")
        return queryset.filter(selectors.confirmed_disease_q(code))

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(selectors.code_or_name_q(value)) if value else queryset
