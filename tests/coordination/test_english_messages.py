"""API.md: messages are in Chinese by default and in English with ``Accept-Language: en``; stored data
(titles, descriptions, notes) is shown as written, whatever the language."""
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from apps.coordination import services
from apps.coordination.models import Status, Ticket
from apps.core.errors import Conflict, NotAllowed, ValidationFailed
from tests.coordination.factories import TicketFactory
from tests.facilities.factories import FacilityFactory
from tests.factories import org
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db

BODY = {"category": "settlement_failure", "title": "跨省住院结算失败", "description": "出院结算提示参保地超时。"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def act(client, ticket, action, english=True, **body):
    extra = {"HTTP_ACCEPT_LANGUAGE": "en"} if english else {}
    return client.post(f"/api/v1/tickets/{ticket.number}/{action}/", {"note": "说明", **body}, format="json",
                       **extra)


def message(response, field="non_field_errors"):
    return response.json()[field][0]


def test_a_settlement_outside_your_scope_is_refused_in_english_on_request(api_for):
    settlement = SettlementFactory(facility=FacilityFactory(county="320508"))
    client = api_for("510000")
    body = {**BODY, "settlement": settlement.number}
    english = client.post("/api/v1/tickets/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.post("/api/v1/tickets/", body, format="json")
    assert english.status_code == chinese.status_code == 400
    assert message(english, "settlement") == (
        "The settlement does not exist or is outside your organisation's scope.")
    assert message(chinese, "settlement") == "结算不存在或不在本机构管辖范围内。"
    assert not Ticket.objects.exists()


def test_an_unknown_registration_is_refused_in_english_on_request(api_for):
    response = api_for("320508").post("/api/v1/tickets/", {**BODY, "registration": "NO-SUCH"}, format="json",
                                      HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "registration does not exist" in message(response, "registration")


def test_an_unknown_category_is_refused_in_english_on_request(api_for):
    response = api_for("320508").post("/api/v1/tickets/", {**BODY, "category": "gossip"}, format="json",
                                      HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not a valid choice" in message(response, "category")


def test_a_transfer_to_an_unknown_code_is_refused_in_english_and_in_chinese_by_default(api_for):
    ticket = TicketFactory(raiser="320508")  # held by 苏州市
    client = api_for("320500")
    english = act(client, ticket, "transfer", to="999999")
    chinese = act(client, ticket, "transfer", english=False, to="999999")
    assert english.status_code == chinese.status_code == 400
    assert message(english, "to") == "No organisation has the code 999999."
    assert message(chinese, "to") == "机构代码 999999 不存在。"


def test_a_transfer_to_the_holder_itself_is_refused_in_english(api_for):
    ticket = TicketFactory(raiser="320508")
    response = act(api_for("320500"), ticket, "transfer", to="320500")
    assert response.status_code == 400
    assert message(response, "to") == "A ticket cannot be transferred to its current holder."


def test_resolving_a_ticket_you_do_not_hold_answers_403_in_english_on_request(api_for):
    ticket = TicketFactory(raiser="320508")
    client = api_for("320000")  # the province sees it but does not hold it
    english, chinese = act(client, ticket, "resolve"), act(client, ticket, "resolve", english=False)
    assert english.status_code == chinese.status_code == 403
    assert message(english) == "Only the current holder may resolve this ticket."
    assert message(chinese) == "只有当前承办机构可以办结该工单。"


def test_closing_a_ticket_you_did_not_raise_answers_403_in_english(api_for):
    ticket = TicketFactory(raiser="320508")
    response = act(api_for("320500"), ticket, "close")
    assert response.status_code == 403
    assert message(response) == "Only the raiser may close this ticket."


def test_resolving_a_closed_ticket_answers_409_in_english_with_the_status_in_english(api_for):
    ticket = TicketFactory(raiser="320508")
    services.close_ticket(actor=None, organisation=org("320508"), ticket=ticket, note="撤回。")
    client = api_for("320500")
    english, chinese = act(client, ticket, "resolve"), act(client, ticket, "resolve", english=False)
    assert english.status_code == chinese.status_code == 409
    assert message(english) == 'Not allowed to resolve a ticket in status "closed".'
    assert message(chinese) == "工单状态为“已关闭”，不能办结。"


def test_reopening_an_open_ticket_answers_409_in_english(api_for):
    ticket = TicketFactory(raiser="320508")
    response = act(api_for("320508"), ticket, "reopen")
    assert response.status_code == 409
    assert message(response) == 'Only a resolved ticket can be reopened; this one is in status "open".'


def test_a_missing_note_is_asked_for_in_english(api_for):
    ticket = TicketFactory(raiser="320508")
    response = act(api_for("320500"), ticket, "resolve", note="")
    assert response.status_code == 400
    assert message(response, "note") == "Please give a note."


def test_a_ticket_outside_your_scope_answers_404_in_english(api_for):
    ticket = TicketFactory(raiser="320508")
    response = api_for("440000").get(f"/api/v1/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert not CHINESE.search(str(response.json()))


def test_every_refusal_of_every_action_in_every_status_has_an_english_text():
    ticket = TicketFactory(raiser="320508")
    seen = set()
    for status in Status.values:
        Ticket.objects.filter(pk=ticket.pk).update(status=status)
        ticket.refresh_from_db()
        for code in ("320508", "320500", "320000", "440000"):  # raiser, holder, overseer, stranger
            for action in services.ACTIONS:
                with translation.override("en"):
                    try:
                        services.check_action(ticket, org(code), action)
                    except (NotAllowed, Conflict) as exc:
                        seen.add(exc.message)
    assert len(seen) >= 8
    assert [m for m in seen if CHINESE.search(m)] == []


def test_attachment_limits_have_english_texts():
    ticket = TicketFactory(raiser="320508")
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as wrong_type:
            services.attach_file(actor=None, organisation=org("320508"), ticket=ticket,
                                 upload=SimpleUploadedFile("a.exe", b"MZ"))
        with pytest.raises(ValidationFailed) as disguised:
            services.attach_file(actor=None, organisation=org("320508"), ticket=ticket,
                                 upload=SimpleUploadedFile("a.pdf", b"not a pdf"))
    assert wrong_type.value.message == "Only PDF, JPG, PNG, XLSX and DOCX files can be uploaded."
    assert disguised.value.message == "The file content does not match its extension."


def test_stored_titles_and_notes_are_shown_as_written_in_english(api_for):
    ticket = TicketFactory(raiser="320508", title="跨省住院结算失败")
    client = api_for("320500")
    assert act(client, ticket, "transfer", note="", to="310000").status_code == 200
    data = api_for("310000").get(f"/api/v1/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["title"] == "跨省住院结算失败"
    assert data["events"][-1]["note"].startswith("转办至")
