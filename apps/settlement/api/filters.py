"""Query filters of the settlement, clearing and prepayment lists; region filters match the whole subtree."""
import datetime as dt

import django_filters
from django.utils import timezone

from ..models import Clearing, ClearingStatus, Settlement, VisitType
from apps.regions.models import region_subtree_q

from ..selectors import flagged_q


class SettlementFilter(django_filters.FilterSet):
    insured_region = django_filters.CharFilter(method="filter_subtree", help_text="参保地区划代码（含下级）")
    treatment_region = django_filters.CharFilter(method="filter_subtree", help_text="就医地区划代码（含下级）")
    facility = django_filters.CharFilter(field_name="facility_id", help_text="机构编码")
    visit_type = django_filters.ChoiceFilter(choices=VisitType.choices)
    settled_from = django_filters.DateFilter(method="filter_settled_from", help_text="结算日期起（含）")
    settled_to = django_filters.DateFilter(method="filter_settled_to", help_text="结算日期止（含）")
    flagged = django_filters.BooleanFilter(method="filter_flagged", help_text="是否有监管标记")

    class Meta:
        model = Settlement
        fields = []

    def filter_subtree(self, qs, name, value):
        return qs.filter(region_subtree_q(f"{name}_id", value))

    def filter_settled_from(self, qs, name, value):
        return qs.filter(settled_at__gte=timezone.make_aware(dt.datetime.combine(value, dt.time.min)))

    def filter_settled_to(self, qs, name, value):
        return qs.filter(settled_at__lt=timezone.make_aware(
            dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min)))

    def filter_flagged(self, qs, name, value):
        return qs.filter(flagged_q()) if value else qs.exclude(flagged_q())


class ClearingFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(method="filter_period", help_text="YYYY-MM")
    insured_province = django_filters.CharFilter(field_name="insured_province_id")
    treatment_province = django_filters.CharFilter(field_name="treatment_province_id")
    status = django_filters.ChoiceFilter(choices=ClearingStatus.choices)

    class Meta:
        model = Clearing
        fields = []

    def filter_period(self, qs, name, value):
        try:
            day = dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            return qs.none()
        return qs.filter(period=day)
