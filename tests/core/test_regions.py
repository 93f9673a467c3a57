"""The real region list is loaded, idempotently, and served by the API."""
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.regions.models import Organisation, Region
from apps.regions.services import load_regions

pytestmark = pytest.mark.django_db


def test_full_region_list_is_served_through_the_api(api_for):
    client = api_for("320508")
    counts = {}
    for level in ("province", "city", "county"):
        resp = client.get("/api/v1/regions/", {"level": level})
        assert resp.status_code == 200
        counts[level] = resp.json()["count"]
    assert counts["province"] == 34
    assert counts["city"] >= 330
    assert counts["county"] >= 2800


def test_loading_again_changes_and_duplicates_nothing():
    before = (Region.objects.count(), Organisation.objects.count())
    result = load_regions()
    assert result == {"created": 0, "updated": 0, "bureaus_created": 0}
    assert (Region.objects.count(), Organisation.objects.count()) == before


def test_load_regions_command_reports_counts(capsys):
    call_command("load_regions")
    out = capsys.readouterr().out
    assert "新增 0" in out and "省 34" in out


def test_region_filtered_by_parent_lists_its_counties(api_for):
    resp = api_for("000000").get("/api/v1/regions/", {"parent": "320500"})
    codes = {r["code"] for r in resp.json()["results"]}
    assert "320508" in codes  # 姑苏区
    assert all(c.startswith("3205") for c in codes)


def test_region_shape_follows_the_contract(api_for):
    body = api_for("000000").get("/api/v1/regions/320508/").json()
    assert body == {"code": "320508", "name": "姑苏区", "level": "county", "parent": "320500",
                    "pooling_area": "320500"}


@pytest.mark.parametrize("code,pooling", [
    ("110105", "110000"),  # 北京 pools province-wide, counties directly under the municipality
    ("460105", "460000"),  # 海南 pools province-wide
    ("320508", "320500"),  # 苏州 is its own pooling area
    ("429004", "429004"),  # 仙桃, a county-level unit directly under 湖北, pools on its own
])
def test_pooling_areas_are_data(code, pooling):
    assert Region.objects.get(code=code).pooling_area_id == pooling


def test_every_region_has_a_bureau_linked_to_its_parent_bureau():
    county_bureau = Organisation.objects.get(code="320508")
    assert county_bureau.tier == "county"
    assert county_bureau.parent.code == "320500"
    assert county_bureau.parent.parent.code == "320000"
    assert county_bureau.parent.parent.parent.code == "000000"


def test_no_credentials_are_refused():
    resp = APIClient().get("/api/v1/regions/")
    assert resp.status_code in (401, 403)
