"""Admin building blocks shared by every area: scope-limited model admins and the audit trail.

Every admin registered on the site also carries ``apps.core.admin_guard.GuardedAdminMixin`` (added by
``YidiAdminSite.register``): URL filters only as the admin offers them, reads of personal data audited (查阅),
exports safe from spreadsheet formulae.

**Who reads the audit trail.** Superusers see every entry. Bureau staff (not facilities) see it when their
account holds the permission ``core.view_auditentry`` — the group ``审计员`` carries it (a superuser adds an
account to the group on the account page, or ``manage.py create_account … --auditor``) — and then only the
entries written by organisations in their own region subtree (``AuditEntry.SCOPE_REGION_FIELDS``; a county
bureau's auditor sees the county bureau and the facilities in the county, a province's the whole province).
Nobody changes or deletes an entry, and no page shows a full ID number: ``audit.record`` masks them when it
writes, and the pages mask again what older entries may hold.
"""
import json

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from apps.regions.scope import org_of, scoped

from . import audit
from .admin_guard import GuardedAdminMixin  # noqa: F401  (the kernel mixin, re-exported for the areas)
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


def may_audit(user) -> bool:
    """Who reads the audit trail: superusers, and bureau staff holding ``core.view_auditentry`` (the 审计员 group)."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    org = org_of(user)
    return org is not None and not org.is_facility and user.has_perm("core.view_auditentry")


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only, scoped to the organisations in the auditor's subtree, ID numbers masked (also in old entries)."""

    list_display = ("at", "actor", "organisation", "action_label", "object_type", "object_id", "masked_summary")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "summary")
    search_help_text = "按对象标识或摘要检索"
    list_select_related = ("actor", "organisation")
    show_full_result_count = False
    paginator = CappedCountPaginator
    date_hierarchy = "at"
    fields = ("at", "actor", "organisation", "action_label", "object_type", "object_id", "masked_summary",
              "masked_data")
    readonly_fields = fields

    def has_module_permission(self, request):
        return may_audit(request.user)

    def has_view_permission(self, request, obj=None):
        return may_audit(request.user)

    @admin.display(description="操作", ordering="action")
    def action_label(self, obj):
        label = audit.READ_ACTIONS.get(obj.action)
        return f"{label}（{obj.action}）" if label else obj.action

    @admin.display(description="摘要")
    def masked_summary(self, obj):
        return audit.mask_ids(obj.summary)

    @admin.display(description="详情")
    def masked_data(self, obj):
        return audit.mask_ids(json.dumps(obj.data, ensure_ascii=False, indent=1, sort_keys=True))
