"""Client input in URLs and query strings of the settlement, clearing and prepayment endpoints: a malformed value
answers 400 (with a message under the parameter) or 404, never a 500 and never a silently empty list — and
nothing changes."""
import datetime as dt

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.settlement.models import Clearing, ClearingEvent, Settlement
from tests.factories import region
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(db):
    settlement = SettlementFactory(number="JS-Q-1")
    clearing = Clearing.objects.create(period=dt.date(2026, 3, 1), insured_province=region("310000"),
                                       treatment_province=region("320000"), declare_due=dt.date(2026, 4, 20))
    return settlement, clearing


def state():
    return (list(Settlement.objects.values_list("number", "reversed_at")),
            list(Clearing.objects.values_list("id", "status")), ClearingEvent.objects.count(),
            AuditEntry.objects.count())


@pytest.mark.parametrize("path", [
    "/api/v1/clearings/abc/declare/",
    "/api/v1/clearings/1.5/confirm/",
    "/api/v1/clearings/-1/pay/",
    "/api/v1/clearings/99999999999999999999999999/declare/",
    "/api/v1/clearings/%EF%BC%91/declare/",  # a full-width digit one
    "/api/v1/clearings/%00/declare/",
])
def test_a_clearing_action_on_an_id_that_is_no_number_is_a_404(api_for, rows, path):
    before = state()
    response = api_for("320000").post(path)
    assert response.status_code == 404
    assert state() == before


