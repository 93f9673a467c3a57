"""What people write on tickets is bounded and plain text, refused in the service (API, admin, command alike)
with a Chinese message on the field, and nothing is written: titles ≤ 200 characters (no longer cut silently),
descriptions ≤ 5,000, notes ≤ 2,000, no control characters, NUL or lone surrogates."""
import json

import pytest

from apps.coordination import services
from apps.coordination.models import Ticket, TicketAttachment
from apps.core.errors import ValidationFailed
from apps.core.models import AuditEntry
from tests.coordination.factories import TicketFactory
from tests.factories import org

pytestmark = pytest.mark.django_db

BODY = {"category": "settlement_failure", "title": "跨省住院结算失败", "description": "出院结算提示参保地超时。"}


def state():
    """Everything an action could have written."""
    return (list(Ticket.objects.order_by("pk").values_list("pk", "status", "holder_id", "title", "updated_at")),
            sorted(e.pk for t in Ticket.objects.all() for e in t.events.all()),
            TicketAttachment.objects.count(), AuditEntry.objects.count())


def raw_post(client, url, text):
    """A JSON body as sent on the wire (the test client cannot encode a lone surrogate itself)."""
    return client.post(url, data=text, content_type="application/json")


# --- raising -------------------------------------------------------------------------------------------

def test_a_title_of_200_characters_is_kept_whole_and_201_is_refused_not_cut(api_for):
    client = api_for("320508")
    ok = client.post("/api/v1/tickets/", {**BODY, "title": "题" * 200}, format="json")
    assert ok.status_code == 201 and ok.json()["title"] == "题" * 200
    before = state()
    with pytest.raises(ValidationFailed) as exc:  # the service itself (admin and commands call it too)
        services.raise_ticket(actor=None, organisation=org("320508"), category="other", title="题" * 201,
                              description="说明")
    assert exc.value.field == "title" and "200" in exc.value.message and "201" in exc.value.message
    assert state() == before


def test_a_description_over_5000_characters_is_refused_on_its_field(api_for):
    client = api_for("320508")
    before = state()
    response = client.post("/api/v1/tickets/", {**BODY, "description": "述" * 5001}, format="json")
    assert response.status_code == 400
    assert response.json() == {"description": ["问题描述不能超过 5000 个字符（现有 5001 个）。"]}
    assert state() == before
    assert client.post("/api/v1/tickets/", {**BODY, "description": "述" * 5000}, format="json").status_code == 201


def test_the_raised_event_keeps_the_whole_description():
    ticket = TicketFactory(description="述" * 4000)
    assert ticket.events.get().note == "述" * 4000


@pytest.mark.parametrize("field,value,message", [
    ("title", "结算\x01失败", "不能包含控制字符。"),
    ("title", "结算\n失败", "不能包含控制字符。"),  # a title is one line
    ("description", "出院\x07结算", "不能包含控制字符。"),
    ("description", "出院\ud800结算", None),  # DRF's own message names the code point
    ("title", "结算\udfff", None),
])
def test_control_characters_and_lone_surrogates_are_refused_when_raising(api_for, field, value, message):
    before = state()
    response = raw_post(api_for("320508"), "/api/v1/tickets/", json.dumps({**BODY, field: value}))
    assert response.status_code == 400
    assert list(response.json()) == [field]
    if message:
        assert response.json()[field] == [message]
    assert state() == before


def test_the_service_refuses_them_for_every_caller():
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.raise_ticket(actor=None, organisation=org("320508"), category="other", title="标题",
                              description="出院\x00结算")
    assert (exc.value.field, exc.value.message) == ("description", "不能包含控制字符。")
    with pytest.raises(ValidationFailed) as exc:
        services.raise_ticket(actor=None, organisation=org("320508"), category="other", title="标题\ud800",
                              description="说明")
    assert (exc.value.field, exc.value.message) == ("title", "含有无法识别的字符，请检查输入。")
    assert state() == before


def test_a_description_may_have_several_lines():
    ticket = TicketFactory(description="第一行\n第二行\r\n\t缩进的第三行")
    assert ticket.description == "第一行\n第二行\r\n\t缩进的第三行"


