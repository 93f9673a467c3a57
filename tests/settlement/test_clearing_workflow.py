"""draft → declared (treatment province) → confirmed → paid (insured province), through the API, in scope."""
import datetime as dt

import pytest

from apps.settlement.models import Clearing, ClearingEvent
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(db):
    """A draft March row: 上海 insured (pays) treated in 江苏 (advanced the money)."""
    from apps.settlement import services

    SettlementFactory(settled_at=dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC), fund_paid=60)
    services.build_clearing(period=dt.date(2026, 3, 1))
    return Clearing.objects.get()


def act(client, clearing, action):
    return client.post(f"/api/v1/clearings/{clearing.pk}/{action}/")


def test_the_treatment_province_declares_the_insured_province_confirms_then_pays(api_for, march):
    jiangsu, shanghai = api_for("320000"), api_for("310000")
    declared = act(jiangsu, march, "declare")
    assert declared.status_code == 200 and declared.data["status"] == "declared"
    assert act(shanghai, march, "confirm").data["status"] == "confirmed"
    paid = act(shanghai, march, "pay")
    assert paid.data["status"] == "paid"
    assert list(ClearingEvent.objects.filter(clearing=march).values_list("to_status", flat=True)) == [
        "declared", "confirmed", "paid"]


def test_the_insured_province_cannot_declare(api_for, march):
    assert act(api_for("310000"), march, "declare").status_code == 403
    assert Clearing.objects.get().status == "draft"


def test_a_city_bureau_of_the_treatment_province_cannot_declare(api_for, march):
    """Clearing is between provinces: a city's scope holds no province rows, so it does not even see it."""
    assert act(api_for("320500"), march, "declare").status_code == 404
    assert Clearing.objects.get().status == "draft"


def test_the_treatment_province_cannot_confirm_its_own_declaration(api_for, march):
    jiangsu = api_for("320000")
    act(jiangsu, march, "declare")
    assert act(jiangsu, march, "confirm").status_code == 403


def test_steps_out_of_order_answer_409(api_for, march):
    shanghai = api_for("310000")
    assert act(shanghai, march, "confirm").status_code == 409
    assert act(shanghai, march, "pay").status_code == 409
    jiangsu = api_for("320000")
    act(jiangsu, march, "declare")
    assert act(jiangsu, march, "declare").status_code == 409


def test_a_month_that_has_not_ended_cannot_be_declared(api_for):
    from django.utils import timezone

    from apps.settlement import services

    SettlementFactory(settled_at=timezone.now())
    services.build_clearing(period=timezone.localdate())
    current = Clearing.objects.get()
    assert act(api_for("320000"), current, "declare").status_code == 409


def test_an_undeclared_row_past_the_20th_of_next_month_is_overdue(api_for, march):
    data = api_for("320000").get("/api/v1/clearings/", {"period": "2026-03"}).data["results"][0]
    assert data["declare_due"] == "2026-04-20"
    assert data["overdue"] is True
    act(api_for("320000"), march, "declare")
    assert api_for("320000").get(f"/api/v1/clearings/{march.pk}/").data["overdue"] is False


def test_the_clearing_list_filters_and_stays_in_scope(api_for, march):
    shanghai = api_for("310000")
    assert shanghai.get("/api/v1/clearings/", {"insured_province": "310000", "status": "draft"}).data["count"] == 1
    assert shanghai.get("/api/v1/clearings/", {"period": "2026-04"}).data["count"] == 0
    row = shanghai.get("/api/v1/clearings/").data["results"][0]
    assert (row["period"], row["fund_paid"], row["settlement_count"]) == ("2026-03", "60.00", 1)
    guangdong = api_for("440000")
    assert guangdong.get("/api/v1/clearings/").data["count"] == 0
    assert act(guangdong, march, "declare").status_code == 404
