"""Query filters of the settlement, clearing and prepayment lists; region filters match the whole subtree.

Every value is checked before it reaches the database: a malformed one (NUL, a lone surrogate, a date outside
1900–2100, a month that is not ``YYYY-MM``, a region that is not six digits) answers 400 with a message under
the parameter's name, never a 500 and never a silently empty list."""
import datetime as dt
import re

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from apps.core.errors import ValidationFailed
from apps.core.inputs import DATE_MAX, DATE_MIN, date_error, parse_date, text_error
from apps.regions.models import region_subtree_q

from ..models import Clearing, ClearingStatus, Settlement, VisitType
from ..selectors import flagged_q

REGION_CODE = re.compile(r"\d{6}", re.ASCII)
FACILITY_CODE = re.compile(r"[A-Za-z0-9]{1,12}", re.ASCII)
PERIOD = re.compile(r"\d{4}-\d{2}", re.ASCII)
YEAR = re.compile(r"\d{4}", re.ASCII)


class BoundedDateField(forms.Field):
    """A ``YYYY-MM-DD`` date inside the kernel's window (``apps.core.inputs.parse_date``)."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        day = parse_date(value) if isinstance(value, str) and text_error(value) is None else None
        if day is None:
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip(), re.ASCII):
                try:
                    problem = date_error(dt.date.fromisoformat(value.strip()))
                except ValueError:
                    problem = None
                if problem:
                    raise forms.ValidationError(problem)
            raise forms.ValidationError(_("日期格式应为 YYYY-MM-DD。"))
        return day


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class CodeField(forms.CharField):
    """A code of a fixed shape (region, facility): anything else is a 400 with ``message``."""

    def __init__(self, *args, pattern=None, message=None, **kwargs):
        self.pattern, self.message = pattern, message
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value and not self.pattern.fullmatch(value):
            raise forms.ValidationError(str(self.message))
        return value


class CodeFilter(django_filters.CharFilter):
    field_class = CodeField


def region_filter(help_text):
    return CodeFilter(method="filter_subtree", help_text=help_text, pattern=REGION_CODE,
                      message=gettext_lazy("应为6位行政区划代码。"))


class SettlementFilter(django_filters.FilterSet):
    insured_region = region_filter("参保地区划代码（含下级）")
    treatment_region = region_filter("就医地区划代码（含下级）")
    facility = CodeFilter(field_name="facility_id", help_text="机构编码", pattern=FACILITY_CODE,
                          message=gettext_lazy("机构编码应为12位字母和数字。"))
    visit_type = django_filters.ChoiceFilter(choices=VisitType.choices)
    settled_from = BoundedDateFilter(method="filter_settled_from",
                                     help_text=f"结算日期起（含），YYYY-MM-DD，{DATE_MIN:%Y}–{DATE_MAX:%Y}年")
    settled_to = BoundedDateFilter(method="filter_settled_to",
                                   help_text=f"结算日期止（含），YYYY-MM-DD，{DATE_MIN:%Y}–{DATE_MAX:%Y}年")
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


class PeriodField(forms.CharField):
    """A clearing month ``YYYY-MM`` inside the kernel's date window, as the first day of the month."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            if not PERIOD.fullmatch(value):
                raise ValueError
            day = dt.date(int(value[:4]), int(value[5:]), 1)
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM，例如 2026-03。")) from None
        problem = date_error(day)
        if problem:
            raise forms.ValidationError(problem)
        return day


class PeriodFilter(django_filters.CharFilter):
    field_class = PeriodField


class ClearingFilter(django_filters.FilterSet):
    period = PeriodFilter(field_name="period", help_text="清算月份 YYYY-MM")
    insured_province = CodeFilter(field_name="insured_province_id", help_text="参保省区划代码（6位）",
                                  pattern=REGION_CODE, message=gettext_lazy("应为6位行政区划代码。"))
    treatment_province = CodeFilter(field_name="treatment_province_id", help_text="就医省区划代码（6位）",
                                    pattern=REGION_CODE, message=gettext_lazy("应为6位行政区划代码。"))
    status = django_filters.ChoiceFilter(choices=ClearingStatus.choices)

    class Meta:
        model = Clearing
        fields = []


def parse_year(value) -> int | None:
    """The prepayment list's ``?year=``: absent → None; four ASCII digits in 1900–2100 → the year; else 400."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and YEAR.fullmatch(value) and DATE_MIN.year <= int(value) <= DATE_MAX.year:
        return int(value)
    raise ValidationFailed(_("年度应为1900至2100之间的四位数字。"), field="year")
