"""Small views of the shell: the API root, a health check and the public home page."""
import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse

logger = logging.getLogger("apps.core.health")

API_ENDPOINTS = {
    "regions": "region-list", "facilities": "facility-list", "coverage": "coverage",
    "registrations": "registration-list", "settlements": "settlement-list", "clearings": "clearing-list",
    "prepayments": "prepayment-list", "tickets": "ticket-list", "flags": "flag-list",
    "notifications": "notification-list", "webhooks": "webhook-list",
}


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request, format=None):
    """The partner API v1: see /api/docs/."""
    out = {}
    for name, url_name in API_ENDPOINTS.items():
        try:
            out[name] = reverse(f"v1:{url_name}", request=request)
        except NoReverseMatch:  # an area that has not wired its endpoint
            continue
    out["schema"] = reverse("schema", request=request)
    out["docs"] = reverse("api-docs", request=request)
    return Response(out)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            return cur.fetchone() == (1,)
    except Exception as exc:
        logger.warning("Health check: the database does not answer (%s: %s)", type(exc).__name__, exc)
        return False


def _cache_answers() -> bool:
    key = "yidi:healthz"
    try:
        cache.set(key, "1", timeout=10)
        return cache.get(key) == "1"
    except Exception as exc:
        logger.warning("Health check: the cache does not answer (%s: %s)", type(exc).__name__, exc)
        return False


@never_cache
def healthz(request):
    """``{"database": "ok"|"error", "cache": "ok"|"error"}``: 200 while the database answers, else 503.
    A cache outage alone is reported but still 200 — the site works without it (throttling is skipped)."""
    database, cache_ok = _database_answers(), _cache_answers()
    body = {"database": "ok" if database else "error", "cache": "ok" if cache_ok else "error"}
    return JsonResponse(body, status=200 if database else 503)


def home(request):
    return render(request, "public/home.html")
