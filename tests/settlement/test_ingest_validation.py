"""Each rule a reported settlement must meet, and the field it is reported under."""
import pytest

from apps.settlement.models import Settlement
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"


def post(client, **fields):
    return client.post(URL, settlement_payload(**fields), format="json")


@pytest.mark.parametrize("fields, field", [
    ({"fund_paid": "-1.00", "cash_paid": "91.00"}, "fund_paid"),
    ({"fund_paid": "60.001", "cash_paid": "29.999"}, "fund_paid"),
    ({"cash_paid": "29.00"}, "total_amount"),
    ({"eligible_amount": "100.01"}, "eligible_amount"),
    ({"service_start": "2026-03-11"}, "service_end"),
    ({"settled_at": "2026-03-09T10:00:00+08:00"}, "settled_at"),
    ({"visit_type": "chronic"}, "disease_code"),
    ({"visit_type": "dental"}, "visit_type"),
    ({"id_number": "310115196005170010"}, "id_number"),
    ({"insured_region": "999999"}, "insured_region"),
    ({"total_amount": 100.0}, "total_amount"),
    ({"service_end": "2099-01-02", "settled_at": "2099-01-02T10:00:00+08:00"}, "settled_at"),
])
def test_invalid_content_is_refused_with_the_field_at_fault(hospital_api, hospital, fields, field):
    response = post(hospital_api, facility=hospital.code, **fields)
    assert response.status_code == 400
    assert field in response.data, response.data
    assert Settlement.objects.count() == 0


def test_an_unknown_facility_is_refused(hospital_api):
    response = post(hospital_api, facility="H32050899999")
    assert response.status_code == 400 and "facility" in response.data


def test_a_facility_cannot_report_for_another_facility(hospital_api):
    other = FacilityFactory(county="320508")
    response = post(hospital_api, facility=other.code)
    assert response.status_code == 400 and "facility" in response.data


def test_a_bureau_reports_for_facilities_in_its_region_only(api_for, hospital):
    elsewhere = FacilityFactory(county="330106")
    suzhou = api_for("320500")
    assert post(suzhou, facility=hospital.code).status_code == 201
    assert post(suzhou, facility=elsewhere.code).status_code == 400


def test_a_chronic_visit_with_its_disease_code_is_accepted(hospital_api, hospital):
    response = post(hospital_api, facility=hospital.code, visit_type="chronic", disease_code="M03900")
    assert response.status_code == 201
    assert response.data["disease_code"] == "M03900"


def test_a_failed_request_changes_nothing(hospital_api, hospital):
    post(hospital_api, facility=hospital.code, cash_paid="1.00")
    assert Settlement.objects.count() == 0
