"""What a valid submission becomes: derived scope, default validity, instant approval, and the rules that
hold across submissions (overlap, commitment ban)."""
import datetime as dt
import re

import pytest
from django.utils import timezone

from apps.core.errors import NotAllowed, ValidationFailed
from apps.core.models import AuditEntry
from apps.regions.models import Organisation, Region
from apps.registration import services
from apps.registration.models import InsuredPerson, Registration
from tests.registration.factories import RegistrationFactory, registration_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def submit(**overrides):
    return services.submit_registration(actor=None, organisation=None, channel="web",
                                        data=registration_data(**overrides))


def test_a_long_term_registration_lasts_until_cancelled():
    registration = submit(category="retiree_relocated")
    assert registration.end_date is None
    assert registration.status == "submitted"


def test_a_temporary_registration_defaults_to_six_months_less_a_day():
    start = dt.date(TODAY.year + 1, 1, 31) if TODAY.month > 1 else dt.date(TODAY.year, 1, 31)  # within a year
    registration = submit(category="referral", start_date=start)
    assert registration.end_date == dt.date(start.year, 7, 30)


def test_six_months_from_the_end_of_august_is_clamped_to_february():
    start = dt.date(TODAY.year if TODAY <= dt.date(TODAY.year, 8, 31) else TODAY.year + 1, 8, 31)
    registration = submit(category="referral", start_date=start)
    assert registration.end_date == services.add_months(start, 6) - dt.timedelta(days=1)
    assert registration.end_date.month == 2


def test_a_temporary_registration_may_run_longer_than_six_months():
    registration = submit(category="temporary_other", end_date=TODAY + dt.timedelta(days=400))
    assert registration.end_date == TODAY + dt.timedelta(days=400)


def test_another_province_is_cross_province_and_another_city_of_the_province_in_province():
    assert submit(destination_region="310000").scope == "cross_province"
    assert submit(destination_region="320100").scope == "in_province"


def test_the_pooling_area_is_derived_from_the_insured_county():
    registration = submit(insured_region="320508")
    assert registration.insured_pooling_area_id == "320500"
    assert registration.person.insured_pooling_area_id == "320500"


def test_a_pooling_area_may_stand_for_the_insured_region_when_the_county_is_unknown():
    registration = submit(insured_region="320500", destination_region="330100")
    assert registration.insured_region_id == "320500"
    assert registration.insured_pooling_area_id == "320500"


def test_a_province_that_does_not_pool_is_not_an_insured_region():
    with pytest.raises(ValidationFailed) as exc:
        submit(insured_region="320000")
    assert "insured_region" in exc.value.as_dict()


def test_the_person_is_recorded_with_birth_date_and_sex_from_the_id_number():
    from apps.core import idnumbers

    registration = submit(id_number=idnumbers.make_id_number("320508", dt.date(1975, 3, 9), 8, male=False))
    person = registration.person
    assert (person.birth_date, person.sex) == (dt.date(1975, 3, 9), "F")


def test_the_reference_is_ba_with_the_date_and_a_growing_number():
    first, second = submit(), submit()
    assert re.fullmatch(rf"BA{TODAY:%Y%m%d}\d{{8}}", first.reference)
    assert second.reference[:10] == first.reference[:10]
    assert int(second.reference[10:]) > int(first.reference[10:])


def test_instant_approval_applies_where_the_pooling_area_has_it_on():
    Region.objects.filter(code="320500").update(instant_approval=True)
    registration = submit()
    assert registration.status == "approved"
    assert [e.to_status for e in registration.events.all()] == ["submitted", "approved"]
    assert "即申即享" in registration.events.last().reason


def test_no_instant_approval_without_it_switched_on():
    assert submit().status == "submitted"


def test_no_instant_approval_while_documents_are_still_owed():
    Region.objects.filter(code="320500").update(instant_approval=True)
    registration = submit(documents_owed="居住证明")
    assert registration.status == "submitted"
    assert registration.documents_due == TODAY + dt.timedelta(days=30)


def test_no_instant_approval_for_a_retroactive_registration():
    Region.objects.filter(code="320500").update(instant_approval=True)
    registration = submit(start_date=TODAY - dt.timedelta(days=2), retroactive_reason="急诊入院")
    assert registration.status == "submitted"


def test_a_past_start_is_accepted_with_a_reason_even_for_emergencies():
    registration = submit(category="emergency", start_date=TODAY - dt.timedelta(days=5),
                          retroactive_reason="急诊抢救后补办")
    assert registration.start_date == TODAY - dt.timedelta(days=5)
    assert registration.retroactive_reason == "急诊抢救后补办"


def test_proof_documents_stand_in_for_the_commitment():
    registration = submit(commitment_signed=False, documents_provided=True)
    assert registration.commitment_signed is False


def test_documents_owed_need_the_commitment():
    with pytest.raises(ValidationFailed) as exc:
        submit(commitment_signed=False, documents_provided=True, documents_owed="居住证明")
    assert "commitment_signed" in exc.value.as_dict()


def test_a_person_banned_from_the_commitment_route_must_bring_documents():
    data = registration_data()
    registration = submit(id_number=data["id_number"], destination_region="330100")
    InsuredPerson.objects.filter(pk=registration.person_id).update(
        commitment_banned_until=TODAY + dt.timedelta(days=100))
    with pytest.raises(ValidationFailed) as exc:
        submit(id_number=data["id_number"])
    assert "承诺制" in exc.value.as_dict()["commitment_signed"][0]
    assert submit(id_number=data["id_number"], commitment_signed=False, documents_provided=True).pk


def test_two_active_registrations_for_the_same_destination_may_not_overlap():
    data = registration_data()
    submit(id_number=data["id_number"], destination_region="310000")
    with pytest.raises(ValidationFailed) as exc:
        submit(id_number=data["id_number"], destination_region="310000", category="referral")
    assert "重复备案" in exc.value.as_dict()["destination_region"][0]
    assert Registration.objects.count() == 1


def test_a_city_inside_an_already_registered_province_counts_as_the_same_destination():
    data = registration_data()
    submit(id_number=data["id_number"], destination_region="330000")
    with pytest.raises(ValidationFailed):
        submit(id_number=data["id_number"], destination_region="330100")


def test_registrations_for_different_destinations_or_after_one_ends_are_fine():
    data = registration_data()
    first = submit(id_number=data["id_number"], destination_region="310000", category="referral")
    submit(id_number=data["id_number"], destination_region="330100")
    later = submit(id_number=data["id_number"], destination_region="310000", category="referral",
                   start_date=first.end_date + dt.timedelta(days=1))
    assert later.pk


def test_a_rejected_registration_does_not_block_a_new_one():
    data = registration_data()
    RegistrationFactory(person__id_number=data["id_number"], person__name=data["name"], person__insured="320508",
                        destination="310000", status="rejected", start_date=TODAY)
    assert submit(id_number=data["id_number"]).pk


def test_an_organisation_registers_only_people_insured_in_its_scope():
    with pytest.raises(NotAllowed):
        services.submit_registration(actor=None, organisation=Organisation.objects.get(code="320505"),
                                     channel="counter", data=registration_data())
    assert not Registration.objects.exists()


def test_submission_writes_an_event_and_an_audit_entry():
    registration = submit()
    event = registration.events.get()
    assert (event.from_status, event.to_status) == ("", "submitted")
    assert AuditEntry.objects.filter(action="registration.submit", object_id=str(registration.pk)).exists()
