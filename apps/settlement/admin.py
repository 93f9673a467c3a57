"""Admin pages of settlements, policies, clearing and prepayment; every one scoped, every write through services."""
import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.core import idnumbers
from apps.core.admin import CappedCountPaginator, ScopedAdminMixin
from apps.core.errors import DomainError
from apps.core.inputs import date_error, text_error
from apps.regions.models import Level, Region, subtree_q
from apps.regions.scope import org_of

from . import services
from .models import Clearing, Policy, Prepayment, Settlement, SettlementItem, month_start, next_month
from .selectors import share_of, usage_level, with_usage


def _month(value) -> dt.date | None:
    """``YYYY-MM`` (ASCII digits, inside the kernel's date window) as the month's first day, else None."""
    if not (isinstance(value, str) and len(value) == 7 and value.isascii()):
        return None
    try:
        start = dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None
    return None if date_error(start) else start


def _province_choices():
    return list(Region.objects.filter(level=Level.PROVINCE).values_list("code", "name"))


class SettledMonthFilter(admin.SimpleListFilter):
    title = "结算月份"
    parameter_name = "month"

    def lookups(self, request, model_admin):
        month = month_start(timezone.localdate())
        out = []
        for _ in range(12):
            out.append((f"{month:%Y-%m}", f"{month:%Y年%m月}"))
            month = month_start(month - dt.timedelta(days=1))
        return out

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        start = _month(self.value())
        if start is None:
            return queryset.none()
        tz = timezone.get_current_timezone()
        return queryset.filter(settled_at__gte=dt.datetime.combine(start, dt.time.min, tz),
                               settled_at__lt=dt.datetime.combine(next_month(start), dt.time.min, tz))