def test_a_clearing_action_on_a_word_says_the_clearing_does_not_exist(api_for, rows):
    response = api_for("320000").post("/api/v1/clearings/abc/declare/")
    assert response.json() == {"non_field_errors": ["清算记录不存在。"]}
    english = api_for("320000").post("/api/v1/clearings/abc/declare/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"non_field_errors": ["Clearing record not found."]}


@pytest.mark.parametrize("query, field", [
    ({"settled_to": "9999-12-31"}, "settled_to"),
    ({"settled_from": "0001-01-01"}, "settled_from"),
    ({"settled_from": "garbage"}, "settled_from"),
    ({"settled_from": "2026-02-30"}, "settled_from"),
    ({"settled_to": "２０２６-03-01"}, "settled_to"),
    ({"settled_from": "2026-03-01\x00"}, "settled_from"),
    ({"insured_region": "\x00"}, "insured_region"),
    ({"insured_region": "32"}, "insured_region"),
    ({"treatment_region": "３２０５０８"}, "treatment_region"),
    ({"facility": "H3205\x00"}, "facility"),
    ({"facility": "x" * 500}, "facility"),
    ({"visit_type": "\x00"}, "visit_type"),
    ({"visit_type": "dental"}, "visit_type"),
])
def test_a_bad_settlement_filter_is_a_400_under_its_name(api_for, rows, query, field):
    response = api_for("000000").get("/api/v1/settlements/", query)
    assert response.status_code == 400, response.content
    assert field in response.json() and response.json()[field][0]


def test_the_settled_date_window_is_named_in_the_message(api_for, rows):
    response = api_for("000000").get("/api/v1/settlements/", {"settled_to": "9999-12-31"})
    assert response.json()["settled_to"] == ["日期应在 1900-01-01 至 2100-12-31 之间。"]
    english = api_for("000000").get("/api/v1/settlements/", {"settled_from": "garbage"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["settled_from"] == ["Dates must be written YYYY-MM-DD."]


def test_the_edges_of_the_window_still_filter(api_for, rows):
    response = api_for("000000").get("/api/v1/settlements/", {"settled_from": "1900-01-01",
                                                              "settled_to": "2100-12-31"})
    assert response.status_code == 200
    assert [r["number"] for r in response.json()["results"]] == ["JS-Q-1"]


@pytest.mark.parametrize("query, field", [
    ({"period": "garbage"}, "period"),
    ({"period": "2026-13"}, "period"),
    ({"period": "0001-01"}, "period"),
    ({"period": "2026-03\x00"}, "period"),
    ({"insured_province": "\x00"}, "insured_province"),
    ({"treatment_province": "abc"}, "treatment_province"),
    ({"status": "\x00"}, "status"),
])
def test_a_bad_clearing_filter_is_a_400_under_its_name(api_for, rows, query, field):
    response = api_for("000000").get("/api/v1/clearings/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_good_clearing_period_still_filters(api_for, rows):
    response = api_for("000000").get("/api/v1/clearings/", {"period": "2026-03"})
    assert [r["period"] for r in response.json()["results"]] == ["2026-03"]
    assert api_for("000000").get("/api/v1/clearings/", {"period": "2026-04"}).json()["results"] == []


@pytest.mark.parametrize("year", ["abc", "²", "99999", "0001", "2026\x00", "-1"])
def test_a_bad_prepayment_year_is_a_400(api_for, year):
    response = api_for("000000").get("/api/v1/prepayments/", {"year": year})
    assert response.status_code == 400
    assert response.json() == {"year": ["年度应为1900至2100之间的四位数字。"]}


@pytest.mark.parametrize("path", ["/api/v1/settlements/%00/", "/api/v1/settlements/%ED%A0%80/",
                                  "/api/v1/settlements/" + "x" * 300 + "/"])
def test_a_settlement_number_that_cannot_exist_is_a_404(api_for, rows, path):
    assert api_for("000000").get(path).status_code == 404
    before = state()
    assert api_for("000000").post(path + "reverse/", {"reason": "退费"}, format="json").status_code == 404
    assert state() == before


@pytest.mark.parametrize("reason", ["退\x01费", "退\x00费", "x" * 256])
def test_a_reversal_reason_with_control_characters_or_too_long_is_a_400(api_for, rows, reason):
    before = state()
    response = api_for("000000").post("/api/v1/settlements/JS-Q-1/reverse/", {"reason": reason}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert state() == before


def test_the_reversal_service_refuses_what_the_admin_would_have_cut(rows):
    """The admin's reason box is not a serializer: the service itself refuses, it no longer truncates."""
    from apps.core.errors import ValidationFailed
    from apps.regions.models import Organisation
    from apps.settlement.services import reverse_settlement

    before = state()
    with pytest.raises(ValidationFailed) as exc:
        reverse_settlement(actor=None, organisation=Organisation.objects.get(code="000000"), number="JS-Q-1",
                           reason="x" * 300)
    assert exc.value.field == "reason"
    assert state() == before


@pytest.mark.parametrize("query", ["q=%00", "q=%ED%A0%80", "q=" + "9" * 500])
def test_the_settlement_admin_search_takes_garbage_without_a_500(admin_client_for, rows, query):
    response = admin_client_for("000000").get(f"{reverse('admin:settlement_settlement_changelist')}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("query", [{"month": "0001-01"}, {"month": "２０２６-03"}, {"insured_province": "\x00"},
                                   {"treatment_province": "３２００００"}])
def test_the_settlement_admin_filters_take_garbage_without_a_500(admin_client_for, rows, query):
    response = admin_client_for("000000").get(reverse("admin:settlement_settlement_changelist"), query)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "JS-Q-1" not in response.content.decode()


@pytest.mark.parametrize("query", [{"insured_province": "\x00"}, {"treatment_province": "abc"}])
def test_the_clearing_admin_list_takes_garbage_without_a_500(admin_client_for, rows, query):
    response = admin_client_for("000000").get(reverse("admin:settlement_clearing_changelist"), query)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("period", ["0001-01", "9999-12", "2026-3", "２０２６-03"])
def test_building_a_clearing_for_an_absurd_month_is_refused_in_the_admin(admin_client_for, period):
    response = admin_client_for("000000").post(reverse("admin:settlement_clearing_build"), {"period": period})
    assert response.status_code == 200
    assert "格式应为 YYYY-MM" in response.content.decode()
    assert not AuditEntry.objects.filter(action="clearing.build").exists()
