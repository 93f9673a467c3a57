"""Admin for facilities: the registry (scoped), services edited through the services, disease confirmation
actions, CSV/XLSX import and export, and the coverage page with its SVG bar chart."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import smart_split, unescape_string_literal
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from apps.core.admin import ScopedAdminMixin
from apps.core.errors import DomainError
from apps.core.inputs import text_error
from apps.regions.models import Level, Region
from apps.regions.scope import covers_region, org_of

from . import selectors, services
from .models import ChronicDisease, DiseaseServiceEvent, DiseaseServiceStatus, Facility, FacilityDisease
from .resources import FacilityResource


def _org(request):
    return org_of(request.user)


def _actor(request):
    return request.user if request.user.is_authenticated else None


def _is_bureau_staff(request) -> bool:
    org = _org(request)
    if org is None:
        return request.user.is_superuser
    return not org.is_facility


def _search(queryset, search_term: str, prefix: str = ""):
    """Admin search: every word (or "quoted phrase") is a full facility code or part of the name — the
    primary key and the name's trigram index on PostgreSQL (Django's ``=code`` would be ``UPPER(code)``,
    which no index serves)."""
    for bit in smart_split(search_term):
        if bit[0] in "\"'" and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit.strip():
            queryset = queryset.filter(selectors.code_or_name_q(bit, prefix))
    return queryset, False


def _run(request, fn, **kwargs) -> bool:
    """Call a service; show its domain error as an admin message instead of a server error."""
    try:
        fn(**kwargs)
        return True
    except DomainError as exc:
        messages.error(request, exc.message)
        return False


class ReadableInputMixin:
    """A NUL or control character in the list's filters or search, or in the object id of a page, would reach the
    database driver and fail (500): the list is shown again without them, with a message; the page is "not
    found" (the admin's own redirect to the list)."""

    def changelist_view(self, request, extra_context=None):
        if any(text_error(value) for _key, values in request.GET.lists() for value in values):
            self.message_user(request, "筛选或搜索条件含有无法识别的字符，已清除。", messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().changelist_view(request, extra_context)

    def get_object(self, request, object_id, from_field=None):
        if text_error(str(object_id)) or len(str(object_id)) > 64:
            return None
        return super().get_object(request, object_id, from_field)


# --- filters -----------------------------------------------------------------------------------------

class ServiceFilter(admin.SimpleListFilter):
    title = "跨省直接结算服务"
    parameter_name = "service"

    def lookups(self, request, model_admin):
        return [("inpatient", "住院"), ("outpatient", "普通门诊"), ("chronic", "门诊慢特病（已确认）")]

    def queryset(self, request, queryset):
        return selectors.with_service(queryset, self.value()) if self.value() else queryset


class DiseaseFilter(admin.SimpleListFilter):
    title = "已确认门诊慢特病（含病种大类）"
    parameter_name = "disease"

    def lookups(self, request, model_admin):
        return [(d.code, str(d)) for d in ChronicDisease.objects.filter(active=True)]

    def queryset(self, request, queryset):
        return queryset.filter(selectors.confirmed_disease_q(self.value())) if self.value() else queryset


class RegionFilter(admin.SimpleListFilter):
    """The regions one level below the organisation's own (national → provinces, province → cities …)."""

    title = "所在地区"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        org = _org(request)
        if org is None or org.is_national:
            qs = Region.objects.filter(level=Level.PROVINCE)
        elif org.is_facility:
            return []
        else:
            qs = Region.objects.filter(parent_id=org.region_id)
        return [(r.code, r.name) for r in qs.order_by("code")]

    def queryset(self, request, queryset):
        return selectors.facilities_within(self.value(), queryset) if self.value() else queryset


# --- facility ----------------------------------------------------------------------------------------

class FacilityForm(forms.ModelForm):
    class Meta:
        model = Facility
        fields = ["code", "name", "kind", "level", "address", "status", "inpatient", "outpatient"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        data = super().clean()
        if self.instance._state.adding and self.request is not None and not self.errors:
            try:
                data["code"] = services.check_registration(by=_org(self.request), code=data.get("code", ""),
                                                           kind=data.get("kind", ""), name=data.get("name", ""))
            except DomainError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data

    def validate_unique(self):
        pass  # the service checks duplicates (Facility and Organisation codes) with a Chinese message


class DiseaseRequestForm(forms.ModelForm):
    class Meta:
        model = FacilityDisease
        fields = ["disease"]

    def validate_unique(self):
        pass  # request_disease decides: a revoked service may be requested again, a live one is a conflict


class DiseaseRequestFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        pass


class FacilityDiseaseInline(admin.TabularInline):
    """Chronic-disease services: a new row is a request (pending); confirm/revoke are actions."""

    model = FacilityDisease
    form = DiseaseRequestForm
    formset = DiseaseRequestFormSet
    fields = ("disease", "status", "confirmed_by", "confirmed_at")
    readonly_fields = ("status", "confirmed_by", "confirmed_at")
    extra = 0
    can_delete = False
    verbose_name = "门诊慢特病开通"
    verbose_name_plural = "门诊慢特病开通（新增行为待确认，确认/撤销请用列表页的操作）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("disease", "confirmed_by")

    def has_add_permission(self, request, obj=None):
        return _is_bureau_staff(request) and (obj is None or self._covers(request, obj))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @staticmethod
    def _covers(request, obj):
        org = _org(request)
        return org is None and request.user.is_superuser or covers_region(org, obj.region_id)


@admin.register(Facility)
class FacilityAdmin(ReadableInputMixin, ScopedAdminMixin, ImportExportMixin, admin.ModelAdmin):
    form = FacilityForm
    resource_classes = [FacilityResource]
    formats = [CSV, XLSX]
    skip_admin_log = True  # the import service writes the audit trail
    list_display = ("code", "name", "kind", "level", "region", "status", "inpatient", "outpatient", "chronic")
    list_filter = ("kind", "level", "status", ServiceFilter, DiseaseFilter, RegionFilter)
    search_fields = ("code", "name")  # shows the search box; get_search_results does the search
    search_help_text = "按机构编码（完整）或名称搜索"
    list_select_related = ("region",)
    show_full_result_count = False
    list_per_page = 50
    inlines = [FacilityDiseaseInline]
    actions = ["confirm_pending_diseases"]
    change_list_template = "admin/facilities/facility/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(selectors.confirmed_diseases_prefetch())

    def get_search_results(self, request, queryset, search_term):
        return _search(queryset, search_term)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    def get_readonly_fields(self, request, obj=None):
        fields = ["region", "organisation", "created_at", "updated_at"]
        if obj is not None:
            fields = ["code", "kind"] + fields
        return fields

    def get_fields(self, request, obj=None):
        fields = ["code", "name", "kind", "level", "address", "status", "inpatient", "outpatient"]
        return fields + (["region", "organisation", "created_at", "updated_at"] if obj is not None else [])

    @admin.display(description="已确认门诊慢特病")
    def chronic(self, obj):
        return "、".join(s.disease_id for s in getattr(obj, "confirmed_services", [])) or "—"

    # -- permissions: bureau staff change what lies in their region subtree; facilities only read --
    def has_add_permission(self, request):
        return _is_bureau_staff(request)

    def has_change_permission(self, request, obj=None):
        if not _is_bureau_staff(request):
            return False
        if obj is None or obj.region_id is None:
            return True
        org = _org(request)
        return (org is None and request.user.is_superuser) or covers_region(org, obj.region_id)

    def has_import_permission(self, request):
        return _is_bureau_staff(request)

    def has_export_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def process_result(self, result, request):
        """After confirm: the file is checked again inside the write; if something changed since the preview
        (another import, a new county code), nothing was saved and the rows are shown."""
        if result.has_validation_errors() or result.has_errors():
            for error in result.base_errors:
                messages.error(request, str(error.error))
            for row in result.invalid_rows[:20]:
                for errors in row.error_dict.values():
                    for message in errors:
                        messages.error(request, f"第 {row.number} 行：{message}")
            messages.error(request, "文件未导入：以上各行有误，整个文件未写入。")
            return HttpResponseRedirect(reverse("admin:facilities_facility_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(request, f"导入完成：新增 {totals['new']}，更新 {totals['update']}，未变 {totals['skip']}。")

    # -- writes go through the services --
    def save_model(self, request, obj, form, change):
        org, actor = _org(request), _actor(request)
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.UPDATABLE}
            if changes:
                services.update_facility(by=org, actor=actor, code=obj.code, **changes)
        else:
            created = services.register_facility(
                by=org, actor=actor, code=obj.code, name=obj.name, kind=obj.kind, level=obj.level,
                address=obj.address, status=obj.status, inpatient=obj.inpatient, outpatient=obj.outpatient,
            )
            obj.organisation_id, obj.region_id = created.organisation_id, created.region_id
            obj._state.adding = False
            obj._state.db = "default"

    def save_formset(self, request, form, formset, change):
        if formset.model is not FacilityDisease:
            return super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form.instance.pk or not inline_form.has_changed():
                continue
            disease = inline_form.cleaned_data.get("disease")
            if disease is None:
                continue
            _run(request, services.request_disease, by=_org(request), actor=_actor(request),
                 facility_code=form.instance.code, disease_code=disease.code)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description="确认所选机构的待确认门诊慢特病")
    def confirm_pending_diseases(self, request, queryset):
        pending = FacilityDisease.objects.filter(facility__in=queryset.values("pk"),
                                                 status=DiseaseServiceStatus.PENDING).order_by("facility_id")
        done = sum(_run(request, services.confirm_disease, by=_org(request), actor=_actor(request),
                        facility_code=s.facility_id, disease_code=s.disease_id) for s in pending)
        messages.success(request, f"已确认 {done} 项门诊慢特病开通。")

    # -- coverage page --
    def get_urls(self):
        urls = super().get_urls()
        return [path("coverage/", self.admin_site.admin_view(self.coverage_view), name="facilities_coverage")] + urls

    def coverage_view(self, request):
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        org = _org(request)
        try:
            if org is None and request.user.is_superuser:
                requested = request.GET.get("province")
                province = selectors.province_code(requested) if requested else None
            else:
                province = selectors.coverage_province_for(org, request.GET.get("province"))
        except DomainError:
            raise Http404("未找到该省的覆盖情况。")
        from .charts import bar_chart

        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "跨省普通门诊直接结算县域覆盖",
            "targets": selectors.COVERAGE_TARGETS,
            "can_pick": org is None or org.is_national,
            "provinces": Region.objects.filter(level=Level.PROVINCE).order_by("code"),
            "selected": province,
        }
        if province is None:
            rows = selectors.provinces_coverage()
            context.update(rows=rows, chart=bar_chart(rows), overview=True,
                           met60=sum(r.meets_60 for r in rows), met100=sum(r.meets_100 for r in rows))
        else:
            cov = selectors.province_coverage(province)
            context.update(coverage=cov, rows=cov.cities, chart=bar_chart(cov.cities), overview=False)
        return TemplateResponse(request, "admin/facilities/coverage.html", context)


@admin.register(FacilityDisease)
class FacilityDiseaseAdmin(ReadableInputMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("facility", "disease", "status", "confirmed_by", "confirmed_at")
    list_filter = ("status", "disease")
    search_fields = ("facility__code", "facility__name")  # get_search_results does the search
    search_help_text = "按机构编码（完整）或名称搜索"
    list_select_related = ("facility", "disease", "confirmed_by")
    show_full_result_count = False
    actions = ["confirm_selected", "revoke_selected"]

    def get_search_results(self, request, queryset, search_term):
        return _search(queryset, search_term, prefix="facility__")

    @admin.action(description="确认所选门诊慢特病开通")
    def confirm_selected(self, request, queryset):
        done = sum(_run(request, services.confirm_disease, by=_org(request), actor=_actor(request),
                        facility_code=s.facility_id, disease_code=s.disease_id) for s in queryset)
        if done:
            messages.success(request, f"已确认 {done} 项。")

    @admin.action(description="撤销所选门诊慢特病开通")
    def revoke_selected(self, request, queryset):
        done = sum(_run(request, services.revoke_disease, by=_org(request), actor=_actor(request),
                        facility_code=s.facility_id, disease_code=s.disease_id, reason="后台撤销") for s in queryset)
        if done:
            messages.success(request, f"已撤销 {done} 项。")


@admin.register(DiseaseServiceEvent)
class DiseaseServiceEventAdmin(ReadableInputMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("at", "service", "from_status", "to_status", "organisation", "actor", "note")
    list_select_related = ("service", "organisation", "actor")
    show_full_result_count = False

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        org = _org(request)
        if request.user.is_superuser and org is None:
            return qs
        from apps.regions.scope import scoped

        return qs.filter(service__in=scoped(FacilityDisease.objects.all(), org).values("pk"))


@admin.register(ChronicDisease)
class ChronicDiseaseAdmin(ReadableInputMixin, admin.ModelAdmin):
    """The catalogue is data: national staff add diseases as the national standard grows."""

    list_display = ("code", "name", "is_national_five", "active")
    list_filter = ("is_national_five", "active")
    search_fields = ("code", "name")

    def _national(self, request):
        org = _org(request)
        return request.user.is_superuser or (org is not None and org.is_national)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return self._national(request)

    def has_change_permission(self, request, obj=None):
        return self._national(request)

    def has_delete_permission(self, request, obj=None):
        return False


def coverage_url() -> str:
    return reverse("admin:facilities_coverage")
