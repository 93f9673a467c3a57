"""The OpenAPI schema says what the answers are: clearing months are ``YYYY-MM`` strings (not dates) in both,
the number's character set and the ``facility`` parameter of the by-number endpoints are documented."""
import datetime as dt
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.settlement.ingest import NUMBER_PATTERN
from apps.settlement.models import Clearing
from tests.factories import region
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def matches(field_schema: dict, value) -> bool:
    if value is None:
        return field_schema.get("nullable", False)
    return field_schema["type"] == "string" and "format" not in field_schema and \
        re.fullmatch(field_schema["pattern"].strip("^$"), value) is not None


def test_a_settlements_clearing_period_is_a_month_string_in_schema_and_answer(api_for, schema):
    s = SettlementFactory(clearing_period=dt.date(2026, 3, 1))
    field = schema["components"]["schemas"]["Settlement"]["properties"]["clearing_period"]
    answer = api_for("000000").get(f"/api/v1/settlements/{s.number}/").json()["clearing_period"]
    assert answer == "2026-03"
    assert matches(field, answer)


def test_a_clearing_rows_period_is_a_month_string_in_schema_and_answer(api_for, schema):
    Clearing.objects.create(period=dt.date(2026, 3, 1), insured_province=region("310000"),
                            treatment_province=region("320000"), declare_due=dt.date(2026, 4, 20))
    field = schema["components"]["schemas"]["Clearing"]["properties"]["period"]
    [row] = api_for("000000").get("/api/v1/clearings/").json()["results"]
    assert row["period"] == "2026-03"
    assert matches(field, row["period"])
    assert field["pattern"] == r"^\d{4}-\d{2}$"


def test_the_number_character_set_reaches_the_schema(schema):
    number = schema["components"]["schemas"]["SettlementIn"]["properties"]["number"]
    assert number["pattern"] == f"^{NUMBER_PATTERN}$" and number["maxLength"] == 64
    assert "[A-Za-z0-9_.-]" in number["description"] or "英文字母、数字、下划线" in number["description"]


@pytest.mark.parametrize("path, method", [("/api/v1/settlements/{number}/", "get"),
                                          ("/api/v1/settlements/{number}/reverse/", "post")])
def test_the_facility_parameter_of_the_by_number_endpoints_is_documented(schema, path, method):
    parameters = {p["name"]: p for p in schema["paths"][path][method]["parameters"]}
    assert parameters["facility"]["in"] == "query" and not parameters["facility"].get("required")
    assert "facility" in parameters["facility"]["description"]
    assert "400" in schema["paths"][path][method]["responses"]
