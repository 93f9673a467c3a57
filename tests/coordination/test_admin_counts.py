"""No ticket list in the admin counts a whole table: the "全部可见" list, the inbox tabs and the start page count
at most 10 001 rows and show "10000+" beyond that."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.coordination import selectors
from tests.coordination.factories import TicketFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/coordination/ticket/"


def count_queries(ctx):
    return [q["sql"].upper() for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("box", ["all", "held", "raised", "overdue", "overdue_scope"])
def test_every_inbox_list_counts_with_a_limit(admin_client_for, box):
    for _ in range(3):
        TicketFactory(raiser="320508")
    client = admin_client_for("320000")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{LIST}?box={box}")
    assert response.status_code == 200
    counts = count_queries(ctx)
    assert counts and all("LIMIT" in sql for sql in counts), counts


def test_the_all_visible_list_still_pages_through_every_visible_ticket(admin_client_for):
    tickets = [TicketFactory(raiser="320508") for _ in range(3)]
    response = admin_client_for("320000").get(f"{LIST}?box=all")
    assert response.context["cl"].result_count == 3
    assert {t.pk for t in response.context["cl"].result_list} == {t.pk for t in tickets}


def test_tab_and_start_page_counts_above_the_cap_show_a_plus(admin_client_for, monkeypatch):
    for _ in range(3):
        TicketFactory(raiser="320508")
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    client = admin_client_for("320500")
    tabs = client.get(f"{LIST}?box=held").context["inbox_tabs"]
    assert next(t for t in tabs if t["box"] == "held")["shown"] == "2+"
    panel = next(p for p in client.get("/admin/").context["panels"] if p["title"] == "协同工单")
    assert panel["items"][0]["value"] == "2+"
