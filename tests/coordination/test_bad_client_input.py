"""Garbage from a client — NUL bytes, control characters, huge values, odd file names — is a 400 or 404 with a
message, never a 500, and changes nothing."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.coordination import services
from apps.coordination.models import EventKind, Ticket, TicketAttachment, TicketEvent
from apps.core.errors import ValidationFailed
from apps.core.models import AuditEntry
from tests.coordination.factories import TicketFactory
from tests.factories import org

pytestmark = pytest.mark.django_db
HUGE = "9" * 20000


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def state():
    return (list(Ticket.objects.order_by("pk").values_list("pk", "status", "holder_id", "updated_at")),
            TicketEvent.objects.count(), TicketAttachment.objects.count(), AuditEntry.objects.count())


@pytest.fixture
def api(api_for):
    client = api_for("320500")
    client.raise_request_exception = False  # a 500 must show as a 500 here, not as an exception
    return client


# --- the API -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["%00", "XT%0020250101", "XT%01", HUGE])
def test_a_malformed_ticket_number_is_a_json_404(api, number):
    TicketFactory(raiser="320508")
    for url in (f"/api/v1/tickets/{number}/", f"/api/v1/tickets/{number}/comment/"):
        response = api.get(url) if url.endswith(f"{number}/") else api.post(url, {"note": "x"}, format="json")
        assert response.status_code == 404, (url[:40], response.status_code)
        assert response.json() == {"detail": "未找到。"}


@pytest.mark.parametrize("query,field", [
    ("holder=%00", "holder"), ("raised_by=%00", "raised_by"), ("status=%00", "status"), ("box=%00", "box"),
    ("category=%01", "category"), ("tier=" + HUGE, "tier"), ("holder=" + HUGE, "holder"),
    ("raised_by=" + HUGE, "raised_by"), ("overdue=maybe", "overdue"), ("overdue=%00", "overdue"),
    ("overdue=" + HUGE, "overdue"),
])
def test_list_filters_with_garbage_answer_400_on_the_filter(api, query, field):
    TicketFactory(raiser="320508")
    response = api.get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 400, response.status_code
    body = response.json()
    assert list(body) == [field] and body[field][0]
    assert len(str(body)) < 500  # the value is not echoed back whole


def test_the_list_filters_still_work(api):
    ticket = TicketFactory(raiser="320508")
    for query in ("holder=320500", "raised_by=320508", "overdue=false", "overdue=False", "status=open"):
        numbers = [t["number"] for t in api.get(f"/api/v1/tickets/?{query}").json()["results"]]
        assert numbers == [ticket.number], query
    assert api.get("/api/v1/tickets/?overdue=true").json()["results"] == []


def test_the_overdue_filter_is_explained_in_english(api):
    response = api.get("/api/v1/tickets/?overdue=yes", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"overdue": ["overdue must be true or false."]}


# --- the admin -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["status=%00", "category=%00", "holder_tier=%00", "q=%00", "box=held&q=a%01b"])
def test_admin_list_filters_with_a_nul_show_the_inbox_again_with_a_message(admin_client_for, query):
    TicketFactory(raiser="320508")
    client = admin_client_for("320500")
    client.raise_request_exception = False
    response = client.get(f"/admin/coordination/ticket/?{query}")
    assert response.status_code == 302 and response["Location"] == "/admin/coordination/ticket/"
    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200
    assert "筛选或搜索条件含有无法识别的字符，已清除。" in [str(m) for m in page.context["messages"]]


# --- attachments ---------------------------------------------------------------------------------------

def attach(ticket, name, content=b"%PDF-1.4 test"):
    upload = SimpleUploadedFile("x.pdf", content)
    upload.name = name  # as a command or another caller may hand it over, not cleaned by Django's parser
    return services.attach_file(actor=None, organisation=org("320500"), ticket=ticket, upload=upload)


@pytest.mark.parametrize("name,words", [
    ("报告\x00.pdf", "控制字符"), ("报告\ud800.pdf", "无法识别"), ("报告\r\n.pdf", "控制字符"),
    ("报告\x1b[31m.pdf", "控制字符"), ("长" * 200 + ".pdf", "200"),
])
def test_an_attachment_with_an_odd_name_is_refused_on_file(name, words):
    ticket = TicketFactory(raiser="320508")
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        attach(ticket, name)
    assert exc.value.field == "file" and words in exc.value.message
    assert state() == before


@pytest.mark.parametrize("name", ["长" * 150 + ".pdf", "..pdf", "a;b\"c'.pdf", "C:\\Users\\王\\报告.PDF",
                                  "../../etc/passwd.pdf", "x" * 196 + ".pdf"])
def test_an_attachment_with_a_long_or_strange_but_printable_name_is_kept_by_name_and_stored_safely(name, tmp_path):
    # 150 Chinese characters are 450 bytes: more than a file name may have on disk (500 before)
    ticket = TicketFactory(raiser="320508")
    attachment = attach(ticket, name)
    shown = name.replace("\\", "/").rsplit("/", 1)[-1]
    assert attachment.name == shown
    stored = attachment.file.name
    assert stored.startswith(f"tickets/{ticket.number}/") and len(stored.encode()) < 100
    assert (tmp_path / stored).read_bytes() == b"%PDF-1.4 test"
    assert ticket.events.filter(kind=EventKind.ATTACH, note=shown).exists()


def test_the_admin_download_gives_the_name_as_uploaded(admin_client_for):
    ticket = TicketFactory(raiser="320508")
    attachment = attach(ticket, "长" * 150 + ".pdf")
    client = admin_client_for("320500")
    response = client.get(f"/admin/coordination/ticket/{ticket.pk}/attachment/{attachment.pk}/")
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"


def test_an_attachment_uploaded_through_the_admin_with_a_very_long_chinese_name_is_kept(admin_client_for):
    ticket = TicketFactory(raiser="320508")
    client = admin_client_for("320500")
    client.raise_request_exception = False
    response = client.post(f"/admin/coordination/ticket/{ticket.pk}/act/attach/",
                           {"file": SimpleUploadedFile("长" * 120 + ".pdf", b"%PDF-1.4 test")}, follow=True)
    assert response.status_code == 200
    assert "已上传附件。" in [str(m) for m in response.context["messages"]]
    assert ticket.attachments.get().name == "长" * 120 + ".pdf"
