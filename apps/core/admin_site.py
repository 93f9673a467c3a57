"""The admin site for bureau staff: Chinese titles, a start page of work waiting in scope, and every admin
registered on it guarded (``apps.core.admin_guard``: only offered URL lookups, audited reads, safe exports)."""
import importlib

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.template.response import TemplateResponse

from apps.regions.scope import org_of

from .admin_guard import GuardedAdminMixin, guarded

# Areas that contribute start-page panels through ``apps/<area>/dashboard.py: panels(request, org)``.
DASHBOARD_AREAS = ["registration", "facilities", "settlement", "coordination", "supervision", "events"]


def dashboard_panels(request, org) -> list[dict]:
    """Each area's panels: ``{"title", "items": [{"label", "value", "url"?, "level"?}]}``."""
    panels = []
    for area in DASHBOARD_AREAS:
        try:
            module = importlib.import_module(f"apps.{area}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"apps.{area}.dashboard":
                raise
            continue
        panels.extend(module.panels(request, org))
    return panels


class YidiAdminSite(admin.AdminSite):
    site_header = "医保异地就医协同平台"
    site_title = "医保异地就医协同平台"
    index_title = "工作台"
    index_template = "admin/yidi_index.html"

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin gets :class:`GuardedAdminMixin` in front of its own code (third-party ones too); an
        admin that brings the mixin itself may not override its ``lookup_allowed`` before it."""
        admin_class = admin_class or admin.ModelAdmin
        if issubclass(admin_class, GuardedAdminMixin) and \
                admin_class.lookup_allowed is not GuardedAdminMixin.lookup_allowed:
            raise ImproperlyConfigured(
                f"{admin_class.__qualname__} overrides lookup_allowed: name extra URL lookups in extra_lookups.")
        super().register(model_or_iterable, guarded(admin_class), **options)

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and (user.is_superuser or org_of(user) is not None)

    def index(self, request, extra_context=None):
        org = org_of(request.user)
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "subtitle": None,
            "app_list": self.get_app_list(request),
            "organisation": org,
            "panels": dashboard_panels(request, org) if org else [],
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, self.index_template, context)
