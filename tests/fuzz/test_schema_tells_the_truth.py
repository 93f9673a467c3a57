"""The live schema documents what the API really answers: the error codes of API.md's conventions on every
operation, and months as ``YYYY-MM`` strings (not dates)."""
import pytest

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def error_body(operation, code):
    return operation["responses"][code]["content"]["application/json"]["schema"]


def test_every_operation_documents_401_403_and_429_with_the_error_body(schema):
    for path, method, operation in operations(schema):
        for code in ("401", "403", "429"):
            assert error_body(operation, code) == ERROR_REF, (method, path, code)


def test_a_body_or_query_parameters_mean_400(schema):
    for path, method, operation in operations(schema):
        takes_input = "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", []))
        assert ("400" in operation["responses"]) == (takes_input or method == "post"), (method, path)


def test_a_body_means_415(schema):
    for path, method, operation in operations(schema):
        assert ("415" in operation["responses"]) == ("requestBody" in operation), (method, path)
    # the fuzz run sent POST /api/v1/tickets/{number}/reopen/ a body without a readable media type: 415
    reopen = schema["paths"]["/api/v1/tickets/{number}/reopen/"]["post"]
    assert error_body(reopen, "415") == ERROR_REF


def test_an_object_in_the_path_or_a_page_means_404_and_an_action_on_it_409(schema):
    responses = {(m, p): o["responses"] for p, m, o in operations(schema)}
    for key in [("get", "/api/v1/settlements/{number}/"), ("get", "/api/v1/settlements/"),
                ("get", "/api/v1/regions/"), ("post", "/api/v1/tickets/{number}/escalate/")]:
        assert "404" in responses[key], key
    for key in [("post", "/api/v1/registrations/{reference}/approve/"), ("post", "/api/v1/clearings/{id}/declare/"),
                ("post", "/api/v1/flags/{id}/conclude/"), ("post", "/api/v1/settlements/{number}/reverse/"),
                ("post", "/api/v1/tickets/{number}/close/")]:
        assert error_body({"responses": responses[key]}, "409") == ERROR_REF, key
    assert "404" not in responses[("post", "/api/v1/registrations/")]
    assert "409" not in responses[("post", "/api/v1/tickets/")]
    # what a view documents itself is kept: the settlement's own 409 description
    assert responses[("post", "/api/v1/settlements/")]["409"]["description"] == "同一机构已用该编号上报了内容不同的结算"


def test_the_error_body_admits_both_shapes_the_api_answers(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["type"] == "object"
    kinds = {alternative["type"] for alternative in error["additionalProperties"]["anyOf"]}
    assert {"string", "array"} <= kinds  # {"detail": "..."} and {"field": ["...", ...]}


def test_months_are_documented_as_yyyy_mm_strings(schema):
    components = schema["components"]["schemas"]
    for component, field in [("Settlement", "clearing_period"), ("Clearing", "period")]:
        documented = components[component]["properties"][field]
        assert documented["type"] == "string" and "format" not in documented, (component, documented)
        assert documented["pattern"] == r"^\d{4}-\d{2}$"


def test_a_registration_event_without_an_organisation_is_documented_as_null(schema, api_for):
    # a registration submitted on the public form: its event has no organisation, and the API shows null
    from apps.registration.services import submit_registration
    from tests.registration.factories import registration_data

    registration = submit_registration(actor=None, organisation=None, channel="web",
                                       data=registration_data(insured_region="320508"))
    shown = api_for("320508").get(f"/api/v1/registrations/{registration.reference}/").json()
    assert shown["events"][0]["organisation"] is None
    documented = schema["components"]["schemas"]["RegistrationEvent"]["properties"]["organisation"]
    assert documented["type"] == "string" and documented["nullable"] is True
