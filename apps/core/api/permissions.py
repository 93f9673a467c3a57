"""API permission: an authenticated account that acts for an organisation."""
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from apps.regions.scope import org_of


class IsOrganisationMember(BasePermission):
    message = gettext_lazy("该账户未关联任何机构，无权访问。")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and org_of(request.user) is not None)
