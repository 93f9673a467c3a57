"""Admin pages of the operations engine: my notifications and their settings, my jobs (我的任务) with progress
and the result file, webhook subscriptions and deliveries in scope, SMS templates and log and the
schedules (national staff only), and the outbox (superusers). Every write goes through a service."""
from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django_celery_beat import admin as beat_admin
from django_celery_beat import models as beat

from apps.core.admin import CappedCountPaginator, ReadOnlyAdminMixin, ScopedAdminMixin
from apps.core.errors import DomainError
from apps.regions.scope import org_of

from . import jobs, services, sms
from .catalogue import label
from .models import (
    Event,
    Job,
    JobStatus,
    Notification,
    SmsMessage,
    SmsTemplate,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)


class NationalStaffOnlyMixin:
    """Only national staff (and superusers) see and change these pages."""

    def has_module_permission(self, request):
        return services.is_national_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return services.is_national_staff(request.user)

    def has_add_permission(self, request, *args):
        return services.is_national_staff(request.user)

    def has_change_permission(self, request, obj=None):
        return services.is_national_staff(request.user)

    def has_delete_permission(self, request, obj=None):
        return services.is_national_staff(request.user)


# --- my notifications ----------------------------------------------------------------------------------

@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title_link", "event_label", "body", "created_at", "is_read")
    list_filter = (("read_at", admin.EmptyFieldListFilter),)
    actions = ["mark_selected_read"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    change_list_template = "admin/events/notification/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user).select_related("event")

    @admin.display(description="标题")
    def title_link(self, obj):
        url = reverse("admin:events_notification_open", args=[obj.pk])
        weight = "normal" if obj.read_at else "bold"
        return format_html('<a href="{}" style="font-weight:{}">{}</a>', url, weight, obj.title)

    @admin.display(description="事件")
    def event_label(self, obj):
        return label(obj.event.name)

    @admin.display(description="已读", boolean=True)
    def is_read(self, obj):
        return obj.read_at is not None

    @admin.action(description="标为已读")
    def mark_selected_read(self, request, queryset):
        for note in queryset.filter(read_at__isnull=True):
            services.mark_read(user=request.user, notification_id=note.pk)
        self.message_user(request, "已标为已读。", messages.SUCCESS)

    def get_urls(self):
        own = [
            path("<int:pk>/open/", self.admin_site.admin_view(self.open_view), name="events_notification_open"),
            path("read-all/", self.admin_site.admin_view(self.read_all_view), name="events_notification_read_all"),
            path("preferences/", self.admin_site.admin_view(self.preferences_view),
                 name="events_notification_preferences"),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
        return super().changelist_view(request, {"unread": unread, **(extra_context or {})})

    def open_view(self, request, pk):
        """Mark the notification read and go where it points (only ever a page of this site)."""
        try:
            note = services.mark_read(user=request.user, notification_id=pk)
        except DomainError:
            raise Http404("通知不存在。") from None
        target = note.url
        if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith("/"):
            target = reverse("admin:events_notification_changelist")
        return HttpResponseRedirect(target)

    def read_all_view(self, request):
        if request.method == "POST":
            count = services.mark_all_read(user=request.user)
            self.message_user(request, f"{count} 条通知已标为已读。", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:events_notification_changelist"))

    def preferences_view(self, request):
        if request.method == "POST":
            wanted = set(request.POST.getlist("enabled"))
            try:
                for pref in services.preferences(request.user):
                    enabled = pref["event"] in wanted
                    if not pref["required"] and enabled != pref["enabled"]:
                        services.set_preference(user=request.user, event=pref["event"], enabled=enabled)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, "通知设置已保存。", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:events_notification_preferences"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "通知设置",
                   "preferences": services.preferences(request.user)}
        return TemplateResponse(request, "admin/events/notification/preferences.html", context)


# --- my jobs -------------------------------------------------------------------------------------------

@admin.register(Job)
class JobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("label", "status_label", "progress_bar", "created_at", "finished_at", "error", "download")
    list_filter = ("status",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    change_list_template = "admin/events/job/change_list.html"
    fields = ("label", "kind", "params", "status", "progress", "total", "error", "created_at", "started_at",
              "finished_at", "download")
    readonly_fields = fields

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user")
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    @admin.display(description="状态")
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description="进度")
    def progress_bar(self, obj):
        percent = obj.percent
        if percent is None:
            return f"{obj.progress}" if obj.status == JobStatus.RUNNING else "—"
        return format_html('<progress value="{}" max="100"></progress> {}%（{}/{}）', percent, percent, obj.progress,
                           obj.total or obj.progress)

    @admin.display(description="结果")
    def download(self, obj):
        if obj.status != JobStatus.SUCCEEDED or not obj.result:
            return "—"
        return format_html('<a href="{}">下载 {}</a>', reverse("admin:events_job_download", args=[obj.pk]),
                           obj.result_name)

    def get_urls(self):
        own = [
            path("<int:pk>/download/", self.admin_site.admin_view(self.download_view), name="events_job_download"),
            path("start/", self.admin_site.admin_view(self.start_view), name="events_job_start"),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        mine = self.get_queryset(request)
        context = {"job_kinds": jobs.kinds_for(org_of(request.user)),
                   "has_running": mine.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists()}
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def download_view(self, request, pk):
        job = self.get_queryset(request).filter(pk=pk, status=JobStatus.SUCCEEDED).first()
        if job is None or not job.result:
            raise Http404("任务不存在或尚无结果文件。")
        return FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name or None)

    def start_view(self, request):
        if request.method == "POST":
            try:
                job = jobs.start_job(user=request.user, kind=request.POST.get("kind", ""))
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"任务“{job.label}”已开始，完成后可在此下载结果。", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:events_job_changelist"))


# --- webhooks ------------------------------------------------------------------------------------------

@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "organisation", "url", "event_list", "active", "created_at")
    list_filter = ("active",)
    list_select_related = ("organisation",)
    search_fields = ("url",)
    fields = ("organisation", "url", "events", "active", "created_at", "created_by", "deleted_at")
    readonly_fields = fields
    actions = ["unsubscribe_selected"]

    @admin.display(description="订阅事件")
    def event_list(self, obj):
        return "、".join(label(e) for e in obj.events)

    @admin.action(description="删除所选订阅（仅本机构的订阅）")
    def unsubscribe_selected(self, request, queryset):
        done = 0
        for sub in queryset.filter(active=True):
            try:
                services.unsubscribe(actor=request.user, organisation=org_of(request.user), subscription_id=sub.pk)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{sub.pk}：{exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"已删除 {done} 个订阅。", messages.SUCCESS)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("at", "status_code", "error", "duration_ms", "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "event_name", "subscription_url", "status", "attempts", "last_status_code",
                    "next_attempt_at", "delivered_at")
    list_filter = ("status",)
    list_select_related = ("event", "subscription")
    show_full_result_count = False
    paginator = CappedCountPaginator
    inlines = [WebhookAttemptInline]
    fields = ("event", "subscription", "status", "attempts", "window_started_at", "next_attempt_at",
              "last_status_code", "last_error", "response_excerpt", "delivered_at")
    readonly_fields = fields
    actions = ["redeliver_selected"]

    @admin.display(description="事件")
    def event_name(self, obj):
        return f"{obj.event.name}（{label(obj.event.name)}）"

    @admin.display(description="推送地址")
    def subscription_url(self, obj):
        return obj.subscription.url

    @admin.action(description="重新推送所选记录（仅本机构的订阅）")
    def redeliver_selected(self, request, queryset):
        done = 0
        for d in queryset:
            try:
                services.redeliver(actor=request.user, organisation=org_of(request.user),
                                   subscription_id=d.subscription_id, delivery_id=d.pk)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{d.pk}：{exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"已安排重新推送 {done} 条。", messages.SUCCESS)


# --- SMS (national staff) ------------------------------------------------------------------------------

class SmsTemplateForm(forms.ModelForm):
    class Meta:
        model = SmsTemplate
        fields = ("event", "text", "active")
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "cols": 80})}

    def clean_text(self):
        text = self.cleaned_data["text"]
        problem = sms.template_error(text)
        if problem:
            raise forms.ValidationError(problem)
        return text


