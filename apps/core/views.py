"""Small views of the shell: the API root, a health check and the public home page."""
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse
from django.urls import NoReverseMatch

API_ENDPOINTS = {
    "regions": "region-list", "facilities": "facility-list", "coverage": "coverage",
    "registrations": "registration-list", "settlements": "settlement-list", "clearings": "clearing-list",
    "prepayments": "prepayment-list", "tickets": "ticket-list", "flags": "flag-list",
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


def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request):
    return render(request, "public/home.html")
