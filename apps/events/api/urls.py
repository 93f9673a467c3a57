"""API routes of the operations engine (mounted under /api/v1/)."""
from rest_framework.routers import SimpleRouter

from .views import NotificationViewSet, WebhookViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("webhooks", WebhookViewSet, basename="webhook")
urlpatterns = router.urls
