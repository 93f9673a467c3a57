"""The facility search (admin and ``?q=``): a full code in any case or part of the name, and on PostgreSQL a
search the trigram index ``facility_name_trgm`` serves (bench/search_facilities.py times it on 50,000 rows)."""
import pytest
from django.db import connection
from django.utils import timezone

from apps.facilities.admin import _search
from apps.facilities.models import Facility
from tests.facilities.factories import FacilityDiseaseFactory, FacilityFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/facilities/facility/"
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")


def listed(response):
    assert response.status_code == 200
    return sorted(str(o.pk) for o in response.context["cl"].result_list)


@pytest.fixture
def facilities():
    FacilityFactory(code="H32050800001", county="320508", name="姑苏人民医院")
    FacilityFactory(code="H32050800002", county="320508", name="姑苏中医医院")
    FacilityFactory(code="H32058300001", county="320583", name="昆山Aier眼科医院")


def test_the_admin_finds_a_facility_by_its_full_code_typed_in_lower_case(admin_client_for, facilities):
    assert listed(admin_client_for("000000").get(LIST, {"q": "h32050800002"})) == ["H32050800002"]


def test_every_word_of_an_admin_search_must_match(admin_client_for, facilities):
    client = admin_client_for("000000")
    assert listed(client.get(LIST, {"q": "姑苏 医院"})) == ["H32050800001", "H32050800002"]
    assert listed(client.get(LIST, {"q": "姑苏 人民"})) == ["H32050800001"]
    assert listed(client.get(LIST, {"q": '"姑苏 人民"'})) == []  # a quoted phrase is one term


def test_name_search_ignores_the_case_of_latin_letters(admin_client_for, api_for, facilities):
    assert listed(admin_client_for("000000").get(LIST, {"q": "aIER"})) == ["H32058300001"]
    response = api_for("310000").get("/api/v1/facilities/", {"q": "AIER眼科"})
    assert [f["code"] for f in response.json()["results"]] == ["H32058300001"]


def test_the_admin_search_keeps_to_the_bureaus_region(admin_client_for, facilities):
    assert listed(admin_client_for("320583").get(LIST, {"q": "医院"})) == ["H32058300001"]


def test_the_disease_service_admin_finds_services_by_facility_name_or_code(admin_client_for, facilities):
    service = FacilityDiseaseFactory(facility=Facility.objects.get(code="H32050800002"))
    client = admin_client_for("000000")
    assert listed(client.get("/admin/facilities/facilitydisease/", {"q": "中医"})) == [str(service.pk)]
    assert listed(client.get("/admin/facilities/facilitydisease/", {"q": "h32050800002"})) == [str(service.pk)]
    assert listed(client.get("/admin/facilities/facilitydisease/", {"q": "人民"})) == []


@postgresql_only
def test_on_postgresql_a_name_search_reads_the_trigram_index_not_the_whole_table():
    """Five thousand facilities, the index's pending entries merged and fresh statistics as autovacuum leaves
    them, the planner left free to choose: a search for one name
    goes through ``facility_name_trgm``, for the admin and for the API's ``?q=`` alike."""
    from apps.facilities.api.filters import FacilityFilter

    FacilityFactory(code="H32050800001", county="320508", name="苏州大学附属第一医院")
    now = timezone.now()
    Facility.objects.bulk_create([
        Facility(code=f"P320508{i:05d}", name=f"姑苏{i}号大药房", kind="pharmacy", region_id="320508",
                 created_at=now, updated_at=now)
        for i in range(2, 5002)
    ])
    with connection.cursor() as cursor:  # what autovacuum does after a load (VACUUM cannot run in a test)
        cursor.execute("SELECT gin_clean_pending_list('facility_name_trgm')")
        cursor.execute("ANALYZE facilities_facility")
    admin_qs, _ = _search(Facility.objects.order_by("code"), "附属第一")
    api_qs = FacilityFilter({"q": "附属第一"}, queryset=Facility.objects.order_by("code")).qs
    for qs in (admin_qs, api_qs):
        assert [f.code for f in qs] == ["H32050800001"]
        assert "facility_name_trgm" in qs.explain()
