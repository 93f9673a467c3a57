"""The partner API as API.md fixes it: create answers 201 with the contract's fields; the list filters."""
import datetime as dt

import pytest
from django.utils import timezone

from apps.registration.models import Registration
from tests.registration.factories import RegistrationFactory, registration_data
from tests.registration.helpers import as_json

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LIST = "/api/v1/registrations/"


def test_create_answers_201_with_reference_status_validity_and_scope(api_for):
    data = registration_data(category="referral", destination_region="320100")
    response = api_for("320508").post(LIST, as_json(data), format="json")
    assert response.status_code == 201
    body = response.json()
    registration = Registration.objects.get()
    assert body["reference"] == registration.reference
    assert body["status"] == "submitted"
    assert body["valid_from"] == TODAY.isoformat()
    assert body["valid_until"] == registration.end_date.isoformat()
    assert body["scope"] == "in_province"
    assert body["id_number"] != data["id_number"] and body["id_number"].startswith("3205")
    assert registration.channel == "api"


def test_a_partner_without_an_organisation_gets_no_access(client, db):
    from tests.factories import UserFactory
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(UserFactory(organisation=None))
    assert api.post(LIST, as_json(registration_data()), format="json").status_code == 403
    assert not Registration.objects.exists()


def test_a_missing_field_is_named(api_for):
    data = as_json(registration_data())
    del data["category"]
    response = api_for("320508").post(LIST, data, format="json")
    assert response.status_code == 400
    assert "category" in response.json()


def test_an_organisation_outside_the_insured_side_may_not_create(api_for):
    response = api_for("330100").post(LIST, as_json(registration_data()), format="json")
    assert response.status_code == 403
    assert not Registration.objects.exists()


def _refs(response):
    assert response.status_code == 200, response.content
    return {r["reference"] for r in response.json()["results"]}


def test_the_list_filters_by_id_number_status_and_category(api_for):
    mine = RegistrationFactory(person__insured="320508", category="referral", status="submitted",
                               end_date=TODAY + dt.timedelta(days=200))
    other = RegistrationFactory(person__insured="320508", category="long_term_resident", status="approved")
    api = api_for("320000")
    assert _refs(api.get(LIST, {"id_number": mine.person.id_number.lower()})) == {mine.reference}
    assert _refs(api.get(LIST, {"status": "approved"})) == {other.reference}
    assert _refs(api.get(LIST, {"category": "referral"})) == {mine.reference}


def test_the_list_filters_by_region_including_everything_under_it(api_for):
    suzhou = RegistrationFactory(person__insured="320508", destination="330100")
    wuxi = RegistrationFactory(person__insured="320205", destination="310000")
    api = api_for("000000")
    assert _refs(api.get(LIST, {"insured_region": "320500"})) == {suzhou.reference}
    assert _refs(api.get(LIST, {"insured_region": "320205"})) == {wuxi.reference}
    assert _refs(api.get(LIST, {"destination_region": "330000"})) == {suzhou.reference}
    assert _refs(api.get(LIST, {"destination_region": "999999"})) == set()


def test_the_list_filters_by_validity_on_a_day(api_for):
    running = RegistrationFactory(category="referral", start_date=TODAY - dt.timedelta(days=10),
                                  end_date=TODAY + dt.timedelta(days=100))
    ended = RegistrationFactory(category="referral", start_date=TODAY - dt.timedelta(days=300),
                                end_date=TODAY - dt.timedelta(days=50))
    long_term = RegistrationFactory(category="long_term_resident", start_date=TODAY - dt.timedelta(days=900))
    refs = _refs(api_for("000000").get(LIST, {"valid_on": TODAY.isoformat()}))
    assert refs == {running.reference, long_term.reference}
    assert ended.reference not in refs


def test_the_list_pages_with_a_cursor(api_for):
    for _ in range(3):
        RegistrationFactory()
    first = api_for("000000").get(LIST, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"] and "cursor=" in first["next"]
    assert "count" not in first


def test_errors_are_english_on_request(api_for):
    api = api_for("320508")
    data = as_json(registration_data(destination_region="320500"))
    response = api.post(LIST, data, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "outside the insured pooling area" in response.json()["destination_region"][0]
    registration = RegistrationFactory(person__insured="320508", status="approved")
    conflict = api.post(f"{LIST}{registration.reference}/approve/", HTTP_ACCEPT_LANGUAGE="en")
    assert conflict.status_code == 409
    assert "cannot be approved" in conflict.json()["non_field_errors"][0]


def test_the_public_form_stays_chinese_for_an_english_browser(client):
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in registration_data(
        destination_region="320500").items() if v not in (None, False, "")}
    data["commitment_signed"] = "on"
    page = client.post("/registration/", data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "参保统筹区" in page

