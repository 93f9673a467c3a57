"""Bureau staff's admin for registrations: scoped lists with masked IDs, review actions through the
services, the transition timeline, and import/export (export masks IDs; import runs the service)."""
import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from apps.core import idnumbers
from apps.core.admin import CappedCountPaginator, ScopedAdminMixin
from apps.core.errors import DomainError
from apps.regions.models import Level, Region, subtree_q
from apps.regions.scope import org_of

from . import access, services
from .forms import PersonDetailsForm, RegistrationForm
from .models import Channel, InsuredPerson, Registration, RegistrationEvent
from .resources import IMPORT_COLUMNS, RegistrationExportResource, RegistrationImportResource
from .selectors import documents_overdue_q, in_subtree

REFERENCE = re.compile(r"^BA[0-9A-Z-]{4,18}$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")



def is_reviewer(request) -> bool:
    """Bureau staff (any tier) or a superuser; whether *this* row is theirs is the service's question."""
    org = org_of(request.user)
    return request.user.is_superuser or (org is not None and not org.is_facility)


class DestinationProvinceFilter(admin.SimpleListFilter):
    title = "就医省份"
    parameter_name = "destination_province"

    def lookups(self, request, model_admin):
        return list(Region.objects.filter(level=Level.PROVINCE).values_list("code", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(subtree_q("destination_region", self.value()[:2]))
        return queryset


class SideFilter(admin.SimpleListFilter):
    title = "本机构角色"
    parameter_name = "side"

    def lookups(self, request, model_admin):
        return [("insured", "参保地（由本机构审核）"), ("destination", "就医地（仅查看）")]

    def queryset(self, request, queryset):
        org = org_of(request.user)
        if not self.value() or org is None or org.is_national:
            return queryset
        field = "insured_region" if self.value() == "insured" else "destination_region"
        return in_subtree(queryset, field, org.region)


class DocumentsOverdueFilter(admin.SimpleListFilter):
    title = "补交材料"
    parameter_name = "documents"

    def lookups(self, request, model_admin):
        return [("overdue", "已逾期未补交"), ("owed", "待补交")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(documents_overdue_q())
        if self.value() == "owed":
            return queryset.filter(documents_due__isnull=False, documents_supplied_at__isnull=True)
        return queryset


class RegistrationEventInline(admin.TabularInline):
    model = RegistrationEvent
    fields = readonly_fields = ("at", "from_status", "to_status", "reason", "actor", "organisation")
    extra = 0
    can_delete = False
    verbose_name_plural = "办理记录"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "organisation")

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ExactSearchMixin:
    """Search by exact reference, exact ID number or exact name: each an index lookup, never a LIKE scan."""

    search_fields = ("reference",)
    search_help_text = "输入备案编号、完整身份证号码或姓名（精确匹配）"
    person_prefix = "person__"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        upper = term.upper()
        if REFERENCE.match(upper) and self.person_prefix:
            return queryset.filter(reference=upper), False
        if ID_NUMBER.match(upper):
            return queryset.filter(**{f"{self.person_prefix}id_number": upper}), False
        return queryset.filter(**{f"{self.person_prefix}name": term}), False


@admin.register(Registration)
class RegistrationAdmin(ExactSearchMixin, ScopedAdminMixin, ImportExportMixin, admin.ModelAdmin):
    audit_reads = True  # the page shows a person's registration: each view is a 查阅 audit entry (apps.core.admin_guard)
    list_display = ("reference", "person_name", "masked_id", "category", "destination_region", "scope",
                    "status", "start_date", "end_date", "documents_due", "created_at")
    list_filter = (
        "status", "category", "scope", SideFilter, DestinationProvinceFilter, DocumentsOverdueFilter,
        ("start_date", admin.DateFieldListFilter), ("created_at", admin.DateFieldListFilter), "channel",
    )
    list_select_related = ("person", "destination_region")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    inlines = [RegistrationEventInline]
    actions = ["approve_selected", "reject_selected", "documents_supplied"]
    fieldsets = (
        ("参保人员", {"fields": ("person_name", "masked_id", "insurance_type", "commitment_ban")}),
        ("备案", {"fields": ("reference", "status", "status_reason", "category", "insured_region",
                            "insured_pooling_area", "destination_region", "scope", "start_date", "end_date",
                            "retroactive_reason", "channel", "created_at", "created_by")}),
        ("证明材料", {"fields": ("commitment_signed", "documents_owed", "documents_due", "documents_supplied_at")}),
    )
    readonly_fields = ("person_name", "masked_id", "insurance_type", "commitment_ban", "created_at")
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    change_form_template = "admin/registration/registration/change_form.html"

    # --- display ---
    @admin.display(description="姓名", ordering="person__name")
    def person_name(self, obj):
        return obj.person.name

    @admin.display(description="身份证号码")
    def masked_id(self, obj):
        return idnumbers.mask(obj.person.id_number)

    @admin.display(description="险种")
    def insurance_type(self, obj):
        return obj.person.get_insurance_type_display()

    @admin.display(description="承诺制限制至")
    def commitment_ban(self, obj):
        return obj.person.commitment_banned_until or "—"

    def get_queryset(self, request):
        # all the joins here: the changelist skips list_select_related once a queryset has select_related
        return super().get_queryset(request).select_related("person", "destination_region")

    # --- permissions ---
    def has_review_permission(self, request):
        return is_reviewer(request)

    def has_import_permission(self, request):
        return is_reviewer(request)

    def has_add_permission(self, request):
        return is_reviewer(request)  # the add page is the counter form below, through the service

    def has_export_permission(self, request):
        return request.user.is_active and request.user.is_staff

    # --- import / export ---
    def get_import_resource_classes(self, request):
        return [RegistrationImportResource]

    def get_export_resource_classes(self, request):
        return [RegistrationExportResource]

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["import_columns"] = IMPORT_COLUMNS
        return context

    # --- actions ---
    def _run(self, request, queryset, verb, call):
        done, failed = [], []
        for reference in queryset.values_list("reference", flat=True).order_by("id"):
            try:
                call(reference)
                done.append(reference)
            except DomainError as exc:
                failed.append(f"{reference}：{exc.message}")
        if done:
            self.message_user(request, f"已{verb} {len(done)} 条备案：{'、'.join(done[:20])}", messages.SUCCESS)
        for line in failed[:50]:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description="批准所选备案", permissions=["review"])
    def approve_selected(self, request, queryset):
        org = org_of(request.user)
        self._run(request, queryset, "批准", lambda ref: services.approve_registration(
            actor=request.user, organisation=org, reference=ref))

    @admin.action(description="登记所选备案已补交材料（容缺后补）", permissions=["review"])
    def documents_supplied(self, request, queryset):
        org = org_of(request.user)
        self._run(request, queryset, "登记补交材料", lambda ref: services.supply_documents(
            actor=request.user, organisation=org, reference=ref))

    @admin.action(description="驳回所选备案（填写原因）", permissions=["review"])
    def reject_selected(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            return self._reason_page(
                request, title="驳回备案", verb="驳回", registrations=queryset[:200],
                error="请填写驳回原因。" if "apply" in request.POST else "",
                action="reject_selected", selected=request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                select_across=request.POST.get("select_across", "0"))
        org = org_of(request.user)
        self._run(request, queryset, "驳回", lambda ref: services.reject_registration(
            actor=request.user, organisation=org, reference=ref, reason=reason))
        return None

    def _reason_page(self, request, **context):
        return TemplateResponse(request, "admin/registration/registration/reason.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, **context,
        })

    # --- single-record buttons on the change page ---
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/approve/", view(self.approve_view), name="registration_registration_approve"),
            path("<path:object_id>/reject/", view(self.reason_view), {"verb": "reject"},
                 name="registration_registration_reject"),
            path("<path:object_id>/cancel/", view(self.reason_view), {"verb": "cancel"},
                 name="registration_registration_cancel"),
        ] + super().get_urls()

    def _object_or_404(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None or not is_reviewer(request):
            raise Http404("未找到该备案。")
        return obj

    def _change_url(self, obj):
        return reverse("admin:registration_registration_change", args=[obj.pk])

    def approve_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._object_or_404(request, object_id)
        try:
            services.approve_registration(actor=request.user, organisation=org_of(request.user),
                                          reference=obj.reference)
            self.message_user(request, f"备案 {obj.reference} 已批准。", messages.SUCCESS)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return redirect(self._change_url(obj))

    def reason_view(self, request, object_id, verb):
        obj = self._object_or_404(request, object_id)
        label = {"reject": "驳回", "cancel": "撤销"}[verb]
        error = ""
        if request.method != "POST":
            try:  # the form only for an action that is allowed now; else why not, on the record's page
                access.check_registration_action(obj, org_of(request.user), request.user, verb)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return redirect(self._change_url(obj))
        else:
            service = services.reject_registration if verb == "reject" else services.cancel_registration
            try:
                service(actor=request.user, organisation=org_of(request.user), reference=obj.reference,
                        reason=request.POST.get("reason", ""))
            except DomainError as exc:
                error = exc.message
            else:
                self.message_user(request, f"备案 {obj.reference} 已{label}。", messages.SUCCESS)
                return redirect(self._change_url(obj))
        in_lock = verb == "cancel" and access.in_lock(obj, timezone.localdate())
        return self._reason_page(request, title=f"{label}备案 {obj.reference}", verb=label, registrations=[obj],
                                 error=error, single=True, back=self._change_url(obj),
                                 lock_until=access.lock_end(obj) if in_lock else None)

    def add_view(self, request, form_url="", extra_context=None):
        """窗口办理: the public form's fields, submitted through the service as a counter registration."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        org = org_of(request.user)
        initial = {}
        if org is not None and org.region.pooling_area_id:
            initial["insured_region"] = f"{org.region.name}（{org.region.code}）"
        form = RegistrationForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                registration = services.submit_registration(
                    actor=request.user, organisation=org, channel=Channel.COUNTER, data=form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                self.message_user(request, f"备案 {registration.reference} 已提交，状态：{registration.get_status_display()}。",
                                  messages.SUCCESS)
                if getattr(registration, "phone_on_file_kept", False):
                    self.message_user(request, "填写的手机号码与参保登记的号码不一致，未作变更，通知仍发往登记的号码；"
                                               "确需变更的，请在参保人员页面办理“变更参保信息”。", messages.WARNING)
                return redirect(self._change_url(registration))
        return TemplateResponse(request, "admin/registration/registration/counter.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "窗口办理异地就医备案",
            "form": form, "insured_regions": form.insured_candidates,
            "destination_regions": form.destination_candidates, "has_view_permission": True,
        })

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        org = org_of(request.user)
        extra_context = {
            **(extra_context or {}),
            "registration_actions": access.allowed_registration_actions(obj, org, request.user) if obj else [],
            "destination_only": obj is not None and not access.is_insured_side(obj, org, request.user),
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(InsuredPerson)
class InsuredPersonAdmin(ExactSearchMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "masked_id", "sex", "birth_date", "insurance_type", "insured_region",
                    "commitment_banned_until")
    list_filter = ("insurance_type", "sex")
    list_select_related = ("insured_region",)
    fields = ("name", "masked_id", "sex", "birth_date", "phone", "insurance_type", "insured_region",
              "insured_pooling_area", "commitment_banned_until")
    readonly_fields = ("masked_id",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    person_prefix = ""
    search_help_text = "输入完整身份证号码或姓名（精确匹配）"

    change_form_template = "admin/registration/insuredperson/change_form.html"

    @admin.display(description="身份证号码")
    def masked_id(self, obj):
        return obj.masked_id

    def _may_change_details(self, request, obj) -> bool:
        """Whether to offer the change: the rule's own answer (the service asks it again on the locked row)."""
        return obj is not None and "change_details" in access.allowed_person_actions(
            obj, org_of(request.user), request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/details/", view(self.details_view), name="registration_insuredperson_details"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "can_change_details": self._may_change_details(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def details_view(self, request, object_id):
        """参保关系变更 / 信息变更: the form, submitted through ``services.change_person_details``."""
        person = self.get_object(request, object_id)
        if not self._may_change_details(request, person):
            raise Http404("未找到该参保人员。")
        back = reverse("admin:registration_insuredperson_change", args=[person.pk])
        initial = {"name": person.name, "phone": person.phone, "insurance_type": person.insurance_type,
                   "insured_region": f"{person.insured_region.name}（{person.insured_region_id}）"}
        form = PersonDetailsForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.change_person_details(
                    actor=request.user, organisation=org_of(request.user), person_id=person.pk,
                    name=data["name"], phone=data["phone"], insurance_type=data["insurance_type"],
                    insured_region=data["insured_region"], reason=data["reason"])
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                self.message_user(request, f"参保人员 {person.masked_id} 的信息已变更。", messages.SUCCESS)
                return redirect(back)
        return TemplateResponse(request, "admin/registration/insuredperson/details.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": person,
            "title": f"变更参保信息：{person.name}（{person.masked_id}）", "form": form, "back": back,
            "insured_regions": form.insured_candidates,
        })
