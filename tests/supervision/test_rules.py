"""Each rule flags its planted cases and nothing of the clean control population (near misses included)."""
import pytest

from apps.supervision.models import Flag
from apps.supervision.services import run_scan
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db


def flagged(code):
    return set(Flag.objects.filter(rule_id=code).values_list("settlement__number", flat=True))


def planted_and_clean(code):
    planted = f.PLANTERS[code]()
    f.clean_population()
    run_scan(all_settlements=True)
    return {s.number for s in planted}


def test_the_clean_population_raises_no_flag_at_all():
    f.clean_population()
    run = run_scan(all_settlements=True)
    assert run.flags_created == 0
    assert list(Flag.objects.values_list("rule_id", "settlement__number", "detail")) == []


def test_treatment_without_a_valid_registration_is_flagged_but_emergency_care_is_not():
    planted = planted_and_clean("NO_REGISTRATION")
    assert flagged("NO_REGISTRATION") == planted
    reasons = set(Flag.objects.filter(rule_id="NO_REGISTRATION").values_list("detail__reason", flat=True))
    assert reasons == {"no_registration", "registration_not_approved", "outside_validity"}


def test_overlapping_inpatient_stays_flag_both_stays_with_each_other_as_evidence():
    planted = planted_and_clean("INPATIENT_OVERLAP")
    assert flagged("INPATIENT_OVERLAP") == planted
    for flag in Flag.objects.filter(rule_id="INPATIENT_OVERLAP"):
        assert flag.detail["other"] == (planted - {flag.settlement.number}).pop()
        assert flag.evidence_key == f"{flag.detail['other_facility']}:{flag.detail['other']}"
        assert flag.detail["overlap_days"] == 5


def test_outpatient_visits_in_two_cities_on_one_day_are_flagged():
    planted = planted_and_clean("SAME_DAY_CITIES")
    assert flagged("SAME_DAY_CITIES") == planted


def test_the_visit_that_exceeds_the_monthly_outpatient_limit_is_flagged():
    planted = planted_and_clean("FREQUENT_OUTPATIENT")
    assert flagged("FREQUENT_OUTPATIENT") == planted
    assert Flag.objects.get(rule_id="FREQUENT_OUTPATIENT").detail["visits_in_window"] == 9


def test_drug_supply_beyond_the_days_covered_is_flagged():
    planted = planted_and_clean("DRUG_OVERSUPPLY")
    assert flagged("DRUG_OVERSUPPLY") == planted
    flag = Flag.objects.get(rule_id="DRUG_OVERSUPPLY")
    assert (flag.evidence_key, flag.detail["days_in_window"], flag.detail["purchases"]) == ("XC01", 150, 5)


def test_the_same_person_facility_day_and_amount_twice_is_a_duplicate():
    planted = planted_and_clean("DUPLICATE")
    assert flagged("DUPLICATE") == planted


def test_readmission_to_the_same_facility_within_14_days_is_flagged():
    planted = planted_and_clean("READMISSION")
    assert flagged("READMISSION") == planted
    assert Flag.objects.get(rule_id="READMISSION").detail["gap_days"] == 14


def test_care_the_facility_has_not_opened_is_flagged_and_a_confirmed_family_covers_its_subtypes():
    planted = planted_and_clean("SERVICE_NOT_OPENED")
    assert flagged("SERVICE_NOT_OPENED") == planted


def test_a_claim_far_above_its_peers_is_flagged():
    planted = planted_and_clean("PEER_OUTLIER")
    assert flagged("PEER_OUTLIER") == planted
    detail = Flag.objects.get(rule_id="PEER_OUTLIER").detail
    assert detail["total_amount"] == "5000.00" and detail["peer_count"] == 42


def test_sex_and_age_restricted_items_given_to_the_wrong_person_are_flagged():
    planted = planted_and_clean("RESTRICTED_ITEM")
    assert flagged("RESTRICTED_ITEM") == planted
    ages = {flag.evidence_key: flag.detail["age"] for flag in Flag.objects.filter(rule_id="RESTRICTED_ITEM")}
    assert ages == {"250403021": 56, "311201001": 56, "410000009": 30, "250309008": 20, "311300003": 60}


def test_a_cross_province_inpatient_claim_over_30000_is_flagged():
    planted = planted_and_clean("LARGE_INPATIENT")
    assert flagged("LARGE_INPATIENT") == planted
    assert Flag.objects.get(rule_id="LARGE_INPATIENT").detail == {"total_amount": "30000.01",
                                                                  "threshold": "30000.00"}


def test_reversed_settlements_do_not_count():
    from django.utils import timezone

    for s in f.plant_duplicate():
        s.reversed_at = timezone.now()
        s.save(update_fields=["reversed_at"])
    run_scan(all_settlements=True)
    assert flagged("DUPLICATE") == set()
