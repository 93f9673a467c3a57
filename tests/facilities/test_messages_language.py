"""The facilities and coverage API answer in English with Accept-Language: en, in Chinese without (API.md)."""
import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.facilities.factories import ChronicDiseaseFactory, FacilityDiseaseFactory, FacilityFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/facilities/"
COVERAGE = "/api/v1/coverage/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_an_unknown_region_filter_is_a_400_in_english_on_request_and_in_chinese_by_default(api_for):
    client = api_for("000000")
    english = client.get(LIST, {"region": "329999"}, **EN)
    assert english.status_code == 400
    assert english.json() == {"region": ['The region code "329999" does not exist; give a 6-digit region code.']}
    chinese = client.get(LIST, {"region": "329999"})
    assert chinese.status_code == 400
    assert chinese.json() == {"region": ["区划代码「329999」不存在，请填写6位行政区划代码。"]}


def test_a_malformed_disease_filter_is_a_400_in_english_on_request_and_in_chinese_by_default(api_for):
    client = api_for("000000")
    english = client.get(LIST, {"disease": "diabetes"}, **EN)
    assert english.status_code == 400
    assert "is malformed: it is M followed by 5 digits" in english.json()["disease"][0]
    assert "格式错误" in client.get(LIST, {"disease": "diabetes"}).json()["disease"][0]


def test_a_valid_region_and_disease_still_filter_the_list(api_for):
    gusu = FacilityFactory(code="H32050800001", county="320508")
    FacilityDiseaseFactory(facility=gusu, disease=ChronicDiseaseFactory(code="M07800"))
    FacilityFactory(code="H32010200001", county="320102")
    response = api_for("000000").get(LIST, {"region": "320500", "disease": "m07803"}, **EN)
    assert response.status_code == 200
    assert [f["code"] for f in response.json()["results"]] == ["H32050800001"]


def test_a_bad_choice_filter_is_explained_in_english_on_request(api_for):
    client = api_for("000000")
    english = client.get(LIST, {"kind": "clinic"}, **EN)
    assert english.status_code == 400
    assert "not one of the available choices" in english.json()["kind"][0]
    assert "不在可用的选项中" in client.get(LIST, {"kind": "clinic"}).json()["kind"][0]


def test_an_unknown_or_malformed_facility_code_is_a_json_404_in_either_language(api_for):
    client = api_for("320000")
    assert client.get(f"{LIST}H32050899999/", **EN).json() == {"detail": "Not found."}
    assert client.get(f"{LIST}H32050899999/").json() == {"detail": "未找到。"}
    malformed = client.get(f"{LIST}h3205/", **EN)
    assert malformed.status_code == 404 and malformed.json() == {"detail": "Not found."}


def test_coverage_without_a_province_is_a_400_in_english_on_request(api_for):
    client = api_for("000000")
    english = client.get(COVERAGE, **EN)
    assert english.status_code == 400
    assert english.json() == {"province": ["Name a province (province=the province's region code)."]}
    assert client.get(COVERAGE).json() == {"province": ["请指定省份（province=省级区划代码）。"]}


def test_coverage_of_a_city_code_is_a_400_in_english_on_request(api_for):
    response = api_for("000000").get(COVERAGE, {"province": "320500"}, **EN)
    assert response.status_code == 400
    assert response.json() == {"province": ["320500 is not a province-level region code."]}


def test_coverage_of_another_province_is_a_404_in_english_on_request(api_for):
    client = api_for("320500")
    english = client.get(COVERAGE, {"province": "330000"}, **EN)
    assert english.status_code == 404
    assert english.json() == {"province": ["No coverage found for this province."]}
    assert client.get(COVERAGE, {"province": "330000"}).json() == {"province": ["未找到该省的覆盖情况。"]}


def test_an_account_without_an_organisation_gets_a_403_in_english_on_request():
    client = APIClient()
    client.force_authenticate(user=UserFactory(organisation=None))
    for url in (LIST, COVERAGE):
        english = client.get(url, **EN)
        assert english.status_code == 403
        assert english.json() == {"detail": "This account does not act for any organisation and may not use the API."}
        assert client.get(url).json() == {"detail": "该账户未关联任何机构，无权访问。"}
