"""Messages to partners are in Chinese by default and in English with Accept-Language: en (API.md)."""
import datetime as dt

import pytest

from apps.settlement.models import Clearing
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import SettlementFactory, settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"
BULK = "/api/v1/settlements/bulk/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def suspend(facility):
    facility.status = "suspended"
    facility.save(update_fields=["status"])


def test_a_field_error_of_a_settlement_is_english_on_request_and_chinese_by_default(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code, cash_paid="29.00")
    english = hospital_api.post(URL, body, format="json", **EN)
    assert english.status_code == 400
    assert english.json()["total_amount"] == [
        "Fund, personal account and cash payments must add up to the total amount."]
    chinese = hospital_api.post(URL, body, format="json")
    assert chinese.json()["total_amount"] == ["统筹基金、个人账户与个人现金支付之和应等于医疗总费用。"]


def test_a_wrong_id_number_is_explained_in_english(hospital_api, hospital):
    response = hospital_api.post(URL, settlement_payload(facility=hospital.code, id_number="310115196005170010"),
                                 format="json", **EN)
    assert response.status_code == 400
    assert "ID number" in response.json()["id_number"][0]


def test_a_number_reused_for_different_content_answers_409_in_english(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code)
    assert hospital_api.post(URL, body, format="json").status_code == 201
    changed = {**body, "total_amount": "200.00", "cash_paid": "130.00"}
    response = hospital_api.post(URL, changed, format="json", **EN)
    assert response.status_code == 409
    assert "reverse it and report again under a new number" in response.json()["number"][0]


def test_a_suspended_facility_is_told_in_english(hospital_api, hospital):
    suspend(hospital)
    response = hospital_api.post(URL, settlement_payload(facility=hospital.code), format="json", **EN)
    assert response.status_code == 400
    assert "suspended" in response.json()["facility"][0]


def test_the_errors_of_each_bulk_item_are_english_on_request(api_for, hospital):
    suspended = FacilityFactory(county="320508")
    suspend(suspended)
    bad_item = settlement_payload(facility=hospital.code)
    bad_item["items"] = [{"code": "X1", "name": "阿莫西林", "category": "food", "quantity": "1", "unit_price": "1",
                          "amount": "1.00"}]
    items = [
        settlement_payload(facility=hospital.code, eligible_amount="100.01"),
        settlement_payload(facility="H32050899999"),
        settlement_payload(facility=suspended.code),
        bad_item,
    ]
    response = api_for("320508").post(BULK, {"settlements": items}, format="json", **EN)
    assert response.status_code == 200
    errors = [r["errors"] for r in response.json()["results"]]
    assert errors[0] == {"eligible_amount": ["The eligible amount may not exceed the total amount."]}
    assert errors[1] == {"facility": ["The facility code does not exist or this account may not report for it."]}
    assert "suspended" in errors[2]["facility"][0]
    assert errors[3] == {"items": ["Item 1 category: Must be drug, service or material."]}


def test_an_english_bulk_leaves_the_next_request_in_chinese(api_for, hospital):
    items = [settlement_payload(facility=hospital.code, eligible_amount="100.01")]
    bureau = api_for("320508")
    bureau.post(BULK, {"settlements": items}, format="json", **EN)
    response = bureau.post(BULK, {"settlements": items}, format="json")
    assert response.json()["results"][0]["errors"] == {"eligible_amount": ["政策范围内费用不能大于医疗总费用。"]}


def test_a_bulk_without_a_list_is_refused_in_english(hospital_api):
    response = hospital_api.post(BULK, {"rows": []}, format="json", **EN)
    assert response.status_code == 400
    assert response.json()["settlements"] == ["Send the settlements as a list named settlements."]


@pytest.fixture
def reported(hospital_api, hospital):
    body = settlement_payload(facility=hospital.code)
    assert hospital_api.post(URL, body, format="json").status_code == 201
    return body["number"]


def reverse(client, number, **extra):
    return client.post(f"{URL}{number}/reverse/", {"reason": "患者退费"}, format="json", **extra)


def test_reversing_twice_answers_409_in_english_and_in_chinese(hospital_api, reported):
    reverse(hospital_api, reported)
    english = reverse(hospital_api, reported, **EN)
    assert english.status_code == 409
    assert english.json()["non_field_errors"] == ["This settlement has already been reversed."]
    assert reverse(hospital_api, reported).json()["non_field_errors"] == ["该结算已冲正，不能重复冲正。"]


def test_the_insured_side_is_refused_reversal_in_english(api_for, reported):
    response = reverse(api_for("310000"), reported, **EN)
    assert response.status_code == 403
    assert "Only the treatment area's agency" in response.json()["non_field_errors"][0]


@pytest.fixture
def march(db):
    from apps.settlement import services

    SettlementFactory(settled_at=dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC), fund_paid=60)
    services.build_clearing(period=dt.date(2026, 3, 1))
    return Clearing.objects.get()


def act(client, clearing, action, **extra):
    return client.post(f"/api/v1/clearings/{clearing.pk}/{action}/", **extra)


def test_a_province_that_may_not_declare_is_told_in_english(api_for, march):
    response = act(api_for("310000"), march, "declare", **EN)
    assert response.status_code == 403
    assert response.json()["non_field_errors"] == [
        "Only the healthcare security bureau of the treatment province may do this."]
    assert act(api_for("310000"), march, "declare").json()["non_field_errors"] == ["只有就医省医疗保障局可以办理此操作。"]


def test_a_step_out_of_order_answers_409_naming_the_status_in_english(api_for, march):
    shanghai = api_for("310000")
    response = act(shanghai, march, "confirm", **EN)
    assert response.status_code == 409
    assert response.json()["non_field_errors"] == ["The clearing is draft; this step is not possible now."]
    assert act(shanghai, march, "confirm").json()["non_field_errors"] == ["当前状态为“待申报”，不能办理此操作。"]


def test_a_clearing_out_of_scope_is_not_found_in_english(api_for, march):
    response = act(api_for("320500"), march, "declare", **EN)
    assert response.status_code == 404
    assert response.json()["non_field_errors"] == ["Clearing record not found."]
