"""Admin building blocks shared by every area: scope-limited model admins and the audit trail."""
from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from apps.regions.scope import org_of, scoped

from .models import AuditEntry


class CappedCountPaginator(Paginator):
    """Counts at most CAP + 1 rows (``SELECT COUNT(*) FROM (… LIMIT CAP+1)``), never a whole large table."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.CAP + 1].count()


class ReadOnlyAdminMixin:
    """Staff may look; records are written through services, so adding, changing and deleting are off
    unless an admin opts in."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedAdminMixin(ReadOnlyAdminMixin):
    """Limits the changelist, change views, actions and exports to the signed-in organisation's scope."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser and org_of(request.user) is None:
            return qs
        return scoped(qs, org_of(request.user))

    def get_valid_export_item_pks(self, request):
        """django-import-export's export check: only posted rows the organisation may see, not the whole table."""
        wanted = request.POST.getlist("export_items")
        return self.get_queryset(request).filter(pk__in=wanted).values_list("pk", flat=True)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "organisation", "action", "object_type", "object_id", "summary")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "summary")
    list_select_related = ("actor", "organisation")
    show_full_result_count = False
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
