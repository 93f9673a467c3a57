"""A settlement is matched to the registration valid on the service date for that person and that place."""
import datetime as dt

import pytest

from tests.registration.factories import InsuredPersonFactory, RegistrationFactory
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"


def report(client, hospital, person, **fields):
    body = settlement_payload(facility=hospital.code, id_number=person.id_number, name=person.name, **fields)
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.data
    return response.data


def test_a_registration_to_the_facilitys_city_is_matched(hospital_api, hospital):
    registration = RegistrationFactory(destination="320500")
    assert report(hospital_api, hospital, registration.person)["registration"] == registration.reference


def test_a_registration_to_the_facilitys_province_is_matched(hospital_api, hospital):
    registration = RegistrationFactory(destination="320000")
    assert report(hospital_api, hospital, registration.person)["registration"] == registration.reference


def test_a_registration_to_another_city_is_not_matched(hospital_api, hospital):
    registration = RegistrationFactory(destination="320100")
    assert report(hospital_api, hospital, registration.person)["registration"] is None


def test_a_registration_not_yet_valid_on_the_service_date_is_not_matched(hospital_api, hospital):
    registration = RegistrationFactory(start_date=dt.date(2026, 3, 11))
    assert report(hospital_api, hospital, registration.person)["registration"] is None


def test_a_submitted_registration_is_not_matched(hospital_api, hospital):
    registration = RegistrationFactory(status="submitted")
    assert report(hospital_api, hospital, registration.person)["registration"] is None


def test_a_registration_that_has_since_expired_still_covers_a_visit_within_its_validity(hospital_api, hospital):
    registration = RegistrationFactory(category="temporary_other", start_date=dt.date(2025, 10, 1),
                                       end_date=dt.date(2026, 3, 31), status="expired")
    assert report(hospital_api, hospital, registration.person)["registration"] == registration.reference


def test_a_long_term_registration_is_preferred_over_a_temporary_one(hospital_api, hospital):
    person = InsuredPersonFactory()
    RegistrationFactory(person=person, category="temporary_other", start_date=dt.date(2026, 3, 1),
                        end_date=dt.date(2026, 8, 31))
    long_term = RegistrationFactory(person=person, category="retiree_relocated", start_date=dt.date(2025, 1, 1))
    assert report(hospital_api, hospital, person)["registration"] == long_term.reference


def test_an_emergency_registration_made_afterwards_with_a_past_start_counts_as_registered(hospital_api, hospital):
    """补办: registered after admission, before the discharge settlement, starting on the admission day."""
    registration = RegistrationFactory(category="emergency", start_date=dt.date(2026, 3, 10),
                                       end_date=dt.date(2026, 9, 9), retroactive_reason="急诊入院")
    data = report(hospital_api, hospital, registration.person, visit_type="inpatient",
                  service_end="2026-03-14", settled_at="2026-03-14T15:00:00+08:00")
    assert data["registration"] == registration.reference
