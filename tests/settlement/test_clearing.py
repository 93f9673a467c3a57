"""Monthly clearing: totals are the sums of the non-reversed settlements; a draft rebuilds to the same figures;
a settlement or reversal arriving after its month was declared lands in the next month's adjustment."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from apps.regions.models import Organisation
from apps.settlement import services
from apps.settlement.models import Clearing, Settlement
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


@pytest.fixture
def report(hospital):
    org = Organisation.objects.get(code="000000")

    def make(day="2026-03-10", facility=hospital, fund="60.00", insured="310115", **extra):
        body = settlement_payload(facility=facility.code, service_start=day, service_end=day,
                                  settled_at=f"{day}T10:00:00+08:00", fund_paid=fund,
                                  cash_paid=str(Decimal("90.00") - Decimal(fund)), insured_region=insured, **extra)
        settlement, outcome = services.ingest_settlement(actor=None, organisation=org, data=body)
        assert outcome == "created"
        return settlement

    return make


def bureau(code):
    return Organisation.objects.get(code=code)


def reverse(settlement):
    return services.reverse_settlement(actor=None, organisation=bureau("000000"), number=settlement.number,
                                       reason="退费")


def row(period, insured="310000", treatment="320000"):
    return Clearing.objects.get(period=period, insured_province_id=insured, treatment_province_id=treatment)


def figures(clearing):
    return (clearing.settlement_count, clearing.reversal_count, clearing.total_amount, clearing.fund_paid,
            clearing.adjustment_count, clearing.adjustment_fund_paid)


def declare(clearing):
    return services.declare_clearing(actor=None, organisation=bureau(clearing.treatment_province_id),
                                     clearing_id=clearing.pk)


def test_clearing_totals_equal_the_sums_of_the_non_reversed_settlements_per_province_pair(report):
    zhejiang = FacilityFactory(county="330106")
    for day, fund in [("2026-03-02", "10.00"), ("2026-03-15", "20.50"), ("2026-03-31", "30.25")]:
        report(day=day, fund=fund)
    reverse(report(day="2026-03-20", fund="40.00"))
    report(day="2026-03-05", facility=zhejiang, fund="5.00")
    report(day="2026-03-06", insured="110105", fund="7.00")
    report(day="2026-04-01", fund="80.00")  # next month

    services.build_clearing(period=MARCH)

    for clearing in Clearing.objects.filter(period=MARCH):
        expected = Settlement.objects.filter(
            settled_at__date__gte=MARCH, settled_at__date__lt=APRIL, reversed_at__isnull=True,
            insured_province=clearing.insured_province_id, treatment_province=clearing.treatment_province_id,
        ).aggregate(n=Count("id"), total=Sum("total_amount"), fund=Sum("fund_paid"), cash=Sum("cash_paid"))
        assert (clearing.settlement_count, clearing.total_amount, clearing.fund_paid, clearing.cash_paid) == (
            expected["n"], expected["total"], expected["fund"], expected["cash"])
    assert figures(row(MARCH)) == (3, 0, Decimal("300.00"), Decimal("60.75"), 0, Decimal("0.00"))
    assert Clearing.objects.filter(period=MARCH).count() == 3
    assert row(MARCH).declare_due == dt.date(2026, 4, 20)


def test_rebuilding_a_draft_gives_the_same_result(report):
    report(fund="10.00")
    report(fund="20.00")
    services.build_clearing(period=MARCH)
    first = figures(row(MARCH))
    pk = row(MARCH).pk
    services.build_clearing(period=MARCH)
    services.build_clearing(period=MARCH)
    assert figures(row(MARCH)) == first
    assert row(MARCH).pk == pk and Clearing.objects.count() == 1


def test_a_draft_rebuilt_after_a_reversal_drops_the_reversed_settlement(report):
    report(fund="10.00")  # stays counted
    drop = report(fund="20.00")
    services.build_clearing(period=MARCH)
    reverse(drop)
    services.build_clearing(period=MARCH)
    assert figures(row(MARCH)) == (1, 0, Decimal("100.00"), Decimal("10.00"), 0, Decimal("0.00"))
    assert Settlement.objects.get(pk=drop.pk).reversed_at is not None  # kept, only marked


def test_a_late_settlement_lands_in_the_next_months_adjustment(report):
    report(fund="10.00")
    services.build_clearing(period=MARCH)
    declare(row(MARCH))
    late = report(day="2026-03-28", fund="25.00")
    assert late.clearing_period == APRIL
    report(day="2026-04-03", fund="30.00")

    services.build_clearing(period=MARCH)
    services.build_clearing(period=APRIL)

    assert figures(row(MARCH)) == (1, 0, Decimal("100.00"), Decimal("10.00"), 0, Decimal("0.00"))
    assert figures(row(APRIL)) == (2, 0, Decimal("200.00"), Decimal("55.00"), 1, Decimal("25.00"))


def test_a_late_reversal_lands_in_the_next_months_adjustment_as_a_negative(report):
    refunded = report(fund="10.00")
    report(fund="20.00")
    services.build_clearing(period=MARCH)
    declare(row(MARCH))
    assert reverse(refunded).reversal_period == APRIL
    report(day="2026-04-03", fund="30.00")

    services.build_clearing(period=MARCH)
    services.build_clearing(period=APRIL)

    assert figures(row(MARCH)) == (2, 0, Decimal("200.00"), Decimal("30.00"), 0, Decimal("0.00"))
    assert figures(row(APRIL)) == (1, 1, Decimal("0.00"), Decimal("20.00"), 1, Decimal("-10.00"))


def test_nothing_is_lost_or_counted_twice_across_months(report):
    a = report(day="2026-03-03", fund="11.00")
    report(day="2026-03-04", fund="12.00")
    services.build_clearing(period=MARCH)
    declare(row(MARCH))
    late = report(day="2026-03-30", fund="13.00")
    reverse(a)
    reverse(late)  # reported late and refunded before April was declared: it simply leaves April
    report(day="2026-04-05", fund="14.00")
    services.build_clearing(period=APRIL)

    net = sum(c.fund_paid for c in Clearing.objects.all())
    live = Settlement.objects.filter(reversed_at__isnull=True).aggregate(s=Sum("fund_paid"))["s"]
    assert net == live == Decimal("26.00")
    assert row(APRIL).adjustment_count == 1  # the reversal of a; the late one came and went


def test_rebuilding_a_declared_month_changes_nothing(report):
    report(fund="10.00")
    services.build_clearing(period=MARCH)
    declared = declare(row(MARCH))
    Settlement.objects.update(fund_paid=Decimal("99.00"))  # even if the rows were tampered with
    services.build_clearing(period=MARCH)
    assert row(MARCH).fund_paid == declared.fund_paid == Decimal("10.00")


def test_the_build_clearing_command_builds_the_month(report):
    report(fund="10.00")
    out = io.StringIO()
    call_command("build_clearing", "--period", "2026-03", stdout=out)
    assert "2026-03" in out.getvalue()
    assert row(MARCH).fund_paid == Decimal("10.00")


def test_a_late_settlement_for_a_pair_without_a_row_in_a_declared_month_goes_forward(report):
    """江苏 declared March (for 上海); a late March settlement of a 北京 insured person had no row then."""
    report(fund="10.00")
    services.build_clearing(period=MARCH)
    declare(row(MARCH))
    late = report(day="2026-03-28", fund="25.00", insured="110105")
    assert late.clearing_period == APRIL
    services.build_clearing(period=APRIL)
    assert figures(row(APRIL, insured="110000")) == (1, 0, Decimal("100.00"), Decimal("25.00"), 1,
                                                     Decimal("25.00"))