class ReversedFilter(admin.SimpleListFilter):
    title = "冲正"
    parameter_name = "reversed"

    def lookups(self, request, model_admin):
        return [("yes", "已冲正"), ("no", "未冲正")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(reversed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(reversed_at__isnull=True)
        return queryset


class _SettlementProvinceFilter(admin.SimpleListFilter):
    """A province as a range on the region code (``code_range``, as the scope does): it walks the region's
    (region, settled_at) index instead of comparing a derived column row by row."""

    region_field = ""

    def lookups(self, request, model_admin):
        return _province_choices()

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        if not (len(code) == 6 and code.isascii() and code.isdigit() and code.endswith("0000")):
            return queryset.none()
        return queryset.filter(subtree_q(self.region_field, code[:2]))


class SettlementInsuredProvinceFilter(_SettlementProvinceFilter):
    title = "参保省"
    parameter_name = "insured_province"
    region_field = "insured_region"


class SettlementTreatmentProvinceFilter(_SettlementProvinceFilter):
    title = "就医省"
    parameter_name = "treatment_province"
    region_field = "treatment_region"


class SettlementItemInline(admin.TabularInline):
    model = SettlementItem
    fields = ("code", "name", "category", "quantity", "unit_price", "amount", "days_supply")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff  # the parent page is already scoped

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Settlement)
class SettlementAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("number", "masked_id_number", "name", "facility", "visit_type", "total_amount", "fund_paid",
                    "expected_fund_paid", "settled_at", "is_reversed_display")
    list_select_related = ("facility",)
    list_filter = ("visit_type", SettledMonthFilter, SettlementInsuredProvinceFilter,
                   SettlementTreatmentProvinceFilter, ReversedFilter)
    show_facets = admin.ShowFacets.NEVER  # facet counts would COUNT the whole table per filter choice
    search_fields = ("number",)
    search_help_text = "输入完整的结算编号或身份证号码（精确匹配）"
    ordering = ("-settled_at",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 100
    inlines = [SettlementItemInline]
    actions = ["reverse_selected"]
    fieldsets = (
        ("结算", {"fields": ("number", "masked_id_number", "name", "insured_region", "facility",
                             "treatment_region", "visit_type", "disease_code", "service_start", "service_end",
                             "settled_at", "created_at", "reported_by")}),
        ("费用", {"fields": ("total_amount", "eligible_amount", "fund_paid", "account_paid", "cash_paid")}),
        ("备案与政策", {"fields": ("registration_link", "policy", "deductible_applied", "fund_comparison")}),
        ("监管标记", {"fields": ("supervision_flags",)}),
        ("清算与冲正", {"fields": ("clearing_period", "reversed_at", "reversal_reason", "reversal_period")}),
    )
    readonly_fields = ("number", "masked_id_number", "name", "insured_region", "facility", "treatment_region",
                       "visit_type", "disease_code", "service_start", "service_end", "settled_at", "created_at",
                       "reported_by", "total_amount", "eligible_amount", "fund_paid", "account_paid", "cash_paid",
                       "registration_link", "policy", "deductible_applied", "fund_comparison", "supervision_flags",
                       "clearing_period", "reversed_at", "reversal_reason", "reversal_period")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_change"):
            qs = qs.select_related("registration", "insured_region", "treatment_region", "policy",
                                   "policy__pooling_area", "reported_by")
        return qs

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.viewer_org = org_of(request.user)  # whose flags the page may show (see supervision_flags)
        return obj

    def get_search_results(self, request, queryset, search_term):
        """Exact number or exact ID number: each hits an index (no LIKE over hundreds of millions of rows)."""
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        if text_error(term) or len(term) > 64:  # no stored number or ID number looks like this
            return queryset.none(), False
        if len(term) == 18 and idnumbers.is_valid(term):
            return queryset.filter(id_number=term), False
        return queryset.filter(number=search_term.strip()), False

    @admin.action(description="冲正（退费）所选结算")
    def reverse_selected(self, request, queryset):
        """Asks for the reason first; each settlement then goes through ``reverse_settlement``."""
        if "reason" not in request.POST:
            context = {**self.admin_site.each_context(request), "title": "冲正所选结算", "opts": self.model._meta,
                       "settlements": queryset[:100], "action": "reverse_selected",
                       "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
            return TemplateResponse(request, "admin/settlement/settlement/reverse.html", context)
        done = 0
        for number, facility in queryset.values_list("number", "facility_id")[:100]:
            try:  # numbers are unique per facility: the pair names the settlement
                services.reverse_settlement(actor=request.user, organisation=org_of(request.user), number=number,
                                            facility=facility, reason=request.POST.get("reason", ""))
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{number}：{exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"已冲正{done}笔结算。", messages.SUCCESS)
        return None

    @admin.display(description="身份证号码")
    def masked_id_number(self, obj):
        return idnumbers.mask(obj.id_number)

    @admin.display(description="冲正", boolean=True)
    def is_reversed_display(self, obj):
        return obj.is_reversed

    @admin.display(description="匹配备案")
    def registration_link(self, obj):
        if not obj.registration_id:
            return "未匹配（按未备案或急诊规则处理）"
        url = reverse("admin:registration_registration_change", args=[obj.registration_id])
        return format_html('<a href="{}">{}</a>（{}）', url, obj.registration.reference,
                           obj.registration.get_category_display())

    @admin.display(description="应付与实报统筹基金")
    def fund_comparison(self, obj):
        if obj.expected_fund_paid is None:
            return f"实报 {obj.fund_paid}；无适用政策，未计算应付金额"
        diff = obj.fund_paid - obj.expected_fund_paid
        level = "red" if abs(diff) > Decimal("0.01") else "green"
        return format_html('应付 {} ／ 实报 {} ／ <b style="color:{}">差额 {}</b>', obj.expected_fund_paid,
                           obj.fund_paid, level, diff)

    @admin.display(description="监管标记")
    def supervision_flags(self, obj):
        """Why the settlement was flagged (rule, severity, status, evidence, link to each flag), limited to the
        flags the viewer's organisation may see; the supervision area draws it."""
        from apps.supervision.admin import settlement_flags_html

        if not hasattr(obj, "viewer_org"):  # only pages that went through get_object know their viewer
            return "—"
        return settlement_flags_html(obj, obj.viewer_org)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        exclude = ()

    organisation = None

    def clean(self):
        data = super().clean()
        candidate = Policy(pooling_area=data.get("pooling_area"))
        if not services.may_edit_policy(self.organisation, candidate):
            raise forms.ValidationError("只有统筹区所在地（或上级）医疗保障局可以设置该统筹区的政策。")
        return data


@admin.register(Policy)
class PolicyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = PolicyForm
    list_display = ("__str__", "deductible", "ratio_level3", "ratio_level2", "ratio_level1", "annual_cap",
                    "referral_emergency_reduction", "temporary_other_reduction", "unregistered_rule",
                    "unregistered_value", "effective_from")
    list_filter = ("insurance_type", "visit_type")
    list_select_related = ("pooling_area",)
    raw_id_fields = ("pooling_area",)
    search_fields = ("pooling_area__name", "pooling_area__code")

    def _may_write(self, request, obj=None):
        org = org_of(request.user)
        if org is None or org.is_facility or not request.user.is_staff:
            return False
        return obj is None or services.may_edit_policy(org, obj)

    def has_add_permission(self, request):
        return self._may_write(request)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.organisation = org_of(request.user)
        return form

    def save_model(self, request, obj, form, change):
        services.save_policy(actor=request.user, organisation=org_of(request.user), policy=obj)


def _clearing_action(service, label):
    def run(modeladmin, request, queryset):
        done = 0
        for clearing in queryset:
            try:
                service(actor=request.user, organisation=org_of(request.user), clearing_id=clearing.pk)
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{clearing}：{exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(request, f"已{label}{done}条清算。", messages.SUCCESS)

    run.short_description = f"{label}所选清算"
    run.__name__ = f"{service.__name__}_action"
    return run


class _ProvinceFilter(admin.SimpleListFilter):
    field = ""

    def lookups(self, request, model_admin):
        return _province_choices()

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            return queryset.none()
        return queryset.filter(**{f"{self.field}_id": code})


class InsuredProvinceFilter(_ProvinceFilter):
    title = "参保省"
    parameter_name = field = "insured_province"


class TreatmentProvinceFilter(_ProvinceFilter):
    title = "就医省"
    parameter_name = field = "treatment_province"


class BuildClearingForm(forms.Form):
    period = forms.CharField(label="清算月份", help_text="格式 YYYY-MM，例如 2026-03", max_length=7)

    def clean_period(self):
        period = _month(self.cleaned_data["period"])
        if period is None:
            raise forms.ValidationError("格式应为 YYYY-MM（1900–2100年），例如 2026-03。")
        return period


@admin.register(Clearing)
class ClearingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/settlement/clearing/change_list.html"
    list_display = ("period_display", "insured_province", "treatment_province", "settlement_count",
                    "reversal_count", "total_amount", "fund_paid", "adjustment_count", "adjustment_fund_paid",
                    "status", "declare_due", "overdue_display")
    list_filter = ("status", "period", InsuredProvinceFilter, TreatmentProvinceFilter)
    list_select_related = ("insured_province", "treatment_province")
    actions = [
        _clearing_action(services.declare_clearing, "申报"),
        _clearing_action(services.confirm_clearing, "确认"),
        _clearing_action(services.pay_clearing, "拨付"),
    ]
    readonly_fields = [f.name for f in Clearing._meta.fields]

    @admin.display(description="清算月份", ordering="period")
    def period_display(self, obj):
        return f"{obj.period:%Y-%m}"

    @admin.display(description="逾期", boolean=True)
    def overdue_display(self, obj):
        return obj.overdue

    @staticmethod
    def may_build(request) -> bool:
        org = org_of(request.user)
        return bool(org and (org.tier == "province" or org.is_national) and request.user.is_staff)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "may_build": self.may_build(request)})

    def get_urls(self):
        return [path("build/", self.admin_site.admin_view(self.build_view), name="settlement_clearing_build")] + \
            super().get_urls()

    def build_view(self, request):
        org = org_of(request.user)
        if not self.may_build(request):
            self.message_user(request, "只有省级或国家医疗保障局可以生成清算草稿。", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:settlement_clearing_changelist"))
        form = BuildClearingForm(request.POST or None,
                                 initial={"period": f"{month_start(timezone.localdate() - dt.timedelta(days=28)):%Y-%m}"})
        if request.method == "POST" and form.is_valid():
            pairs = services.build_clearing(period=form.cleaned_data["period"], actor=request.user,
                                            organisation=org)
            self.message_user(request, f"已生成 {form.cleaned_data['period']:%Y-%m} 清算草稿（{pairs}个省份组合）。",
                              messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:settlement_clearing_changelist"))
        context = {**self.admin_site.each_context(request), "title": "生成清算草稿", "form": form,
                   "opts": self.model._meta,
                   "intro": "按结算记录生成（或重新生成）该月各省份组合的清算草稿。已申报的行保持不变；申报后补报或冲正的"
                            "结算计入其后第一个未申报月份的调整。"}
        return TemplateResponse(request, "admin/settlement/form.html", context)


class ComputePrepaymentForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100,
                              help_text="按上一年度各月清算的统筹基金支出核定")


@admin.register(Prepayment)
class PrepaymentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/settlement/prepayment/change_list.html"
    list_display = ("year", "insured_province", "treatment_province", "base_fund_paid", "base_months", "amount",
                    "used_display", "share_display")
    list_filter = ("year",)
    readonly_fields = [f.name for f in Prepayment._meta.fields]

    def get_queryset(self, request):
        return with_usage(super().get_queryset(request).select_related("insured_province", "treatment_province"))

    @staticmethod
    def may_compute(request) -> bool:
        org = org_of(request.user)
        return bool(org and org.is_national and request.user.is_staff)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "may_compute": self.may_compute(request)})

    def get_urls(self):
        return [path("compute/", self.admin_site.admin_view(self.compute_view),
                     name="settlement_prepayment_compute")] + super().get_urls()

    def compute_view(self, request):
        if not self.may_compute(request):
            self.message_user(request, "只有国家医疗保障局可以核定预付金。", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:settlement_prepayment_changelist"))
        form = ComputePrepaymentForm(request.POST or None, initial={"year": timezone.localdate().year})
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            pairs = services.compute_prepayments(year=year, actor=request.user, organisation=org_of(request.user))
            self.message_user(request, f"已核定{year}年度预付金（{pairs}个省份组合）。", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:settlement_prepayment_changelist"))
        context = {**self.admin_site.each_context(request), "title": "核定年度预付金", "form": form,
                   "opts": self.model._meta,
                   "intro": "预付金 = 上年度该省份组合月均统筹基金支出 × 核定月数（YIDI_PREPAYMENT_BASE_MONTHS）。"}
        return TemplateResponse(request, "admin/settlement/form.html", context)

    @admin.display(description="本年已使用")
    def used_display(self, obj):
        return obj.used

    @admin.display(description="使用比例")
    def share_display(self, obj):
        share = share_of(obj)
        if share is None:
            return "—"
        colour = {"red": "#c00", "yellow": "#b8860b"}.get(usage_level(share), "inherit")
        return format_html('<b style="color:{}">{}%</b>', colour, f"{share * 100:.1f}")
