"""What the flags API tells a partner is in Chinese by default and in English with Accept-Language: en (API.md);
texts kept as data (the conclusion on the ticket, the flag's history) stay Chinese whatever the caller's language."""
import pytest

from apps.coordination.models import TicketEvent
from apps.supervision.models import Flag, FlagStatus
from apps.supervision.services import run_scan
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def flag():
    f.plant_large_inpatient()  # 上海浦东 insured, treated at a 苏州姑苏区 hospital
    run_scan(all_settlements=True)
    return Flag.objects.get(rule_id="LARGE_INPATIENT")


def review_url(flag):
    return f"/api/v1/flags/{flag.pk}/request-review/"


def conclude_url(flag):
    return f"/api/v1/flags/{flag.pk}/conclude/"


def test_confirming_without_the_amount_is_explained_in_english_on_request_and_in_chinese_by_default(api_for, flag):
    api = api_for("310000")
    api.post(review_url(flag), {}, format="json")
    english = api.post(conclude_url(flag), {"outcome": "confirmed"}, format="json", **EN)
    assert english.status_code == 400
    assert english.json() == {"amount_recovered": ["Give the amount to recover when confirming."]}
    chinese = api.post(conclude_url(flag), {"outcome": "confirmed"}, format="json")
    assert chinese.json() == {"amount_recovered": ["确认违规时请填写追回金额。"]}


def test_dismissing_without_a_reason_is_explained_in_english(api_for, flag):
    response = api_for("310000").post(conclude_url(flag), {"outcome": "dismissed"}, format="json", **EN)
    assert response.status_code == 400
    assert response.json() == {"note": ["Give the reason when dismissing."]}


def test_an_amount_above_the_total_cost_names_the_total_in_english(api_for, flag):
    api = api_for("310000")
    api.post(review_url(flag), {}, format="json")
    too_much = str(flag.settlement.total_amount + 1)
    response = api.post(conclude_url(flag), {"outcome": "confirmed", "amount_recovered": too_much},
                        format="json", **EN)
    assert response.status_code == 400
    assert response.json()["amount_recovered"] == [
        f"The amount to recover must be between 0 and the total cost of {flag.settlement.total_amount} yuan."]


def test_an_unknown_outcome_is_refused_in_english(api_for, flag):
    response = api_for("310000").post(conclude_url(flag), {"outcome": "maybe", "note": "x"}, format="json", **EN)
    assert response.status_code == 400
    assert response.json()["outcome"] == ['"maybe" is not a valid choice.']


def test_asking_twice_for_review_is_a_conflict_named_by_status_code_in_english_and_label_in_chinese(api_for, flag):
    api = api_for("310000")
    api.post(review_url(flag), {}, format="json")
    english = api.post(review_url(flag), {}, format="json", **EN)
    assert english.status_code == 409
    assert english.json() == {"non_field_errors": [
        "The flag is reviewing; a cost review can no longer be requested."]}
    chinese = api.post(review_url(flag), {}, format="json")
    assert chinese.json() == {"non_field_errors": ["该可疑结算当前为“协查中”，不能再发起协查。"]}


def test_confirming_without_a_review_is_a_conflict_in_english(api_for, flag):
    response = api_for("310000").post(conclude_url(flag), {"outcome": "confirmed", "amount_recovered": "1.00"},
                                      format="json", **EN)
    assert response.status_code == 409
    assert response.json()["non_field_errors"] == ["The flag is new; it can be confirmed only after a cost review."]


def test_concluding_a_concluded_flag_is_a_conflict_in_english(api_for, flag):
    api = api_for("310000")
    assert api.post(conclude_url(flag), {"outcome": "dismissed", "note": "规则误报"}, format="json").status_code == 200
    response = api.post(conclude_url(flag), {"outcome": "dismissed", "note": "again"}, format="json", **EN)
    assert response.status_code == 409
    assert response.json()["non_field_errors"] == ["The flag is dismissed and already concluded."]


def test_the_treatment_side_is_refused_in_english_on_request_and_in_chinese_by_default(api_for, flag):
    api = api_for("320500")
    english = api.post(review_url(flag), {}, format="json", **EN)
    assert english.status_code == 403
    assert english.json() == {"non_field_errors": [
        "Only the insured region's bureau may request a cost review or conclude the flag."]}
    chinese = api.post(review_url(flag), {}, format="json")
    assert chinese.json() == {"non_field_errors": ["只有参保地经办机构可以发起协查或作出结论。"]}


def test_a_flag_outside_the_scope_is_not_found_in_english(api_for, flag):
    api = api_for("440000")
    assert api.post(review_url(flag), {}, format="json", **EN).json() == {"non_field_errors": ["Flag not found."]}
    response = api.post(conclude_url(flag), {"outcome": "dismissed", "note": "x"}, format="json", **EN)
    assert response.status_code == 404
    assert response.json() == {"non_field_errors": ["Flag not found."]}


def test_a_bureau_that_cannot_see_the_ticket_is_told_in_english_and_the_ticket_stays_untouched(api_for, flag):
    api_for("310000").post(review_url(flag), {}, format="json")  # the 上海 bureau asked; 浦东 cannot see it
    flag.refresh_from_db()
    number = flag.ticket.number
    response = api_for("310115").post(conclude_url(flag), {"outcome": "dismissed", "note": "无问题"},
                                      format="json", **EN)
    assert response.status_code == 403
    message = response.json()["non_field_errors"][0]
    assert message.startswith(f"The flag's cost-review ticket {number} was raised by ")
    assert "may not record the conclusion" in message
    flag.refresh_from_db()
    assert flag.status == FlagStatus.REVIEWING


def test_a_wrong_status_filter_is_explained_in_english_on_request_and_in_chinese_by_default(api_for, flag):
    api = api_for("310000")
    english = api.get("/api/v1/flags/", {"status": "open"}, **EN)
    assert english.status_code == 400
    assert english.json() == {"status": ["Select a valid choice. open is not one of the available choices."]}
    chinese = api.get("/api/v1/flags/", {"status": "open"})
    assert chinese.status_code == 400
    assert chinese.json() == {"status": ["选择一个有效的选项。 open 不在可用的选项中。"]}


def test_the_conclusion_written_to_the_ticket_stays_chinese_for_an_english_caller(api_for, flag):
    api = api_for("310000")
    api.post(review_url(flag), {}, format="json", **EN)
    response = api.post(conclude_url(flag), {"outcome": "confirmed", "amount_recovered": "10.00"},
                        format="json", **EN)
    assert response.status_code == 200, response.data
    assert TicketEvent.objects.filter(ticket__flags=flag).last().note.startswith("费用协查结论：")
    assert "已记录结论并关闭" in flag.events.last().note
