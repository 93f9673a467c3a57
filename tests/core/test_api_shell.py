"""The API shell: an OpenAPI 3 schema and a docs page that needs no internet access."""
import re

import pytest

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_and_lists_the_regions_endpoint(api_for):
    resp = api_for("000000").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    schema = resp.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/regions/" in schema["paths"]


def test_docs_page_loads_its_assets_from_this_server(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    external = [u for u in re.findall(r'(?:src|href)="([^"]+)"', page) if u.startswith(("http:", "https:", "//"))]
    assert external == []
    assert "drf_spectacular_sidecar" in page


def test_errors_are_chinese_by_default_and_english_on_request(client):
    zh = client.get("/api/v1/regions/").json()
    en = client.get("/api/v1/regions/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert re.search(r"[\u4e00-\u9fff]", zh["detail"])
    assert "credentials" in en["detail"].lower()


def test_unknown_region_answers_404(api_for):
    assert api_for("000000").get("/api/v1/regions/999999/").status_code == 404


def test_an_account_without_organisation_is_refused_in_the_callers_language(django_user_model):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("orphan", password="x-Pass-123"))
    zh = client.get("/api/v1/regions/")
    en = client.get("/api/v1/regions/", HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 403
    assert zh.json()["detail"] == "该账户未关联任何机构，无权访问。"
    assert en.json()["detail"] == "This account does not act for any organisation and may not use the API."
