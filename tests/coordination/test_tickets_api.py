"""The tickets API as API.md fixes it: raise, read with the timeline, list with filters, act."""
import datetime as dt
from unittest import mock

import pytest

from apps.coordination.models import Ticket
from apps.coordination.workdays import CHINA
from tests.coordination.factories import TicketFactory
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db

BODY = {"category": "settlement_failure", "title": "跨省住院结算失败", "description": "出院结算提示参保地超时。"}


def test_a_facility_raises_a_ticket_that_lands_at_its_county(api_for):
    hospital = FacilityFactory(county="320508")
    response = api_for(hospital.code).post("/api/v1/tickets/", BODY, format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["holder"], data["tier"], data["status"], data["raised_by"]) == (
        "320508", "county", "open", hospital.code)
    assert data["overdue"] is False
    assert [e["kind"] for e in data["events"]] == ["raised"]
    assert data["events"][0]["to_holder"] == "320508"


def test_the_detail_shows_due_time_with_offset_and_overdue(api_for):
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2025, 11, 3, 10, tzinfo=CHINA)):
        ticket = TicketFactory(raiser="320508", category="settlement_failure")
    data = api_for("320500").get(f"/api/v1/tickets/{ticket.number}/").json()
    assert data["due_at"] == "2025-11-04T23:59:59+08:00"
    assert data["overdue"] is True
    assert data["category"] == "settlement_failure"


def test_raising_with_an_unknown_category_is_refused_on_the_field(api_for):
    response = api_for("320508").post("/api/v1/tickets/", {**BODY, "category": "gossip"}, format="json")
    assert response.status_code == 400 and "category" in response.json()
    assert not Ticket.objects.exists()


def test_raising_about_a_settlement_links_it(api_for):
    settlement = SettlementFactory(facility=FacilityFactory(county="320508"))
    response = api_for("320508").post("/api/v1/tickets/", {**BODY, "settlement": settlement.number},
                                      format="json")
    assert response.status_code == 201
    assert response.json()["settlement"] == settlement.number


def test_raising_about_a_settlement_outside_your_scope_is_refused(api_for):
    settlement = SettlementFactory(facility=FacilityFactory(county="320508"))  # insured 上海, treated 苏州
    response = api_for("510000").post("/api/v1/tickets/", {**BODY, "settlement": settlement.number},
                                      format="json")
    assert response.status_code == 400 and "settlement" in response.json()
    assert not Ticket.objects.exists()


def test_the_holder_comments_and_the_timeline_shows_who_said_what(api_for):
    ticket = TicketFactory(raiser="320508")
    client = api_for("320500")
    response = client.post(f"/api/v1/tickets/{ticket.number}/comment/", {"note": "已受理。"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "in_progress"
    last = data["events"][-1]
    assert (last["kind"], last["organisation"], last["actor"], last["note"]) == (
        "comment", "320500", client.user.username, "已受理。")


def test_escalate_through_the_api_moves_the_ticket_up(api_for):
    ticket = TicketFactory(raiser="320508")
    response = api_for("320500").post(f"/api/v1/tickets/{ticket.number}/escalate/", {"note": "上报。"},
                                      format="json")
    assert response.status_code == 200
    assert (response.json()["holder"], response.json()["tier"]) == ("320000", "province")


def test_transfer_through_the_api_moves_the_ticket_to_the_named_bureau(api_for):
    ticket = TicketFactory(raiser="320508")
    response = api_for("320500").post(f"/api/v1/tickets/{ticket.number}/transfer/",
                                      {"to": "310000", "note": "请参保地核实。"}, format="json")
    assert response.status_code == 200
    assert response.json()["holder"] == "310000"


def test_the_raiser_reopens_and_closes_through_the_api(api_for):
    ticket = TicketFactory(raiser="320508")
    api_for("320500").post(f"/api/v1/tickets/{ticket.number}/resolve/", {"note": "已处理。"}, format="json")
    raiser = api_for("320508")
    assert raiser.post(f"/api/v1/tickets/{ticket.number}/reopen/", {"note": "未解决。"},
                       format="json").json()["status"] == "reopened"
    api_for("320500").post(f"/api/v1/tickets/{ticket.number}/resolve/", {"note": "再处理。"}, format="json")
    assert raiser.post(f"/api/v1/tickets/{ticket.number}/close/", {"note": "确认。"},
                       format="json").json()["status"] == "closed"


def test_held_me_lists_only_the_tickets_this_organisation_holds(api_for):
    held = TicketFactory(raiser="320508")          # held by 苏州市
    TicketFactory(raiser="320500")                 # held by 江苏省, visible to nobody else here
    numbers = [t["number"] for t in api_for("320500").get("/api/v1/tickets/?held=me").json()["results"]]
    assert numbers == [held.number]


def test_raised_me_and_status_and_category_filters(api_for):
    mine = TicketFactory(raiser="320500", category="refund")
    TicketFactory(raiser="320508", category="refund")
    client = api_for("320500")
    assert [t["number"] for t in client.get("/api/v1/tickets/?raised=me").json()["results"]] == [mine.number]
    assert len(client.get("/api/v1/tickets/?category=refund&status=open").json()["results"]) == 2
    assert client.get("/api/v1/tickets/?category=policy").json()["results"] == []


def test_the_overdue_filter_lists_overdue_tickets(api_for):
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2025, 11, 3, 10, tzinfo=CHINA)):
        late = TicketFactory(raiser="320508", category="settlement_failure")
    TicketFactory(raiser="320508")
    client = api_for("320500")
    assert [t["number"] for t in client.get("/api/v1/tickets/?overdue=true").json()["results"]] == [late.number]
    assert late.number not in [t["number"] for t in client.get("/api/v1/tickets/?overdue=false").json()["results"]]


def test_the_list_is_cursor_paginated(api_for):
    for _ in range(3):
        TicketFactory(raiser="320508")
    page = api_for("320500").get("/api/v1/tickets/?page_size=2").json()
    assert len(page["results"]) == 2 and page["next"] and page["previous"] is None


def test_an_unknown_number_answers_404(api_for):
    assert api_for("320500").get("/api/v1/tickets/XT0000/").status_code == 404


def test_the_list_does_not_query_once_per_ticket(api_for, django_assert_max_num_queries):
    for _ in range(5):
        TicketFactory(raiser="320508")
    client = api_for("320500")
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/tickets/").json()["results"]) == 5
