"""Public pages of this area."""
urlpatterns = []
