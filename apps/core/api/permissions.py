"""API permission: an authenticated account that acts for an organisation."""
from rest_framework.permissions import BasePermission

from apps.regions.scope import org_of


class IsOrganisationMember(BasePermission):
    message = "该账户未关联任何机构，无权访问。"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and org_of(request.user) is not None)
