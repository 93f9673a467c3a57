"""The bulk endpoint judges each item on its own and answers per item, in order."""
import pytest

from apps.settlement.models import Settlement
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/bulk/"


def test_a_mixed_bulk_answers_per_item_in_order_and_saves_exactly_the_good_ones(hospital_api, hospital):
    stored = settlement_payload(facility=hospital.code)
    assert hospital_api.post("/api/v1/settlements/", stored, format="json").status_code == 201
    good1 = settlement_payload(facility=hospital.code)
    good2 = settlement_payload(facility=hospital.code, visit_type="inpatient", service_end="2026-03-15",
                               settled_at="2026-03-15T16:00:00+08:00")
    bad_sum = settlement_payload(facility=hospital.code, cash_paid="31.00")
    conflicting = {**stored, "total_amount": "200.00", "cash_paid": "130.00"}
    chronic_without_code = settlement_payload(facility=hospital.code, visit_type="chronic")
    items = [good1, stored, bad_sum, conflicting, good2, chronic_without_code, good1]

    response = hospital_api.post(URL, {"settlements": items}, format="json")

    assert response.status_code == 200
    outcomes = [r["outcome"] for r in response.data["results"]]
    assert outcomes == ["created", "duplicate", "invalid", "conflict", "created", "invalid", "duplicate"]
    assert [r["number"] for r in response.data["results"]] == [i["number"] for i in items]
    assert "total_amount" in response.data["results"][2]["errors"]
    assert "disease_code" in response.data["results"][5]["errors"]
    assert set(Settlement.objects.values_list("number", flat=True)) == {stored["number"], good1["number"],
                                                                       good2["number"]}
    assert Settlement.objects.get(number=stored["number"]).total_amount == 100
    assert response.data["created"] == 2 and response.data["invalid"] == 2


def test_items_of_a_bulk_settlement_are_stored_with_it(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code, items=[
        {"code": "XA01", "name": "氨氯地平片", "category": "drug", "quantity": "2", "unit_price": "12.5000",
         "amount": "25.00", "days_supply": 30},
        {"code": "F001", "name": "诊查费", "category": "service", "quantity": "1", "unit_price": "75.0000",
         "amount": "75.00"},
    ])
    hospital_api.post(URL, {"settlements": [body]}, format="json")
    settlement = Settlement.objects.get(number=body["number"])
    assert sorted(settlement.items.values_list("code", "amount")) == [("F001", 75), ("XA01", 25)]


def test_more_than_a_thousand_items_are_refused_as_a_whole(hospital_api, hospital):
    items = [settlement_payload(facility=hospital.code) for _ in range(1001)]
    response = hospital_api.post(URL, {"settlements": items}, format="json")
    assert response.status_code == 400
    assert Settlement.objects.count() == 0


def test_a_bulk_without_a_settlements_list_is_a_400(hospital_api):
    assert hospital_api.post(URL, {"rows": []}, format="json").status_code == 400
