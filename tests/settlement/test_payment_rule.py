"""Worked examples of the expected fund payment (参保地政策): deductible, level ratio, annual cap, the reductions
for temporary registrants, unregistered treatment, rounding. The 上海 employee inpatient policy of the factory:
deductible 1,000; ratio 85 / 90 / 95 % at 三级 / 二级 / 一级; cap 50,000; referral/emergency −10 points,
other temporary −20 points; unregistered −30 points."""
import datetime as dt
from decimal import Decimal

import pytest

from apps.settlement.models import Settlement
from tests.facilities.factories import FacilityFactory
from tests.registration.factories import InsuredPersonFactory, RegistrationFactory
from tests.settlement.factories import PolicyFactory, SettlementFactory, settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"


@pytest.fixture
def policy(db):
    return PolicyFactory()


@pytest.fixture
def registered(db):
    return RegistrationFactory(category="long_term_resident").person


def stay(client, facility, person, eligible, day="2026-03-10", **extra):
    total = Decimal(eligible) + 100
    body = settlement_payload(
        facility=facility.code, id_number=person.id_number, name=person.name, visit_type="inpatient",
        service_start=day, service_end=day, settled_at=f"{day}T16:00:00+08:00", total_amount=str(total),
        eligible_amount=str(eligible), fund_paid="0.00", account_paid="0.00", cash_paid=str(total), **extra)
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.data
    return response.data["expected_fund_paid"]


def test_the_deductible_is_taken_off_the_first_stay_only(policy, hospital_api, hospital, registered):
    assert stay(hospital_api, hospital, registered, "5000.00") == "3400.00"  # (5000 − 1000) × 85 %
    assert stay(hospital_api, hospital, registered, "2000.00", day="2026-04-02") == "1700.00"  # 2000 × 85 %


def test_a_deductible_not_reached_carries_its_remainder_to_the_next_stay(policy, hospital_api, hospital, registered):
    assert stay(hospital_api, hospital, registered, "600.00") == "0.00"
    assert stay(hospital_api, hospital, registered, "2000.00", day="2026-04-02") == "1360.00"  # (2000 − 400) × 85 %


def test_a_new_calendar_year_starts_a_new_deductible(policy, hospital_api, hospital, registered):
    stay(hospital_api, hospital, registered, "5000.00", day="2025-12-20")
    assert stay(hospital_api, hospital, registered, "5000.00", day="2026-01-05") == "3400.00"


def test_the_ratio_follows_the_facility_level(policy, api_for, registered):
    level2 = FacilityFactory(county="320508", level="2")
    level1 = FacilityFactory(county="320508", level="1")
    assert stay(api_for(level2.code), level2, registered, "11000.00") == "9000.00"  # (11000 − 1000) × 90 %
    assert stay(api_for(level1.code), level1, registered, "3000.00", day="2026-04-01") == "2850.00"  # 3000 × 95 %


def test_the_annual_cap_reached_mid_year_limits_the_payment_and_then_stops_it(policy, hospital_api, hospital,
                                                                              registered):
    SettlementFactory(id_number=registered.id_number, insured="310115", visit_type="inpatient",
                      service_start=dt.date(2026, 2, 1), eligible_amount=Decimal("60000.00"),
                      total_amount=Decimal("60000.00"), fund_paid=Decimal("48000.00"), account_paid=0,
                      cash_paid=Decimal("12000.00"), deductible_applied=Decimal("1000.00"))
    assert stay(hospital_api, hospital, registered, "10000.00") == "2000.00"  # only 50,000 − 48,000 left
    # the reported fund payment of that stay now fills the cap
    Settlement.objects.filter(id_number=registered.id_number, service_start=dt.date(2026, 3, 10)).update(
        fund_paid=Decimal("2000.00"))
    assert stay(hospital_api, hospital, registered, "10000.00", day="2026-05-01") == "0.00"


def test_a_reversed_earlier_stay_does_not_use_up_the_cap_or_deductible(policy, hospital_api, hospital, registered):
    SettlementFactory(id_number=registered.id_number, insured="310115", visit_type="inpatient",
                      service_start=dt.date(2026, 2, 1), fund_paid=Decimal("50000.00"),
                      deductible_applied=Decimal("1000.00"), reversed_at=dt.datetime(2026, 2, 5, tzinfo=dt.UTC))
    assert stay(hospital_api, hospital, registered, "5000.00") == "3400.00"


