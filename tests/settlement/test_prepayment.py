"""The annual prepayment (预付金) per province pair: set from last year's spending; its use is what was advanced and
not yet paid back through clearing; warnings at 70 % (yellow) and 90 % (red)."""
import datetime as dt
from decimal import Decimal

import pytest

from apps.settlement import services
from apps.settlement.models import Clearing, Prepayment

pytestmark = pytest.mark.django_db


def clearing(period, fund, insured="310000", treatment="320000", status="paid"):
    return Clearing.objects.create(period=period, insured_province_id=insured, treatment_province_id=treatment,
                                   fund_paid=Decimal(fund), declare_due=Clearing.due_for(period), status=status)


@pytest.fixture
def last_year(db):
    for month in range(1, 13):
        clearing(dt.date(2025, month, 1), "10000.00")  # 120,000 in the year, 10,000 a month


def test_the_prepayment_is_last_years_monthly_average_times_the_configured_months(last_year, settings):
    settings.YIDI_PREPAYMENT_BASE_MONTHS = 2
    assert services.compute_prepayments(year=2026) == 1
    prepayment = Prepayment.objects.get(year=2026)
    assert (prepayment.base_fund_paid, prepayment.amount) == (Decimal("120000.00"), Decimal("20000.00"))


def test_the_number_of_months_is_configurable(last_year, settings):
    settings.YIDI_PREPAYMENT_BASE_MONTHS = 3
    services.compute_prepayments(year=2026)
    assert Prepayment.objects.get(year=2026).amount == Decimal("30000.00")


def test_recomputing_updates_the_pair_instead_of_adding_one(last_year):
    services.compute_prepayments(year=2026)
    clearing(dt.date(2025, 12, 1), "12000.00", treatment="330000")
    services.compute_prepayments(year=2026)
    assert Prepayment.objects.filter(year=2026).count() == 2


@pytest.mark.parametrize("spent, share, warning", [
    ("13000.00", "0.6500", "normal"), ("14000.00", "0.7000", "yellow"), ("18000.00", "0.9000", "red"),
])
def test_the_share_used_counts_advances_not_yet_paid_back_and_turns_yellow_at_70_and_red_at_90_percent(last_year, api_for, spent, share, warning):
    services.compute_prepayments(year=2026)  # 20,000
    clearing(dt.date(2026, 1, 1), "50000.00")  # paid back already: frees its share
    clearing(dt.date(2026, 2, 1), spent, status="confirmed")
    data = api_for("310000").get("/api/v1/prepayments/", {"year": 2026}).data["results"][0]
    assert (data["amount"], data["used"], data["share_used"], data["warning"]) == (
        "20000.00", spent, share, warning)


def test_thresholds_are_configurable(last_year, api_for, settings):
    settings.YIDI_PREPAYMENT_YELLOW = "0.50"
    services.compute_prepayments(year=2026)
    clearing(dt.date(2026, 1, 1), "11000.00", status="declared")
    assert api_for("320000").get("/api/v1/prepayments/").data["results"][0]["warning"] == "yellow"


def test_other_provinces_do_not_see_the_pair(last_year, api_for):
    services.compute_prepayments(year=2026)
    assert api_for("440000").get("/api/v1/prepayments/").data["count"] == 0
