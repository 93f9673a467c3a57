"""Reporting the same settlement again is safe; a different one under a used number is refused."""
from unittest import mock

import pytest

from apps.settlement import services
from apps.settlement.models import Settlement
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"


def test_a_new_settlement_is_created_with_201(hospital_api, hospital):
    response = hospital_api.post(URL, settlement_payload(facility=hospital.code), format="json")
    assert response.status_code == 201, response.data
    assert response.data["fund_paid"] == "60.00"
    assert response.data["treatment_region"] == "320508"
    assert Settlement.objects.count() == 1


def test_a_retry_with_the_same_content_answers_200_with_the_stored_record_and_creates_nothing(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code)
    first = hospital_api.post(URL, body, format="json")
    again = hospital_api.post(URL, body, format="json")
    assert again.status_code == 200
    assert again.data == first.data
    assert Settlement.objects.filter(number=body["number"]).count() == 1


def test_a_retry_with_the_same_content_in_another_json_shape_is_still_a_retry(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code)
    hospital_api.post(URL, body, format="json")
    reshaped = {**body, "total_amount": "100.0", "settled_at": "2026-03-10T02:00:00Z", "id_number": body["id_number"].lower()}
    assert hospital_api.post(URL, reshaped, format="json").status_code == 200


def test_the_same_number_with_different_content_answers_409_and_keeps_the_first(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code)
    hospital_api.post(URL, body, format="json")
    changed = {**body, "total_amount": "120.00", "cash_paid": "50.00"}
    response = hospital_api.post(URL, changed, format="json")
    assert response.status_code == 409
    assert "number" in response.data
    assert Settlement.objects.get(number=body["number"]).total_amount == 100


def test_two_identical_requests_racing_past_the_lookup_store_one_row_and_both_succeed(hospital, api_for):
    """The second request misses the first in its lookup; the unique number catches it at insert time."""
    body = settlement_payload(facility=hospital.code)
    org = api_for(hospital.code).user.organisation
    first, outcome = services.ingest_settlement(actor=None, organisation=org, data=body)
    assert outcome == "created"
    real_filter = Settlement.objects.filter

    def blind_lookup(*args, **kwargs):  # as if the other request had not committed yet when we looked
        if "number__in" in kwargs:
            return Settlement.objects.none()
        return real_filter(*args, **kwargs)

    with mock.patch.object(Settlement.objects, "filter", side_effect=blind_lookup):
        second, outcome = services.ingest_settlement(actor=None, organisation=org, data=body)
    assert outcome == "duplicate"
    assert second.pk == first.pk
    assert Settlement.objects.filter(number=body["number"]).count() == 1


def test_a_racing_request_with_different_content_gets_409(hospital, api_for):
    body = settlement_payload(facility=hospital.code)
    org = api_for(hospital.code).user.organisation
    services.ingest_settlement(actor=None, organisation=org, data=body)
    real_filter = Settlement.objects.filter

    def blind_lookup(*args, **kwargs):
        if "number__in" in kwargs:
            return Settlement.objects.none()
        return real_filter(*args, **kwargs)

    with mock.patch.object(Settlement.objects, "filter", side_effect=blind_lookup):
        with pytest.raises(services.Conflict):
            services.ingest_settlement(actor=None, organisation=org, data={**body, "name": "李四"})
    assert Settlement.objects.get(number=body["number"]).name == "张三"
