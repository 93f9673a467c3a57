"""API routes of this area (mounted under /api/v1/)."""
from rest_framework.routers import SimpleRouter

from .views import ClearingViewSet, PrepaymentViewSet, SettlementViewSet

router = SimpleRouter()
router.register(r"settlements", SettlementViewSet, basename="settlement")
router.register(r"clearings", ClearingViewSet, basename="clearing")
router.register(r"prepayments", PrepaymentViewSet, basename="prepayment")
urlpatterns = router.urls
