"""A suspended facility reports no new settlements; retries of what it stored before the suspension stay safe."""
import pytest

from apps.settlement.models import Settlement
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"
BULK = "/api/v1/settlements/bulk/"


def suspend(facility):
    facility.status = "suspended"
    facility.save(update_fields=["status"])


def test_a_suspended_facility_cannot_report_a_new_settlement(hospital_api, hospital):
    suspend(hospital)
    response = hospital_api.post(URL, settlement_payload(facility=hospital.code), format="json")
    assert response.status_code == 400
    assert "暂停" in response.data["facility"][0]
    assert not Settlement.objects.exists()


def test_a_county_bureau_cannot_report_for_a_suspended_facility_either(api_for, hospital):
    suspend(hospital)
    response = api_for("320508").post(URL, settlement_payload(facility=hospital.code), format="json")
    assert response.status_code == 400 and "facility" in response.data
    assert not Settlement.objects.exists()


def test_a_retry_of_a_settlement_stored_before_the_suspension_still_answers_200(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code)
    first = hospital_api.post(URL, body, format="json")
    assert first.status_code == 201
    suspend(hospital)
    again = hospital_api.post(URL, body, format="json")
    assert again.status_code == 200
    assert again.data == first.data
    assert Settlement.objects.filter(number=body["number"]).count() == 1


def test_a_bulk_from_a_suspended_facility_marks_new_items_invalid_and_retries_duplicate(hospital_api, hospital):
    stored = settlement_payload(facility=hospital.code)
    assert hospital_api.post(URL, stored, format="json").status_code == 201
    suspend(hospital)
    new = settlement_payload(facility=hospital.code)
    response = hospital_api.post(BULK, {"settlements": [new, stored, new]}, format="json")
    assert response.status_code == 200
    results = response.data["results"]
    assert [r["outcome"] for r in results] == ["invalid", "duplicate", "invalid"]
    assert "暂停" in results[0]["errors"]["facility"][0]
    assert response.data["created"] == 0 and response.data["invalid"] == 2
    assert list(Settlement.objects.values_list("number", flat=True)) == [stored["number"]]


def test_a_bulk_mixing_an_active_and_a_suspended_facility_stores_only_the_active_ones(api_for, hospital):
    other = FacilityFactory(county="320508")
    suspend(other)
    good = settlement_payload(facility=hospital.code)
    refused = settlement_payload(facility=other.code)
    response = api_for("320508").post(BULK, {"settlements": [refused, good]}, format="json")
    assert [r["outcome"] for r in response.data["results"]] == ["invalid", "created"]
    assert list(Settlement.objects.values_list("number", flat=True)) == [good["number"]]
