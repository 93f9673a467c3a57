"""API routes of this area (mounted under /api/v1/)."""
from rest_framework.routers import SimpleRouter

from .views import FlagViewSet

router = SimpleRouter()
router.register("flags", FlagViewSet, basename="flag")
urlpatterns = router.urls
