"""Supervision admin: rules and the restricted-item catalogue as editable data; flags by rule, severity, status
and region with a bulk "request review", the evidence on the flag page, and the conclusion form."""
from django import forms
from django.contrib import admin, messages
from django.core.validators import ProhibitNullCharactersValidator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join

from apps.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from apps.core.errors import DomainError
from apps.regions.models import Level, Region, region_subtree_q
from apps.regions.scope import covers_region, org_of

from . import services
from .models import Flag, FlagStatus, RestrictedItem, Rule, ScanRun
from .rules import RULES, Dialect
from .selectors import UNRESTRICTED, visible_evidence, visible_evidence_many


def evidence_reader(request):
    """Whose view of the evidence a page shows: the signed-in organisation, or everything for a superuser who acts
    for none (as ``ScopedAdminMixin`` scopes the lists)."""
    org = org_of(request.user)
    if org is None and request.user.is_superuser:
        return UNRESTRICTED
    return org


def _may_edit_catalogue(request) -> bool:
    org = org_of(request.user)
    return request.user.is_superuser or bool(org and org.is_national and request.user.is_staff)


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["code", "name", "description", "params", "severity", "enabled"]

    def clean_params(self):
        params = self.cleaned_data["params"]
        if not isinstance(params, dict):
            raise forms.ValidationError("参数应为 JSON 对象，例如 {\"max_visits\": 8}。")
        return params

    def clean(self):
        data = super().clean()
        code = data.get("code") or getattr(self.instance, "code", None)
        if code in RULES and isinstance(data.get("params"), dict):
            try:  # build the statement once: thresholds must be numbers, lists must be lists
                RULES[code](Dialect("postgresql"), data["params"], None)
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise forms.ValidationError(f"参数无法使用：{exc}") from None
        return data

    def clean_code(self):
        code = self.cleaned_data["code"]
        if code not in RULES:
            raise forms.ValidationError(f"没有实现该编码的规则；可用编码：{'、'.join(RULES)}。")
        return code


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("code", "name", "severity", "enabled", "params")
    list_filter = ("severity", "enabled")
    list_editable = ("severity", "enabled")
    search_fields = ("code", "name")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request, obj=None):
        return _may_edit_catalogue(request)

    def has_add_permission(self, request):
        return _may_edit_catalogue(request)

    def has_delete_permission(self, request, obj=None):
        return False  # flags refer to their rule; switch a rule off instead

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()


@admin.register(RestrictedItem)
class RestrictedItemAdmin(RuleAdmin):
    form = forms.ModelForm
    list_display = ("code", "name", "sex", "min_age", "max_age", "active")
    list_filter = ("sex", "active")
    list_editable = ("active",)


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("started_at", "finished_at", "since", "rules", "flags_created")
    show_full_result_count = False


