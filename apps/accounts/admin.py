"""Accounts in the admin: superusers manage them (every new or changed password passes Django's validators,
with their Chinese messages); each account names its organisation. Superusers also see failed logins and lift
a lockout (django-axes)."""
import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from apps.core import audit
from apps.core.errors import DomainError

from . import services
from .models import LoginLockout, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "organisation", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "organisation__tier", "groups")
    list_select_related = ("organisation",)
    search_fields = ("username", "organisation__code", "organisation__name")
    autocomplete_fields = ("organisation",)
    fieldsets = (
        (None, {"fields": ("username", "password", "organisation")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "organisation", "password1", "password2")}),)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # Every change to an account (a new one, a new password, rights, deletion) is also an audit entry.
    def log_addition(self, request, obj, message):
        audit.record(actor=request.user, action="accounts.create", obj=obj, summary=f"创建账户 {obj.username}"
                     f"（{obj.organisation or '未关联机构'}）", account_organisation=obj.organisation_id)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        what = "密码" if "password" in str(message).lower() else "信息"
        audit.record(actor=request.user, action="accounts.change", obj=obj, summary=f"修改账户 {obj.username} 的{what}",
                     change=message, account_organisation=obj.organisation_id)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for user in queryset:
            audit.record(actor=request.user, action="accounts.delete", obj=user, summary=f"删除账户 {user.username}",
                         account_organisation=user.organisation_id)
        return super().log_deletions(request, queryset)


def cool_off() -> dt.timedelta | None:
    value = settings.AXES_COOLOFF_TIME
    return dt.timedelta(hours=value) if isinstance(value, (int, float)) else value


class LockedFilter(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", "锁定中"), ("no", "未锁定")]

    def queryset(self, request, queryset):
        locked = {"failures_since_start__gte": settings.AXES_FAILURE_LIMIT}
        if cool_off():
            locked["attempt_time__gt"] = timezone.now() - cool_off()
        if self.value() == "yes":
            return queryset.filter(**locked)
        if self.value() == "no":
            return queryset.exclude(**locked)
        return queryset


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    """Superusers only. "解除锁定" deletes the record through ``services.unlock_logins`` (audited)."""

    list_display = ("attempt_time", "username", "ip_address", "failures_since_start", "state", "user_agent")
    list_filter = (LockedFilter,)
    search_fields = ("=username",)
    search_help_text = "输入完整的用户名"
    fields = ("username", "ip_address", "user_agent", "path_info", "attempt_time", "failures_since_start", "state")
    readonly_fields = fields
    actions = ["unlock_selected"]
    ordering = ("-attempt_time",)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_unlock_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="状态")
    def state(self, obj):
        if obj.failures_since_start < settings.AXES_FAILURE_LIMIT:
            return f"未锁定（还可尝试 {settings.AXES_FAILURE_LIMIT - obj.failures_since_start} 次）"
        if cool_off() and obj.attempt_time <= timezone.now() - cool_off():
            return "锁定已到期"
        until = timezone.localtime(obj.attempt_time + cool_off()).strftime("%Y-%m-%d %H:%M") if cool_off() else "解除前"
        return f"锁定中（至 {until}）"

    @admin.action(description="解除所选账户在该地址的登录锁定", permissions=["unlock"])
    def unlock_selected(self, request, queryset):
        try:
            done = services.unlock_logins(actor=request.user, attempt_ids=queryset.values_list("pk", flat=True))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"已解除 {done} 条登录锁定，相应账户可立即重新登录。", messages.SUCCESS)
