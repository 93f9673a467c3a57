"""URLs: the admin for staff, the public 备案 pages, and the partner API under /api/v1/."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core.views import api_root, healthz

API_AREAS = ["regions", "facilities", "registration", "settlement", "coordination", "supervision", "events"]

api_v1 = [path("", api_root, name="api-root")]
for area in API_AREAS:
    api_v1.append(path("", include(f"apps.{area}.api.urls")))

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's initialiser as a script file: no inline script, so the strict
    # Content-Security-Policy (script-src 'self') holds on this page too.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("", include("apps.core.urls")),
    path("", include("apps.registration.urls")),
]
