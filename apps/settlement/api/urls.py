"""API routes of this area (mounted under /api/v1/)."""
urlpatterns = []
