"""Pagination: page numbers with a count for small tables, cursors (no COUNT) for large ones."""
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class CursorPagination(pagination.CursorPagination):
    """For settlements and flags: no COUNT(*) over hundreds of millions of rows."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
