"""The admin works as an inbox: tabs for held / raised / overdue, a ticket page with its timeline and only the
buttons this organisation may use, actions through the services, raising through the service, start-page counts."""
import datetime as dt
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.coordination.models import EventKind, Status, Ticket
from apps.coordination.workdays import CHINA
from tests.coordination.factories import TicketFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/coordination/ticket/"


def change_url(ticket):
    return f"{LIST}{ticket.pk}/change/"


def act_url(ticket, action):
    return f"{LIST}{ticket.pk}/act/{action}/"


@pytest.fixture
def tickets():
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2025, 11, 3, 10, tzinfo=CHINA)):
        late = TicketFactory(raiser="320508", category="settlement_failure", title="超时的工单")
    held = TicketFactory(raiser="320508", title="我方承办的工单")
    raised = TicketFactory(raiser="320500", title="我方发起的工单")
    return {"late": late, "held": held, "raised": raised}


def titles(response):
    return {t.title for t in response.context["cl"].result_list}


def test_the_inbox_opens_on_held_by_us(admin_client_for, tickets):
    client = admin_client_for("320500")
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].endswith("?box=held")
    assert titles(client.get(LIST + "?box=held")) == {"超时的工单", "我方承办的工单"}


def test_raised_by_us_lists_our_own_tickets(admin_client_for, tickets):
    assert titles(admin_client_for("320500").get(LIST + "?box=raised")) == {"我方发起的工单"}


def test_overdue_lists_only_our_overdue_tickets_marked_as_such(admin_client_for, tickets):
    response = admin_client_for("320500").get(LIST + "?box=overdue")
    assert titles(response) == {"超时的工单"}
    assert "已超时" in response.content.decode()


def test_the_tabs_show_counts(admin_client_for, tickets):
    tabs = admin_client_for("320500").get(LIST + "?box=held").context["inbox_tabs"]
    assert {t["box"]: t["count"] for t in tabs if t["count"] is not None} == {"held": 2, "raised": 1, "overdue": 1}


def test_the_ticket_page_shows_the_timeline_and_the_holders_buttons(admin_client_for, tickets):
    response = admin_client_for("320500").get(change_url(tickets["held"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "办理记录" in html and "发起" in html
    assert [name for name, _ in response.context["actions"]] == ["comment", "escalate", "transfer", "resolve"]
    assert "ticket-action-resolve" in html and "ticket-action-reopen" not in html


def test_the_raiser_sees_only_comment_and_close(admin_client_for, tickets):
    response = admin_client_for("320508").get(change_url(tickets["held"]))
    assert [name for name, _ in response.context["actions"]] == ["comment", "close"]


def test_an_overdue_ticket_page_says_so(admin_client_for, tickets):
    assert "已超过办理时限" in admin_client_for("320500").get(change_url(tickets["late"])).content.decode()


def test_resolving_from_the_ticket_page_goes_through_the_service(admin_client_for, tickets):
    client = admin_client_for("320500")
    response = client.post(act_url(tickets["held"], "resolve"), {"note": "已核实处理。"})
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=tickets["held"].pk)
    assert ticket.status == Status.RESOLVED
    event = ticket.events.get(kind=EventKind.RESOLVE)
    assert (event.actor, event.organisation.code, event.note) == (client.user, "320500", "已核实处理。")


def test_a_refused_action_from_the_admin_shows_the_reason_and_changes_nothing(admin_client_for, tickets):
    client = admin_client_for("320000")  # sees the ticket (its subtree) but does not hold it
    response = client.post(act_url(tickets["held"], "resolve"), {"note": "越权办结"}, follow=True)
    assert "只有当前承办机构" in response.content.decode()
    assert Ticket.objects.get(pk=tickets["held"].pk).status == Status.OPEN


def test_transfer_from_the_admin_needs_a_target_code(admin_client_for, tickets):
    client = admin_client_for("320500")
    client.post(act_url(tickets["held"], "transfer"), {"to": "310000", "note": "请参保地核实。"})
    assert Ticket.objects.get(pk=tickets["held"].pk).holder.code == "310000"


def test_a_ticket_outside_scope_is_not_found_in_the_admin(admin_client_for, tickets):
    client = admin_client_for("510000")
    assert client.get(change_url(tickets["held"])).status_code in (302, 404)
    assert client.post(act_url(tickets["held"], "comment"), {"note": "?"}).status_code == 404
    assert tickets["held"].events.count() == 1


def test_raising_from_the_admin_goes_through_the_service(admin_client_for):
    client = admin_client_for("320508")
    assert "苏州市医疗保障局" in client.get(LIST + "add/").content.decode()
    response = client.post(LIST + "add/", {"category": "refund", "title": "退费未到账",
                                           "description": "参保人反映退费未到账。"})
    ticket = Ticket.objects.get(title="退费未到账")
    assert response.status_code == 302 and response["Location"].endswith(f"/{ticket.pk}/change/")
    assert ticket.holder.code == "320500"
    assert ticket.events.get().kind == EventKind.RAISED


def test_raising_from_the_admin_without_a_description_shows_the_form_again(admin_client_for):
    response = admin_client_for("320508").post(LIST + "add/", {"category": "refund", "title": "退费"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Ticket.objects.exists()


def test_attaching_a_file_from_the_admin(admin_client_for, tickets, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = admin_client_for("320500")
    upload = SimpleUploadedFile("清单.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    client.post(act_url(tickets["held"], "attach"), {"file": upload})
    attachment = tickets["held"].attachments.get()
    assert attachment.name == "清单.pdf"
    download = client.get(f"{LIST}{tickets['held'].pk}/attachment/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_start_page_counts_our_tickets(admin_client_for, tickets):
    response = admin_client_for("320500").get("/admin/")
    panel = next(p for p in response.context["panels"] if p["title"] == "协同工单")
    values = {item["label"]: item["value"] for item in panel["items"]}
    assert values == {"我方承办待办": 2, "我方承办已超时": 1, "我方发起未关闭": 1}
    assert next(i for i in panel["items"] if i["label"] == "我方承办已超时")["level"] == "red"


def test_category_settings_are_editable_by_national_only(admin_client_for):
    national = admin_client_for("000000")
    assert national.get("/admin/coordination/categorysetting/refund/change/").status_code == 200
    national.post("/admin/coordination/categorysetting/refund/change/",
                  {"time_limit_days": "4", "auto_escalate": "on"})
    from apps.coordination.models import CategorySetting

    assert CategorySetting.objects.get(category="refund").time_limit_days == 4


def test_a_county_cannot_change_category_settings(admin_client_for):
    county = admin_client_for("320508")
    county.post("/admin/coordination/categorysetting/refund/change/", {"time_limit_days": "30"})
    from apps.coordination.models import CategorySetting

    assert CategorySetting.objects.get(category="refund").time_limit_days == 3
