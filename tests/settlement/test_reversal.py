"""A refund (冲正/退费) marks the settlement reversed; it is never deleted and cannot be reversed twice."""
import pytest

from apps.core.models import AuditEntry
from apps.settlement.models import Settlement
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code)
    assert hospital_api.post("/api/v1/settlements/", body, format="json").status_code == 201
    return body["number"]


def reverse(client, number, reason="患者退费"):
    return client.post(f"/api/v1/settlements/{number}/reverse/", {"reason": reason}, format="json")


def test_reversing_marks_the_settlement_reversed_with_reason_and_time(hospital_api, reported):
    response = reverse(hospital_api, reported)
    assert response.status_code == 200
    assert response.data["reversed"] is True
    stored = Settlement.objects.get(number=reported)
    assert stored.reversed_at is not None and stored.reversal_reason == "患者退费"
    assert AuditEntry.objects.filter(action="settlement.reverse", object_id=str(stored.pk)).exists()


def test_reversing_twice_answers_409(hospital_api, reported):
    reverse(hospital_api, reported)
    assert reverse(hospital_api, reported).status_code == 409


def test_a_reason_is_required(hospital_api, reported):
    assert reverse(hospital_api, reported, reason="").status_code == 400
    assert Settlement.objects.get(number=reported).reversed_at is None


def test_the_treatment_regions_bureau_may_reverse(api_for, reported):
    assert reverse(api_for("320500"), reported).status_code == 200


def test_the_insured_side_sees_the_settlement_but_may_not_reverse_it(api_for, reported):
    shanghai = api_for("310000")
    assert shanghai.get(f"/api/v1/settlements/{reported}/").status_code == 200
    assert reverse(shanghai, reported).status_code == 403


def test_an_unrelated_bureau_gets_404(api_for, reported):
    assert reverse(api_for("440000"), reported).status_code == 404
