"""GET /api/v1/facilities/ and /api/v1/coverage/ as API.md fixes them."""
import pytest

from tests.facilities.factories import ChronicDiseaseFactory, FacilityDiseaseFactory, FacilityFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/facilities/"


def codes(response):
    assert response.status_code == 200, response.content
    return sorted(f["code"] for f in response.json()["results"])


@pytest.fixture
def facilities():
    gusu = FacilityFactory(code="H32050800001", county="320508", level="3")
    FacilityDiseaseFactory(facility=gusu, disease=ChronicDiseaseFactory(code="M07800"))
    FacilityDiseaseFactory(facility=gusu, disease=ChronicDiseaseFactory(code="M03900"), status="pending")
    FacilityFactory(code="P32058300001", county="320583", kind="pharmacy", level="0", inpatient=False)
    FacilityFactory(code="H32010200001", county="320102", level="2", outpatient=False, name="南京鼓楼医院")
    FacilityFactory(code="H33010200001", county="330102", level="1", status="suspended")
    return gusu


def test_a_facility_shows_its_services_and_only_confirmed_diseases(api_for, facilities):
    response = api_for("310000").get("/api/v1/facilities/H32050800001/")
    assert response.status_code == 200
    assert response.json() == {
        "code": "H32050800001", "name": facilities.name, "kind": "hospital", "level": "3", "region": "320508",
        "status": "active", "inpatient": True, "outpatient": True, "chronic_diseases": ["M07800"],
    }


def test_an_unknown_code_answers_404(api_for, facilities):
    assert api_for("320000").get("/api/v1/facilities/H32050899999/").status_code == 404


def test_disease_m07803_finds_a_facility_confirmed_for_family_m078(api_for, facilities):
    assert codes(api_for("320000").get(LIST, {"disease": "M07803"})) == ["H32050800001"]


def test_a_pending_disease_does_not_match_the_disease_filter(api_for, facilities):
    assert codes(api_for("320000").get(LIST, {"disease": "M03900"})) == []


def test_region_matches_the_region_and_everything_under_it(api_for, facilities):
    client = api_for("000000")
    assert codes(client.get(LIST, {"region": "320500"})) == ["H32050800001", "P32058300001"]
    assert codes(client.get(LIST, {"region": "320000"})) == ["H32010200001", "H32050800001", "P32058300001"]
    assert codes(client.get(LIST, {"region": "320508"})) == ["H32050800001"]


def test_kind_level_service_and_q_filter_the_list(api_for, facilities):
    client = api_for("000000")
    assert codes(client.get(LIST, {"kind": "pharmacy"})) == ["P32058300001"]
    assert codes(client.get(LIST, {"level": "2"})) == ["H32010200001"]
    assert codes(client.get(LIST, {"service": "inpatient", "region": "320000"})) == ["H32010200001", "H32050800001"]
    assert codes(client.get(LIST, {"service": "outpatient", "region": "320000"})) == ["H32050800001", "P32058300001"]
    assert codes(client.get(LIST, {"service": "chronic"})) == ["H32050800001"]
    assert codes(client.get(LIST, {"q": "鼓楼"})) == ["H32010200001"]
    assert codes(client.get(LIST, {"q": "P32058300001"})) == ["P32058300001"]


def test_facilities_are_reference_data_any_partner_reads(api_for, facilities):
    # a hospital in 浙江 and the 上海 bureau both look up a 苏州 facility
    assert api_for("H33010200001").get("/api/v1/facilities/H32050800001/").status_code == 200
    assert codes(api_for("310000").get(LIST, {"region": "320508"})) == ["H32050800001"]


def test_the_facility_api_is_read_only(api_for, facilities):
    client = api_for("000000")
    assert client.post(LIST, {"code": "H32050800002"}).status_code == 405
    assert client.delete("/api/v1/facilities/H32050800001/").status_code == 405


def test_the_list_takes_a_fixed_number_of_queries(api_for, facilities, django_assert_max_num_queries):
    client = api_for("000000")
    with django_assert_max_num_queries(6):
        client.get(LIST)


def test_an_anonymous_caller_gets_401():
    from rest_framework.test import APIClient

    assert APIClient().get(LIST).status_code in (401, 403)


# --- coverage ---

def test_coverage_of_a_province_per_city_with_uncovered_counties(api_for):
    FacilityFactory(county="640104")
    FacilityFactory(county="640105", kind="pharmacy")
    body = api_for("640000").get("/api/v1/coverage/", {"province": "640000"}).json()
    assert body["province"]["counties"] == 22 and body["province"]["covered"] == 1
    assert body["province"]["share"] == 4.5 and body["province"]["meets_60"] is False
    yinchuan = next(c for c in body["cities"] if c["code"] == "640100")
    assert (yinchuan["counties"], yinchuan["covered"], yinchuan["share"]) == (6, 1, 16.7)
    assert {"code": "640105", "name": "西夏区"} in yinchuan["uncovered"]
    assert len(body["uncovered"]) == 21
    assert body["targets"] == [60, 100]
    assert [d["code"] for d in body["pooling_areas"][0]["diseases"]] == ["M00503", "M01600", "M03900", "M07800",
                                                                        "M08300"]


def test_a_province_bureau_sees_its_own_province_by_default_and_not_another(api_for):
    client = api_for("320500")
    assert client.get("/api/v1/coverage/").json()["province"]["code"] == "320000"
    assert client.get("/api/v1/coverage/", {"province": "330000"}).status_code == 404


def test_national_must_name_a_province_and_a_bad_code_is_a_400(api_for):
    client = api_for("000000")
    assert client.get("/api/v1/coverage/", {"province": "330000"}).json()["province"]["code"] == "330000"
    response = client.get("/api/v1/coverage/")
    assert response.status_code == 400 and "province" in response.json()
    assert client.get("/api/v1/coverage/", {"province": "320500"}).status_code == 400


def test_the_api_root_links_facilities_and_coverage(api_for):
    body = api_for("000000").get("/api/v1/").json()
    assert body["facilities"].endswith("/api/v1/facilities/")
    assert body["coverage"].endswith("/api/v1/coverage/")
