"""The flags API and the conclusion form answer bad input with 400 and a clear message, never 500, and change
nothing: control characters in filters and notes, and amounts that are not plain two-place decimals
(``apps.core.inputs``)."""
import json

import pytest
from django.urls import reverse

from apps.coordination.models import Ticket, TicketEvent
from apps.core.models import AuditEntry
from apps.supervision.models import Flag, FlagEvent, FlagStatus
from apps.supervision.services import run_scan
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
AMOUNT = ["追回金额格式不正确，请填写最多两位小数的金额，例如 1234.50。"]


@pytest.fixture
def flag():
    f.plant_large_inpatient()  # 上海浦东 insured, treated at a 苏州姑苏区 hospital
    run_scan(rule_codes=["LARGE_INPATIENT"], all_settlements=True)
    return Flag.objects.get(rule_id="LARGE_INPATIENT")


@pytest.fixture
def reviewing(api_for, flag):
    response = api_for("310000").post(f"/api/v1/flags/{flag.pk}/request-review/", {}, format="json")
    assert response.status_code == 200, response.data
    flag.refresh_from_db()
    return flag


def state(flag):
    """Everything a conclusion or a review request would write."""
    flag.refresh_from_db()
    return (flag.status, flag.amount_recovered, flag.note, flag.concluded_at, flag.ticket_id,
            FlagEvent.objects.count(), Ticket.objects.count(), TicketEvent.objects.count(),
            AuditEntry.objects.count())


@pytest.mark.parametrize("query", [{"status": "\x00"}, {"rule": "\x00"}, {"rule": "LARGE\x07"},
                                   {"insured_region": "\x00"}, {"treatment_region": "3205\x1b08"}])
def test_a_filter_with_a_control_character_is_refused_with_the_portals_message(api_for, flag, query):
    response = api_for("310000").get("/api/v1/flags/", query)
    assert response.status_code == 400
    (field, messages), = response.json().items()
    assert field in query and messages == ["不能包含控制字符。"]


def test_a_filter_that_is_not_utf_8_is_no_error(api_for, flag):
    response = api_for("310000").get("/api/v1/flags/?rule=%ED%A0%80&status=%FF")
    assert response.status_code == 400 and set(response.json()) == {"status"}
    assert api_for("310000").get("/api/v1/flags/?rule=%ED%A0%80").json()["results"] == []


def test_a_filter_naming_nothing_finds_nothing(api_for, flag):
    api = api_for("310000")
    assert api.get("/api/v1/flags/", {"rule": "x" * 5000}).json()["results"] == []
    assert api.get("/api/v1/flags/", {"insured_region": "9" * 300}).json()["results"] == []
    assert api.get("/api/v1/flags/", {"status": "maybe"}).status_code == 400
    assert [r["id"] for r in api.get("/api/v1/flags/", {"rule": "LARGE_INPATIENT"}).json()["results"]] == [flag.pk]


@pytest.mark.parametrize("amount", ["-0.00", "１２", "1e9", "1E2", "NaN", "Infinity", "12.345", " 1 2", "0x10",
                                    1000.0, True, [], {"a": 1}])
def test_an_amount_that_is_not_a_plain_two_place_decimal_is_refused_and_nothing_changes(api_for, reviewing, amount):
    before = state(reviewing)
    response = api_for("310000").post(f"/api/v1/flags/{reviewing.pk}/conclude/",
                                      {"outcome": "confirmed", "amount_recovered": amount}, format="json")
    assert response.status_code == 400
    assert response.json() == {"amount_recovered": AMOUNT}
    assert state(reviewing) == before and reviewing.status == FlagStatus.REVIEWING


def test_a_malformed_amount_is_refused_before_the_status_is_looked_at(api_for, flag):
    before = state(flag)
    response = api_for("310000").post(f"/api/v1/flags/{flag.pk}/conclude/",
                                      {"outcome": "confirmed", "amount_recovered": "１２"}, format="json", **EN)
    assert response.status_code == 400
    assert response.json() == {"amount_recovered": [
        "The amount to recover is not a valid amount: give a decimal with at most two places, e.g. 1234.50."]}
    assert state(flag) == before


@pytest.mark.parametrize("amount", ["12", "12.5", "12.50", 12])
def test_plain_amounts_are_taken_to_the_cent(api_for, reviewing, amount):
    response = api_for("310000").post(f"/api/v1/flags/{reviewing.pk}/conclude/",
                                      {"outcome": "confirmed", "amount_recovered": amount}, format="json")
    assert response.status_code == 200, response.data
    assert response.json()["amount_recovered"] == f"{float(amount):.2f}"


@pytest.mark.parametrize("note, message", [("核查\x00完毕", "不能包含控制字符。"), ("核查\x07完毕", "不能包含控制字符。"),
                                           ("核查\ud800", "含有无法识别的字符，请检查输入。")])
def test_a_note_with_a_control_character_is_refused_and_nothing_changes(api_for, reviewing, note, message):
    before = state(reviewing)
    body = json.dumps({"outcome": "dismissed", "note": note})  # ASCII JSON: a lone surrogate travels as \ud800
    response = api_for("310000").post(f"/api/v1/flags/{reviewing.pk}/conclude/", body,
                                      content_type="application/json")
    assert response.status_code == 400 and response.json() == {"note": [message]}
    assert state(reviewing) == before


def test_a_review_request_with_a_control_character_in_its_note_opens_no_ticket(api_for, flag):
    before = state(flag)
    response = api_for("310000").post(f"/api/v1/flags/{flag.pk}/request-review/", {"note": "请\x00核查"},
                                      format="json")
    assert response.status_code == 400 and response.json() == {"note": ["不能包含控制字符。"]}
    assert state(flag) == before and flag.status == FlagStatus.NEW


def test_a_multi_line_note_is_fine(api_for, flag):
    response = api_for("310000").post(f"/api/v1/flags/{flag.pk}/conclude/",
                                      {"outcome": "dismissed", "note": "第一行\r\n第二行\t完"}, format="json")
    assert response.status_code == 200, response.data
    flag.refresh_from_db()
    assert flag.note == "第一行\r\n第二行\t完"


def test_the_admin_conclusion_form_refuses_a_full_width_amount_with_the_same_message(admin_client_for, reviewing):
    before = state(reviewing)
    page = admin_client_for("310000").post(reverse("admin:supervision_flag_conclude", args=[reviewing.pk]),
                                           {"outcome": "confirmed", "amount_recovered": "１２", "note": ""})
    assert page.status_code == 200 and AMOUNT[0] in page.content.decode()
    assert state(reviewing) == before


def test_the_admin_conclusion_form_refuses_a_nul_in_the_note(admin_client_for, reviewing):
    before = state(reviewing)
    page = admin_client_for("310000").post(reverse("admin:supervision_flag_conclude", args=[reviewing.pk]),
                                           {"outcome": "dismissed", "amount_recovered": "", "note": "无误\x00"})
    assert page.status_code == 200 and "不能包含控制字符。" in page.content.decode()
    assert state(reviewing) == before
