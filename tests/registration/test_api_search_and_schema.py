"""POST /api/v1/registrations/search/ looks a person up without the ID number in a URL (answering exactly
like the list), and the OpenAPI schema says what the answers really hold (null where null comes back)."""
import datetime as dt

import pytest
from django.utils import timezone

from apps.registration import services
from tests.registration.factories import RegistrationFactory, registration_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LIST = "/api/v1/registrations/"
SEARCH = "/api/v1/registrations/search/"


@pytest.fixture
def rows():
    mine = RegistrationFactory(person__insured="320508", destination="330100", category="referral",
                               status="submitted", end_date=TODAY + dt.timedelta(days=200))
    mine_too = RegistrationFactory(person=mine.person, destination="310000", status="approved")
    other = RegistrationFactory(person__insured="320508", destination="330100")
    elsewhere = RegistrationFactory(person__insured="320205", destination="330100")  # 无锡: outside 苏州
    return {"mine": mine, "mine_too": mine_too, "other": other, "elsewhere": elsewhere}


def test_search_answers_exactly_like_the_list(api_for, rows):
    api = api_for("320500")
    id_number = rows["mine"].person.id_number
    listed = api.get(LIST, {"id_number": id_number}).json()
    searched = api.post(SEARCH, {"id_number": id_number}, format="json")
    assert searched.status_code == 200
    assert searched.json() == listed
    assert {r["reference"] for r in searched.json()["results"]} == {rows["mine"].reference,
                                                                     rows["mine_too"].reference}
    assert all(id_number not in r["id_number"] for r in searched.json()["results"])  # masked, like the list


def test_search_takes_the_lists_other_filters(api_for, rows):
    api = api_for("320500")
    id_number = rows["mine"].person.id_number
    for extra, expected in (({"status": "approved"}, {rows["mine_too"].reference}),
                            ({"category": "referral"}, {rows["mine"].reference}),
                            ({"destination_region": "330000"}, {rows["mine"].reference}),
                            ({"valid_on": (TODAY + dt.timedelta(days=300)).isoformat()}, {rows["mine_too"].reference})):
        response = api.post(SEARCH, {"id_number": id_number, **extra}, format="json")
        assert response.status_code == 200, response.content
        assert {r["reference"] for r in response.json()["results"]} == expected, extra


def test_search_keeps_to_the_callers_scope(api_for, rows):
    api = api_for("320500")
    response = api.post(SEARCH, {"id_number": rows["elsewhere"].person.id_number}, format="json")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_search_pages_with_the_same_cursor(api_for, rows):
    api = api_for("320500")
    id_number = rows["mine"].person.id_number
    first = api.post(f"{SEARCH}?page_size=1", {"id_number": id_number}, format="json").json()
    assert len(first["results"]) == 1 and "/search/?" in first["next"]
    second = api.post(first["next"], {"id_number": id_number}, format="json").json()
    assert len(second["results"]) == 1
    assert first["results"][0]["reference"] != second["results"][0]["reference"]


@pytest.mark.parametrize("body, field", [
    ({}, "id_number"),
    ({"id_number": "3205"}, "id_number"),
    ({"id_number": ["a"]}, "id_number"),
    ({"id_number": "x", "valid_on": "9999-12-31"}, "valid_on"),
    ({"id_number": "x", "insured_region": "\u0001"}, "insured_region"),
    ({"id_number": "x", "status": "bogus"}, "status"),
])
def test_a_bad_search_is_a_400_naming_the_field(api_for, rows, body, field):
    if body.get("id_number") == "x":
        body["id_number"] = rows["mine"].person.id_number
    response = api_for("320500").post(SEARCH, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_get_filter_by_id_number_still_works(api_for, rows):
    response = api_for("320500").get(LIST, {"id_number": rows["other"].person.id_number})
    assert [r["reference"] for r in response.json()["results"]] == [rows["other"].reference]


def test_search_needs_an_organisation(db):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    api = APIClient()
    api.force_authenticate(UserFactory(organisation=None))
    assert api.post(SEARCH, {"id_number": "320508196005170011"}, format="json").status_code == 403


# --- the schema ---------------------------------------------------------------------------------------

@pytest.fixture
def schema(api_for):
    response = api_for("000000").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_an_events_organisation_is_nullable_in_the_schema_and_null_in_answers(api_for, schema):
    assert schema["components"]["schemas"]["RegistrationEvent"]["properties"]["organisation"].get("nullable") is True
    registration = services.submit_registration(actor=None, organisation=None, channel="web",
                                                data=registration_data())
    body = api_for("320508").get(f"{LIST}{registration.reference}/").json()
    assert body["events"][0]["organisation"] is None


def test_every_field_the_answer_may_leave_null_is_nullable_in_the_schema(api_for, schema):
    """A submitted registration from the public form: each null in the answer is allowed by the schema."""
    registration = services.submit_registration(actor=None, organisation=None, channel="web",
                                                data=registration_data(category="long_term_resident"))
    body = api_for("320508").get(f"{LIST}{registration.reference}/").json()
    properties = schema["components"]["schemas"]["Registration"]["properties"]
    nulls = {k for k, v in body.items() if v is None}
    assert nulls, "the sample should have null fields (valid_until, documents_due)"
    for field in nulls:
        assert properties[field].get("nullable") is True, field
    event_properties = schema["components"]["schemas"]["RegistrationEvent"]["properties"]
    for event in body["events"]:
        for field in (k for k, v in event.items() if v is None):
            assert event_properties[field].get("nullable") is True, field


def test_the_schema_documents_search_as_a_paginated_post(schema):
    operation = schema["paths"]["/api/v1/registrations/search/"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/RegistrationSearch")
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert answer.endswith("/PaginatedRegistrationList")
    assert {p["name"] for p in operation.get("parameters", [])} == {"cursor", "page_size"}
    required = schema["components"]["schemas"]["RegistrationSearch"]["required"]
    assert required == ["id_number"]