class _RegionFilter(admin.SimpleListFilter):
    """The regions one level below the signed-in organisation's; a choice keeps its whole subtree."""

    field = ""

    def lookups(self, request, model_admin):
        org = org_of(request.user)
        if org is None or org.is_national:
            qs = Region.objects.filter(level=Level.PROVINCE)
        elif org.is_facility:
            return []
        else:
            qs = Region.objects.filter(parent_id=org.region_id)
        return [(r.code, r.name) for r in qs.order_by("code")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(region_subtree_q(self.field, value))


class InsuredRegionFilter(_RegionFilter):
    title = "参保地"
    parameter_name = "insured"
    field = "insured_region_id"


class TreatmentRegionFilter(_RegionFilter):
    title = "就医地"
    parameter_name = "treatment"
    field = "treatment_region_id"


def _settlement_link(number, pk=None):
    try:
        if pk is None:
            return format_html("{}", number)
        url = reverse("admin:settlement_settlement_change", args=[pk])
    except NoReverseMatch:
        return format_html("{}", number)
    return format_html('<a href="{}">{}</a>', url, number)


class ConcludeForm(forms.Form):
    """The conclusion as typed: the amount and the note go to ``services.conclude`` as text, which refuses a
    malformed amount or a control character with the same message the API gives."""

    outcome = forms.ChoiceField(label="结论", choices=[(FlagStatus.CONFIRMED, "确认违规"),
                                                     (FlagStatus.DISMISSED, "排除")])
    amount_recovered = forms.CharField(label="追回金额", required=False, max_length=40,
                                       help_text="确认违规时填写，最多两位小数，例如 1234.50")
    note = forms.CharField(label="结论说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("amount_recovered", "note"):  # the service's message, not Django's, for a NUL character
            self.fields[name].validators = [v for v in self.fields[name].validators
                                            if not isinstance(v, ProhibitNullCharactersValidator)]


@admin.register(Flag)
class FlagAdmin(ScopedAdminMixin, admin.ModelAdmin):
    # Regions and facility by code (the foreign key's own column: no join, no query per row), under Chinese headers.
    list_display = ("id", "settlement_number", "rule", "severity", "status", "score", "insured_region_code",
                    "treatment_region_code", "facility_code", "ticket", "amount_recovered", "created_at")
    list_filter = ("rule", "rule__severity", "status", InsuredRegionFilter, TreatmentRegionFilter)
    list_select_related = ("rule", "settlement", "ticket")
    search_fields = ("=settlement__number",)
    show_full_result_count = False
    ordering = ("-id",)
    actions = ["request_review_action"]
    fieldsets = [
        (None, {"fields": ("settlement_number", "rule", "severity", "status", "score")}),
        ("证据", {"fields": ("evidence",)}),
        ("范围", {"fields": ("insured_region", "treatment_region", "facility")}),
        ("协查与结论", {"fields": ("ticket", "amount_recovered", "note", "created_at", "concluded_at",
                              "timeline")}),
    ]
    readonly_fields = ("settlement_number", "severity", "evidence", "timeline")
    change_form_template = "admin/supervision/flag/change_form.html"

    @admin.display(description="结算", ordering="settlement__number")
    def settlement_number(self, obj):
        return _settlement_link(obj.settlement.number, obj.settlement_id)

    @admin.display(description="参保地", ordering="insured_region_id")
    def insured_region_code(self, obj):
        return obj.insured_region_id

    @admin.display(description="就医地", ordering="treatment_region_id")
    def treatment_region_code(self, obj):
        return obj.treatment_region_id

    @admin.display(description="定点医药机构", ordering="facility_id")
    def facility_code(self, obj):
        return obj.facility_id

    @admin.display(description="严重程度", ordering="rule__severity")
    def severity(self, obj):
        return obj.rule.get_severity_display()

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.evidence_reader = evidence_reader(request)  # whose view of the evidence the page shows
        return obj

    @admin.display(description="证据")
    def evidence(self, obj):
        # Only pages that went through get_object know their reader; without one, what anyone may know.
        evidence = visible_evidence(obj, getattr(obj, "evidence_reader", None))
        rows = []
        for key, label, value in evidence.items:
            shown = _settlement_link(value, evidence.links[key]) if key in evidence.links \
                else format_html("{}", value)
            rows.append((label, shown))
        table = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        return format_html('<p>{}</p><table>{}</table>', obj.rule.description, table)

    @admin.display(description="处理记录")
    def timeline(self, obj):
        events = obj.events.select_related("organisation")
        return format_html_join(
            "", "<div>{} · {} · {} → {} {}</div>",
            ((e.at.strftime("%Y-%m-%d %H:%M"), e.organisation or "系统", e.get_from_status_display() or "—",
              e.get_to_status_display(), e.note) for e in events)) or "—"

    @admin.action(description="对所选可疑结算发起费用协查")
    def request_review_action(self, request, queryset):
        org = org_of(request.user)
        done, failed = 0, []
        for flag_id in queryset.values_list("id", flat=True)[:200]:
            try:
                services.request_review(flag_id=flag_id, actor=request.user, organisation=org)
                done += 1
            except DomainError as exc:
                failed.append(f"#{flag_id}：{exc.message}")
        if done:
            self.message_user(request, f"已发起费用协查 {done} 条。", messages.SUCCESS)
        for line in failed[:10]:
            self.message_user(request, line, messages.WARNING)

    # --- the flag page: request review and conclude -------------------------------------------------------

    def get_urls(self):
        return [
            path("<int:flag_id>/request-review/", self.admin_site.admin_view(self.request_review_view),
                 name="supervision_flag_request_review"),
            path("<int:flag_id>/conclude/", self.admin_site.admin_view(self.conclude_view),
                 name="supervision_flag_conclude"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        flag = self.get_queryset(request).filter(pk=object_id).first()
        org = org_of(request.user)
        insured_side = bool(flag and covers_region(org, flag.insured_region_id))
        extra = {
            "may_request_review": insured_side and flag.status == FlagStatus.NEW,
            "may_conclude": insured_side and flag.status in (FlagStatus.NEW, FlagStatus.REVIEWING),
            "conclude_form": ConcludeForm(),
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _back(self, flag_id):
        return redirect("admin:supervision_flag_change", flag_id)

    def request_review_view(self, request, flag_id):
        get_object_or_404(self.get_queryset(request), pk=flag_id)
        if request.method == "POST":
            try:
                flag = services.request_review(flag_id=flag_id, actor=request.user, organisation=org_of(request.user),
                                               note=request.POST.get("note", ""))
                self.message_user(request, f"已发起费用协查，工单 {flag.ticket.number}。", messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        return self._back(flag_id)

    def conclude_view(self, request, flag_id):
        flag = get_object_or_404(self.get_queryset(request), pk=flag_id)
        form = ConcludeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                done = services.conclude(flag_id=flag_id, actor=request.user, organisation=org_of(request.user),
                                         **form.cleaned_data)
                ticket = done.ticket
                self.message_user(request, "已作出结论。" + (
                    f"协查工单 {ticket.number} 现为“{ticket.get_status_display()}”。" if ticket else ""),
                    messages.SUCCESS)
                return self._back(flag_id)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        context = {**self.admin_site.each_context(request), "title": f"作出结论：{flag}", "flag": flag,
                   "form": form, "opts": self.model._meta}
        return TemplateResponse(request, "admin/supervision/flag/conclude.html", context)


def settlement_flags_html(settlement, org=None):
    """Why a settlement was flagged, for the settlement page: rule, status, the evidence and a link to each flag.

    Flags and evidence as ``org`` (the viewer's organisation) may see them: evidence about another settlement
    ``org`` may not open names only its kind and dates; without ``org``, every flag but no related settlement.
    The settlement admin shows it as a read-only field:
    ``@admin.display(description="监管标记") def supervision_flags(self, obj): return settlement_flags_html(obj, org)``."""
    from .selectors import flags_for_settlement

    flags = list(flags_for_settlement(settlement, org))
    if not flags:
        return "未被监管规则标记"
    seen = visible_evidence_many(flags, org)
    rows = []
    for flag in flags:
        evidence = seen[flag.pk].text()
        rows.append((reverse("admin:supervision_flag_change", args=[flag.pk]), flag.rule.name,
                     flag.rule.get_severity_display(), flag.get_status_display(), evidence))
    return format_html(
        "<table><tr><th>规则</th><th>严重程度</th><th>状态</th><th>证据</th></tr>{}</table>",
        format_html_join("", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>', rows))