# --- notes ---------------------------------------------------------------------------------------------

def test_a_note_over_2000_characters_is_refused_and_2000_is_kept(api_for):
    ticket = TicketFactory(raiser="320508")
    client = api_for("320500")
    before = state()
    response = client.post(f"/api/v1/tickets/{ticket.number}/comment/", {"note": "注" * 2001}, format="json")
    assert response.status_code == 400
    assert response.json() == {"note": ["说明不能超过 2000 个字符（现有 2001 个）。"]}
    assert state() == before
    ok = client.post(f"/api/v1/tickets/{ticket.number}/comment/", {"note": "注" * 2000}, format="json")
    assert ok.status_code == 200 and ok.json()["events"][-1]["note"] == "注" * 2000


@pytest.mark.parametrize("action", ["comment", "escalate", "transfer", "resolve"])
def test_a_control_character_in_a_note_is_refused_on_every_action(api_for, action):
    ticket = TicketFactory(raiser="320508")
    before = state()
    response = api_for("320500").post(f"/api/v1/tickets/{ticket.number}/{action}/",
                                      {"note": "已\x1b处理", "to": "310000"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"note": ["不能包含控制字符。"]}
    assert state() == before


def test_a_note_with_a_nul_through_the_admin_is_refused_with_a_message_not_a_500(admin_client_for):
    ticket = TicketFactory(raiser="320508")
    client = admin_client_for("320500")
    before = state()
    response = client.post(f"/admin/coordination/ticket/{ticket.pk}/act/comment/", {"note": "已\x00处理"},
                           follow=True)
    assert response.status_code == 200
    assert "不能包含控制字符。" in [str(m) for m in response.context["messages"]]
    assert state() == before


def test_a_note_over_the_limit_through_the_admin_is_refused():
    ticket = TicketFactory(raiser="320508")
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.resolve_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="注" * 2001)
    assert exc.value.field == "note"
    assert state() == before


def test_the_limits_are_explained_in_english_to_partners(api_for):
    ticket = TicketFactory(raiser="320508")
    response = api_for("320500").post(f"/api/v1/tickets/{ticket.number}/comment/", {"note": "注" * 2001},
                                      format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"note": ["The note may have at most 2000 characters (it has 2001)."]}


# --- transfer target -----------------------------------------------------------------------------------

@pytest.mark.parametrize("to", ['"\\u0000"', '"3205\\u000000"', '"\\ud800"', '"%00"', '123', '["310000"]',
                                '{"code": "310000"}', '"' + "3" * 5000 + '"', '"31\\u00010000"'])
def test_a_transfer_to_garbage_is_a_400_on_to_and_changes_nothing(api_for, to):
    ticket = TicketFactory(raiser="320508")
    client = api_for("320500")
    client.raise_request_exception = False
    before = state()
    response = raw_post(client, f"/api/v1/tickets/{ticket.number}/transfer/", f'{{"note": "转", "to": {to}}}')
    assert response.status_code == 400, response.content[:300]
    messages = response.json()["to"]
    assert messages and all(len(m) < 200 for m in messages)  # never the whole value echoed back
    assert state() == before


def test_the_service_refuses_a_target_code_with_a_nul_or_of_any_length():
    ticket = TicketFactory(raiser="320508")
    before = state()
    for to in ("31\x000000", "3" * 13, 310000):
        with pytest.raises(ValidationFailed) as exc:
            services.transfer_ticket(actor=None, organisation=org("320500"), ticket=ticket, to=to, note="转")
        assert exc.value.field == "to" and "格式错误" in exc.value.message
    assert state() == before


def test_a_transfer_with_a_nul_through_the_admin_shows_a_message(admin_client_for):
    ticket = TicketFactory(raiser="320508")
    client = admin_client_for("320500")
    before = state()
    response = client.post(f"/admin/coordination/ticket/{ticket.pk}/act/transfer/", {"to": "32\x000", "note": "转"},
                           follow=True)
    assert response.status_code == 200
    assert any("机构代码格式错误" in str(m) for m in response.context["messages"])
    assert state() == before
