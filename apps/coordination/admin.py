"""The coordination inbox: tickets held by, raised by, or overdue for the signed-in organisation; a ticket page
with its timeline and the actions this organisation may take now; raising through the service."""
from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.core.admin import CappedCountPaginator, ScopedAdminMixin
from apps.core.errors import DomainError
from apps.core.inputs import text_error
from apps.regions.scope import org_of

from . import selectors, services
from .models import Category, CategorySetting, Ticket

DEFAULT_BOX = "held"


class InboxFilter(admin.SimpleListFilter):
    """The inbox tabs. No "all" choice without a value: an empty query string opens "held by us"."""

    title = "收件箱"
    parameter_name = "box"

    def lookups(self, request, model_admin):
        return [*selectors.BOXES.items(), ("all", "全部可见")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value or value == "all":
            return queryset
        return selectors.in_box(queryset, org_of(request.user), value)

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class RaiseTicketForm(forms.Form):
    """The raise form's fields; ``raise_ticket`` checks the rest (the links' scope included)."""

    category = forms.ChoiceField(label="类别", choices=Category.choices)
    title = forms.CharField(label="标题", max_length=200)
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 6, "cols": 80}))
    settlement = forms.CharField(label="关联结算编号", required=False, max_length=64)
    settlement_facility = forms.CharField(label="关联结算的机构编码", required=False, max_length=12,
                                          help_text="结算编号在机构内唯一；多家机构使用同一编号时填写")
    registration = forms.CharField(label="关联备案编号", required=False, max_length=20)


@admin.register(Ticket)
class TicketAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("number", "title", "category", "status_label", "raised_by", "holder", "holder_tier",
                    "due_label", "created_at")
    list_display_links = ("number", "title")
    list_filter = (InboxFilter, "status", "category", "holder_tier")
    search_fields = ("=number", "title")
    list_select_related = ("raised_by", "holder")
    list_per_page = 50
    # no list counts a whole table: "全部可见" for a province may be millions of rows
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fieldsets = (
        (None, {"fields": ("number", "category", "title", "description", "status_label", "due_label")}),
        ("承办", {"fields": ("raised_by", "raiser_region", "holder", "holder_tier", "held_since", "created_by",
                             "created_at")}),
        ("关联", {"fields": ("settlement", "registration")}),
    )
    readonly_fields = ("status_label", "due_label")
    change_form_template = "admin/coordination/ticket/change_form.html"
    change_list_template = "admin/coordination/ticket/change_list.html"

    # --- the list -------------------------------------------------------------------------------------

    @admin.display(description="状态", ordering="status")
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description="办理时限", ordering="due_at")
    def due_label(self, obj):
        due = timezone.localtime(obj.due_at).strftime("%Y-%m-%d %H:%M")
        if obj.is_overdue():
            return format_html('<span class="yidi-overdue" style="color:#ba2121;font-weight:bold">'
                               '⚠ 已超时 {}</span>', due)
        return due

    def changelist_view(self, request, extra_context=None):
        if any(text_error(value) for _key, values in request.GET.lists() for value in values):
            # a NUL or control character in a filter or the search would reach the database driver and fail
            self.message_user(request, "筛选或搜索条件含有无法识别的字符，已清除。", messages.ERROR)
            return HttpResponseRedirect(request.path)
        if InboxFilter.parameter_name not in request.GET and not request.GET and org_of(request.user):
            return HttpResponseRedirect(f"{request.path}?{InboxFilter.parameter_name}={DEFAULT_BOX}")
        org = org_of(request.user)
        counts = selectors.inbox_counts(org) if org else {}
        tabs = [{"box": key, "label": label, "count": counts.get(key),
                 "shown": selectors.show_count(counts[key]) if key in counts else None,
                 "selected": request.GET.get(InboxFilter.parameter_name) == key}
                for key, label in selectors.BOXES.items()]
        return super().changelist_view(request, {**(extra_context or {}), "inbox_tabs": tabs})

    # --- raising --------------------------------------------------------------------------------------

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_staff and org_of(request.user) is not None

    def add_view(self, request, form_url="", extra_context=None):
        org = org_of(request.user)
        if org is None:
            raise Http404
        form = RaiseTicketForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                ticket = services.raise_ticket(actor=request.user, organisation=org, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, f"工单 {ticket.number} 已发起，承办机构：{ticket.holder.name}。",
                                  messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:coordination_ticket_change", args=[ticket.pk]))
        holder = services.parent_holder(org) or org
        context = {
            **self.admin_site.each_context(request), "title": "发起协同工单", "form": form, "opts": self.opts,
            "organisation": org, "default_holder": holder,
        }
        return TemplateResponse(request, "admin/coordination/ticket/raise.html", context)

    # --- the ticket page ------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/act/<str:action>/", view(self.action_view), name="coordination_ticket_act"),
            path("<path:object_id>/attachment/<int:attachment_id>/", view(self.attachment_view),
                 name="coordination_ticket_attachment"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if ticket is not None:
            org = org_of(request.user)
            allowed = services.allowed_actions(ticket, org)
            extra.update(
                timeline=selectors.timeline(ticket),
                attachments=ticket.attachments.select_related("organisation"),
                actions=[(name, services.ACTION_LABELS[name]) for name in allowed],
                can_attach="comment" in allowed,
                overdue=ticket.is_overdue(),
            )
        return super().change_view(request, object_id, form_url, extra)

    def action_view(self, request, object_id, action):
        ticket = self.get_object(request, object_id)
        if ticket is None or (action not in services.ACTION_SERVICES and action != "attach"):
            raise Http404
        change_url = reverse("admin:coordination_ticket_change", args=[ticket.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        org = org_of(request.user)
        try:
            if action == "attach":
                upload = request.FILES.get("file")
                if upload is None:
                    raise DomainError("请选择要上传的文件。", field="file")
                services.attach_file(actor=request.user, organisation=org, ticket=ticket, upload=upload)
            else:
                extra = {"to": request.POST.get("to", "")} if action == "transfer" else {}
                services.ACTION_SERVICES[action](actor=request.user, organisation=org, ticket=ticket,
                                                 note=request.POST.get("note", ""), **extra)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            label = "上传附件" if action == "attach" else services.ACTION_LABELS[action]
            self.message_user(request, f"已{label}。", messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def attachment_view(self, request, object_id, attachment_id):
        ticket = self.get_object(request, object_id)
        if ticket is None:
            raise Http404
        attachment = get_object_or_404(ticket.attachments, pk=attachment_id)
        return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type)


@admin.register(CategorySetting)
class CategorySettingAdmin(admin.ModelAdmin):
    """Time limits per category: every bureau reads them; national staff change them."""

    list_display = ("category", "time_limit_days", "auto_escalate")
    list_editable = ("time_limit_days", "auto_escalate")
    fields = ("category", "time_limit_days", "auto_escalate")
    readonly_fields = ("category",)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and services.may_change_category_settings(request.user, org_of(request.user))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # the change form and the list's editable columns both save here: through the service, which checks who
        # may, locks the row and audits the old and new values (the form already holds the same 1–60 bound)
        services.update_category_setting(actor=request.user, organisation=org_of(request.user),
                                         category=obj.category, time_limit_days=obj.time_limit_days,
                                         auto_escalate=obj.auto_escalate)
