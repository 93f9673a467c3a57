"""Pagination: page numbers with a count for small tables, cursors (no COUNT) for large ones."""
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import IntegerField
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class CursorPagination(pagination.CursorPagination):
    """For settlements and flags: no COUNT(*) over hundreds of millions of rows.

    A cursor is opaque but travels through the client, so it is checked like any input: a position that
    is not a value of the ordering field (garbage, a number out of range, a NUL) is refused with 404 and a
    message, before it reaches the query — DRF would pass it to ``filter()`` and answer 500."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
    invalid_cursor_message = _("分页游标无效，请从第一页重新开始。")

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        field = self._ordering_field()
        if "\x00" in position or field is None:
            raise NotFound(self.invalid_cursor_message)
        try:
            value = field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            raise NotFound(self.invalid_cursor_message)
        if value is None:
            raise NotFound(self.invalid_cursor_message)
        if isinstance(field, IntegerField):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                raise NotFound(self.invalid_cursor_message)

    def _ordering_field(self):
        """The model field the first ordering term names (following relations), or None."""
        model = getattr(self, "_model", None)
        ordering = self.ordering if isinstance(self.ordering, (list, tuple)) else (self.ordering,)
        if model is None or not ordering:
            return None
        field = None
        for part in ordering[0].lstrip("-").split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return None
            if field.is_relation and field.related_model is not None:
                model = field.related_model
        if field is not None and field.is_relation:  # ordering by a foreign key orders by its target field
            field = field.target_field
        return field
