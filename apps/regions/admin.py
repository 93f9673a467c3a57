"""Admin for reference data: regions (with the pooling-area switches) and organisations."""
from django.contrib import admin

from apps.core import audit
from apps.core.admin import ReadOnlyAdminMixin
from apps.regions.scope import covers_region, org_of

from .models import Organisation, Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "pooling_area", "is_pooling_area", "instant_approval")
    list_filter = ("level", "is_pooling_area", "instant_approval")
    search_fields = ("code", "name")
    list_select_related = ("parent", "pooling_area")
    fields = ("code", "name", "level", "parent", "pooling_area", "is_pooling_area", "instant_approval")
    ordering = ("code",)

    def get_readonly_fields(self, request, obj=None):
        return ("code", "name", "level", "parent", "pooling_area", "is_pooling_area")

    def has_change_permission(self, request, obj=None):
        """A pooling area's own bureau, or one above it, switches 即申即享 on or off."""
        if obj is None:
            return request.user.is_active and request.user.is_staff
        return obj.is_pooling_area and (request.user.is_superuser or covers_region(org_of(request.user), obj.code))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="region.instant_approval", obj=obj,
                     summary=f"{obj.name} 即申即享：{'开启' if obj.instant_approval else '关闭'}",
                     instant_approval=obj.instant_approval)


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "tier", "region", "parent")
    list_filter = ("tier",)
    search_fields = ("code", "name")
    list_select_related = ("region", "parent")
    readonly_fields = ("code", "name", "tier", "region", "parent")