@admin.register(SmsTemplate)
class SmsTemplateAdmin(NationalStaffOnlyMixin, admin.ModelAdmin):
    form = SmsTemplateForm
    list_display = ("event_label", "text", "active", "updated_at", "updated_by")

    @admin.display(description="事件")
    def event_label(self, obj):
        return obj.get_event_display()

    def has_delete_permission(self, request, obj=None):
        return False  # switch a template off instead: the log keeps referring to what was sent

    def save_model(self, request, obj, form, change):
        services.save_sms_template(actor=request.user, template=obj)


@admin.register(SmsMessage)
class SmsMessageAdmin(NationalStaffOnlyMixin, admin.ModelAdmin):
    list_display = ("masked_to", "event_name", "status", "text", "created_at", "sent_at")
    list_filter = ("status",)
    list_select_related = ("event",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    fields = ("masked_to", "event", "text", "status", "attempts", "error", "created_at", "attempted_at", "sent_at")
    readonly_fields = fields

    @admin.display(description="手机号码")
    def masked_to(self, obj):
        return obj.masked_to

    @admin.display(description="事件")
    def event_name(self, obj):
        return label(obj.event.name) if obj.event_id else "—"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the outbox (superusers) ---------------------------------------------------------------------------

@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "name", "object_type", "object_id", "summary", "created_at", "dispatched_at")
    list_filter = ("name",)
    search_fields = ("object_id",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    exclude = ("sms_to",)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


# --- the schedules (django-celery-beat), national staff only -------------------------------------------

class PeriodicTaskAdmin(NationalStaffOnlyMixin, beat_admin.PeriodicTaskAdmin):
    actions = ("enable_tasks", "disable_tasks", "run_now")

    @admin.action(description="立即运行所选定时任务")
    def run_now(self, request, queryset):
        from config.celery import app

        from .queue import enqueue

        app.loader.import_default_modules()
        for periodic in queryset:
            task = app.tasks.get(periodic.task)
            if task is None:
                self.message_user(request, f"{periodic.name}：任务 {periodic.task} 不存在。", messages.ERROR)
                continue
            enqueue(task)
        self.message_user(request, "已安排运行。", messages.SUCCESS)


def _national_only(admin_class):
    return type(admin_class.__name__, (NationalStaffOnlyMixin, admin_class), {})


for _model, _admin in ((beat.PeriodicTask, PeriodicTaskAdmin),
                       (beat.CrontabSchedule, _national_only(beat_admin.CrontabScheduleAdmin)),
                       (beat.IntervalSchedule, _national_only(beat_admin.IntervalScheduleAdmin)),
                       (beat.SolarSchedule, _national_only(beat_admin.SolarScheduleAdmin)),
                       (beat.ClockedSchedule, _national_only(beat_admin.ClockedScheduleAdmin))):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)

