"""Viewset helpers: every queryset the API serves goes through the scope mechanism."""
from apps.regions.scope import org_of, scoped


class ScopedQuerysetMixin:
    """Limits ``get_queryset`` to the caller's organisation; out-of-scope objects answer 404."""

    def get_queryset(self):
        return scoped(super().get_queryset(), self.organisation)

    @property
    def organisation(self):
        return org_of(self.request.user)
