"""Cost review: the insured side asks the treatment region's bureau, then concludes; scope holds throughout."""
from decimal import Decimal

import pytest

from apps.coordination.models import Ticket
from apps.supervision.models import Flag, FlagStatus
from apps.supervision.services import run_scan
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_claim_flag():
    f.plant_large_inpatient()  # 上海浦东 insured, treated at a 苏州姑苏区 hospital
    run_scan(all_settlements=True)
    return Flag.objects.get(rule_id="LARGE_INPATIENT")


def test_requesting_review_opens_a_cost_review_ticket_held_by_the_treatment_regions_bureau(api_for, large_claim_flag):
    response = api_for("310000").post(f"/api/v1/flags/{large_claim_flag.pk}/request-review/", {"note": "请核查"},
                                      format="json")
    assert response.status_code == 200, response.data
    large_claim_flag.refresh_from_db()
    ticket = large_claim_flag.ticket
    assert (response.data["status"], response.data["ticket"]) == ("reviewing", ticket.number)
    assert (ticket.category, ticket.holder.code, ticket.raised_by.code) == ("cost_review", "320508", "310000")
    assert ticket.settlement_id == large_claim_flag.settlement_id
    assert list(ticket.flags.all()) == [large_claim_flag]


def test_concluding_a_reviewed_flag_records_the_recovery(api_for, large_claim_flag):
    api = api_for("310115")
    api.post(f"/api/v1/flags/{large_claim_flag.pk}/request-review/", {}, format="json")
    response = api.post(f"/api/v1/flags/{large_claim_flag.pk}/conclude/",
                        {"outcome": "confirmed", "amount_recovered": "4200.50", "note": "超标准收费"}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["amount_recovered"]) == ("confirmed", "4200.50")
    large_claim_flag.refresh_from_db()
    assert large_claim_flag.amount_recovered == Decimal("4200.50") and large_claim_flag.concluded_at
    assert [(e.from_status, e.to_status) for e in large_claim_flag.events.all()] == [
        ("new", "reviewing"), ("reviewing", "confirmed")]


def test_the_treatment_side_can_see_the_flag_but_not_ask_for_review(api_for, large_claim_flag):
    api = api_for("320500")
    assert api.get(f"/api/v1/flags/{large_claim_flag.pk}/").status_code == 200
    assert api.post(f"/api/v1/flags/{large_claim_flag.pk}/request-review/", {}, format="json").status_code == 403
    assert not Ticket.objects.exists()


def test_another_region_cannot_see_or_act_on_the_flag(api_for, large_claim_flag):
    api = api_for("440000")
    assert api.get(f"/api/v1/flags/{large_claim_flag.pk}/").status_code == 404
    assert api.get("/api/v1/flags/").data["results"] == []
    assert api.post(f"/api/v1/flags/{large_claim_flag.pk}/request-review/", {}, format="json").status_code == 404
    assert api.post(f"/api/v1/flags/{large_claim_flag.pk}/conclude/", {"outcome": "dismissed", "note": "x"},
                    format="json").status_code == 404


def test_asking_twice_for_review_is_a_conflict(api_for, large_claim_flag):
    api = api_for("310000")
    api.post(f"/api/v1/flags/{large_claim_flag.pk}/request-review/", {}, format="json")
    response = api.post(f"/api/v1/flags/{large_claim_flag.pk}/request-review/", {}, format="json")
    assert response.status_code == 409
    assert Ticket.objects.count() == 1


def test_confirming_without_a_review_is_a_conflict_and_changes_nothing(api_for, large_claim_flag):
    response = api_for("310000").post(f"/api/v1/flags/{large_claim_flag.pk}/conclude/",
                                      {"outcome": "confirmed", "amount_recovered": "1.00"}, format="json")
    assert response.status_code == 409
    large_claim_flag.refresh_from_db()
    assert large_claim_flag.status == FlagStatus.NEW


def test_confirming_needs_the_amount_and_dismissing_needs_a_reason(api_for, large_claim_flag):
    api = api_for("310000")
    api.post(f"/api/v1/flags/{large_claim_flag.pk}/request-review/", {}, format="json")
    url = f"/api/v1/flags/{large_claim_flag.pk}/conclude/"
    assert "amount_recovered" in api.post(url, {"outcome": "confirmed"}, format="json").data
    assert "note" in api.post(url, {"outcome": "dismissed"}, format="json").data
    large_claim_flag.refresh_from_db()
    assert large_claim_flag.status == FlagStatus.REVIEWING


def test_the_flag_list_filters_by_status_rule_and_region(api_for):
    f.plant_anomalies()
    run_scan(all_settlements=True)
    api = api_for("000000")
    total = Flag.objects.count()
    listed = api.get("/api/v1/flags/", {"page_size": 1000}).data
    assert len(listed["results"]) == total and listed["next"] is None
    dup = api.get("/api/v1/flags/", {"rule": "DUPLICATE"}).data["results"]
    assert {r["rule"] for r in dup} == {"DUPLICATE"} and len(dup) == 2
    nanjing = api.get("/api/v1/flags/", {"treatment_region": "320100"}).data["results"]
    assert {r["treatment_region"] for r in nanjing} == {"320102"}
    assert api.get("/api/v1/flags/", {"insured_region": "440000"}).data["results"] == []
    assert len(api.get("/api/v1/flags/", {"status": "new", "page_size": 1000}).data["results"]) == total
