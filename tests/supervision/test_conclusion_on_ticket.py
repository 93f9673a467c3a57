"""A reviewed flag's conclusion goes on its cost-review ticket, in the same transaction as the conclusion."""
import pytest

from apps.coordination.models import TicketEvent
from apps.supervision.models import Flag, FlagStatus
from apps.supervision.services import run_scan
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_claim_flag():
    f.plant_large_inpatient()  # 上海浦东 insured, treated at a 苏州姑苏区 hospital
    run_scan(all_settlements=True)
    return Flag.objects.get(rule_id="LARGE_INPATIENT")


def review(api, flag):
    response = api.post(f"/api/v1/flags/{flag.pk}/request-review/", {"note": "请核查"}, format="json")
    assert response.status_code == 200, response.data
    return response.data["ticket"]


def conclude(api, flag, **body):
    return api.post(f"/api/v1/flags/{flag.pk}/conclude/", body, format="json")


def test_confirming_closes_the_ticket_and_its_timeline_shows_outcome_amount_and_note(api_for, large_claim_flag):
    shanghai = api_for("310000")
    number = review(shanghai, large_claim_flag)
    response = conclude(shanghai, large_claim_flag, outcome="confirmed", amount_recovered="4200.50",
                        note="重复收取检查费")
    assert response.status_code == 200, response.data
    ticket = api_for("320508").get(f"/api/v1/tickets/{number}/").data  # as the treatment side sees it
    assert ticket["status"] == "closed"
    last = ticket["events"][-1]
    assert (last["kind"], last["organisation"], last["to_status"]) == ("close", "310000", "closed")
    assert "确认违规" in last["note"] and "4200.50" in last["note"] and "重复收取检查费" in last["note"]
    assert large_claim_flag.settlement.number in last["note"]


def test_dismissing_a_reviewed_flag_closes_the_ticket_with_the_reason(api_for, large_claim_flag):
    shanghai = api_for("310000")
    number = review(shanghai, large_claim_flag)
    assert conclude(shanghai, large_claim_flag, outcome="dismissed", note="就医地核实收费无误").status_code == 200
    ticket = shanghai.get(f"/api/v1/tickets/{number}/").data
    assert ticket["status"] == "closed"
    assert "已排除" in ticket["events"][-1]["note"] and "就医地核实收费无误" in ticket["events"][-1]["note"]
    assert "追回金额" not in ticket["events"][-1]["note"]


def test_the_flag_history_names_the_ticket_the_conclusion_went_to(api_for, large_claim_flag):
    shanghai = api_for("310000")
    number = review(shanghai, large_claim_flag)
    conclude(shanghai, large_claim_flag, outcome="dismissed", note="录入错误")
    event = large_claim_flag.events.last()
    assert event.to_status == FlagStatus.DISMISSED
    assert "录入错误" in event.note and f"协查工单 {number} 已记录结论并关闭" in event.note


def test_a_bureau_above_the_raiser_replies_with_the_conclusion_and_leaves_closing_to_the_raiser(api_for,
                                                                                             large_claim_flag):
    number = review(api_for("310115"), large_claim_flag)  # 浦东 asked for the review
    response = conclude(api_for("310000"), large_claim_flag, outcome="confirmed", amount_recovered="100.00")
    assert response.status_code == 200, response.data
    ticket = api_for("310115").get(f"/api/v1/tickets/{number}/").data
    last = ticket["events"][-1]
    assert (last["kind"], last["organisation"]) == ("comment", "310000")
    assert "确认违规" in last["note"] and "100.00" in last["note"]
    assert ticket["status"] == "open" and "close" in ticket["allowed_actions"]


def test_a_bureau_that_cannot_see_the_ticket_cannot_conclude_and_nothing_changes(api_for, large_claim_flag):
    number = review(api_for("310000"), large_claim_flag)  # the 上海 bureau asked; 浦东 cannot see its ticket
    events_before = TicketEvent.objects.filter(ticket__number=number).count()
    response = conclude(api_for("310115"), large_claim_flag, outcome="dismissed", note="无问题")
    assert response.status_code == 403
    assert number in str(response.data)
    large_claim_flag.refresh_from_db()
    assert (large_claim_flag.status, large_claim_flag.note) == (FlagStatus.REVIEWING, "")
    assert TicketEvent.objects.filter(ticket__number=number).count() == events_before


def test_a_ticket_the_raiser_already_closed_does_not_stop_the_conclusion(api_for, large_claim_flag):
    shanghai = api_for("310000")
    number = review(shanghai, large_claim_flag)
    assert shanghai.post(f"/api/v1/tickets/{number}/close/", {"note": "已电话沟通"}, format="json").status_code == 200
    events_before = TicketEvent.objects.filter(ticket__number=number).count()
    response = conclude(shanghai, large_claim_flag, outcome="confirmed", amount_recovered="10.00")
    assert response.status_code == 200, response.data
    assert TicketEvent.objects.filter(ticket__number=number).count() == events_before
    assert f"协查工单 {number} 已关闭，结论未写入工单" in large_claim_flag.events.last().note


def test_dismissing_a_flag_never_reviewed_touches_no_ticket(api_for, large_claim_flag):
    assert conclude(api_for("310000"), large_claim_flag, outcome="dismissed", note="规则误报").status_code == 200
    assert not TicketEvent.objects.exists()