def test_a_referral_registrant_gets_the_level_ratio_less_the_referral_reduction(policy, hospital_api, hospital):
    person = RegistrationFactory(category="referral", end_date=dt.date(2026, 6, 30)).person
    assert stay(hospital_api, hospital, person, "5000.00") == "3000.00"  # (5000 − 1000) × 75 %


def test_an_emergency_registrant_gets_the_same_reduction_as_a_referral(policy, hospital_api, hospital):
    person = RegistrationFactory(category="emergency", end_date=dt.date(2026, 6, 30)).person
    assert stay(hospital_api, hospital, person, "5000.00") == "3000.00"


def test_an_other_temporary_registrant_gets_the_larger_reduction(policy, hospital_api, hospital):
    person = RegistrationFactory(category="temporary_other", end_date=dt.date(2026, 6, 30)).person
    assert stay(hospital_api, hospital, person, "5000.00") == "2600.00"  # (5000 − 1000) × 65 %


def test_unregistered_treatment_falls_back_to_the_reduced_ratio(policy, hospital_api, hospital):
    person = InsuredPersonFactory()
    assert stay(hospital_api, hospital, person, "5000.00") == "2200.00"  # (5000 − 1000) × (85 − 30) %


def test_unregistered_treatment_under_a_fixed_ratio_rule_pays_that_ratio(hospital_api, hospital):
    PolicyFactory(unregistered_rule="fixed", unregistered_value=Decimal("40"))
    person = InsuredPersonFactory()
    assert stay(hospital_api, hospital, person, "5000.00") == "1600.00"  # (5000 − 1000) × 40 %


def test_amounts_are_rounded_half_up_to_the_cent(hospital_api, hospital, registered):
    PolicyFactory(deductible=Decimal("0.00"))
    assert stay(hospital_api, hospital, registered, "1000.10") == "850.09"  # 850.085 → 850.09


def test_a_policy_taking_effect_later_does_not_apply_to_an_earlier_visit(policy, hospital_api, hospital, registered):
    PolicyFactory(effective_from=dt.date(2026, 7, 1), deductible=Decimal("0.00"))
    assert stay(hospital_api, hospital, registered, "5000.00") == "3400.00"


def test_a_pooling_area_without_its_own_policy_uses_the_national_reference(hospital_api, hospital):
    """参考政策 (migration): employee inpatient deductible 1,200 and 85 % at a 三级 hospital."""
    person = RegistrationFactory(person=InsuredPersonFactory(insured="330106")).person
    expected = stay(hospital_api, hospital, person, "5200.00", insured_region="330106")
    assert expected == "3400.00"  # (5200 − 1200) × 85 %


def test_the_settlement_keeps_the_policy_it_was_judged_on(policy, hospital_api, hospital, registered):
    stay(hospital_api, hospital, registered, "5000.00")
    settlement = Settlement.objects.get(id_number=registered.id_number)
    assert settlement.policy == policy
    assert settlement.deductible_applied == Decimal("1000.00")


def test_two_stays_in_one_bulk_share_the_deductible_in_order(policy, hospital_api, hospital, registered):
    def body(day, eligible):
        return settlement_payload(facility=hospital.code, id_number=registered.id_number, visit_type="inpatient",
                                  service_start=day, service_end=day, settled_at=f"{day}T16:00:00+08:00",
                                  total_amount="5100.00", eligible_amount=eligible, fund_paid="0.00",
                                  account_paid="0.00", cash_paid="5100.00")
    first, second = body("2026-03-10", "600.00"), body("2026-03-20", "5000.00")
    hospital_api.post("/api/v1/settlements/bulk/", {"settlements": [first, second]}, format="json")
    expected = dict(Settlement.objects.values_list("number", "expected_fund_paid"))
    assert expected[first["number"]] == Decimal("0.00")
    assert expected[second["number"]] == Decimal("3910.00")  # (5000 − 400 left of the deductible) × 85 %
