"""API routes of this area (mounted under /api/v1/)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CoverageView, FacilityViewSet

router = SimpleRouter()
router.register("facilities", FacilityViewSet, basename="facility")

urlpatterns = [path("coverage/", CoverageView.as_view(), name="coverage"), *router.urls]
