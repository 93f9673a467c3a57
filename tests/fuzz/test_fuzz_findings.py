"""Faults the API fuzz run found, each reproduced with the input it sent: the fixed answer, and nothing stored."""
import pytest

from apps.core.models import AuditEntry
from apps.settlement.models import Settlement, SettlementItem
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db


def _item(**overrides):
    item = {"code": "XA01", "name": "演示药品", "category": "drug", "quantity": "1", "unit_price": "10.00",
            "amount": "10.00", "days_supply": 30}
    item.update(overrides)
    return item


def _nothing_stored():
    return not Settlement.objects.exists() and not SettlementItem.objects.exists() and not AuditEntry.objects.filter(
        action__startswith="settlement").exists()


@pytest.fixture
def hospital_api(api_for):
    hospital = FacilityFactory(county="320508")
    client = api_for(hospital.code)
    client.facility = hospital
    return client


@pytest.mark.parametrize("category", [{}, [], ["drug"], 1, True])
def test_an_item_category_that_is_not_text_is_a_field_error_not_a_server_error(hospital_api, category):
    # the fuzz run sent "items": [{..., "category": {}}] and got a 500 (TypeError: unhashable type: 'dict')
    body = settlement_payload(facility=hospital_api.facility.code, items=[_item(category=category)])
    response = hospital_api.post("/api/v1/settlements/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"items": ["第1项 category：应为 drug、service 或 material。"]}
    assert _nothing_stored()


@pytest.mark.parametrize("visit_type", [{}, ["outpatient"]])
def test_a_visit_type_that_is_not_text_is_a_field_error_not_a_server_error(hospital_api, visit_type):
    body = settlement_payload(facility=hospital_api.facility.code, visit_type=visit_type)
    response = hospital_api.post("/api/v1/settlements/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"visit_type": ["应为 inpatient、outpatient、chronic 或 pharmacy。"]}
    assert _nothing_stored()


def test_in_a_bulk_such_an_item_is_invalid_on_its_own_and_the_others_are_stored(hospital_api):
    code = hospital_api.facility.code
    bad = settlement_payload(facility=code, items=[_item(category={})])
    good = settlement_payload(facility=code, items=[_item()])
    response = hospital_api.post("/api/v1/settlements/bulk/", {"settlements": [bad, good]}, format="json")
    assert response.status_code == 200
    assert [r["outcome"] for r in response.json()["results"]] == ["invalid", "created"]
    assert response.json()["results"][0]["errors"] == {"items": ["第1项 category：应为 drug、service 或 material。"]}
    assert list(Settlement.objects.values_list("number", flat=True)) == [good["number"]]
