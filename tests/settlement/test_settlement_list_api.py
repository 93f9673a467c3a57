"""GET /api/v1/settlements/: cursor pages (no COUNT), filters by region subtree, facility, type, dates, flags; scope."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.supervision.models import Flag, Rule
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"


def numbers(response):
    assert response.status_code == 200, response.data
    return {r["number"] for r in response.data["results"]}


@pytest.fixture
def spread(db):
    hangzhou = FacilityFactory(county="330106")
    return {
        "suzhou": SettlementFactory(settled_at=dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC)),
        "hangzhou": SettlementFactory(facility=hangzhou, insured="110105", visit_type="inpatient",
                                      settled_at=dt.datetime(2026, 4, 2, 2, tzinfo=dt.UTC)),
        "beijing_in_suzhou": SettlementFactory(insured="110105", settled_at=dt.datetime(2026, 5, 1, 2,
                                                                                            tzinfo=dt.UTC)),
    }


def test_the_list_is_cursor_paginated_without_a_count(api_for, spread):
    client = api_for("000000")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"page_size": 2})
    assert "count" not in response.data and response.data["next"]
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    second = client.get(response.data["next"])
    assert len(response.data["results"]) + len(second.data["results"]) == 3


def test_filters_by_insured_and_treatment_region_subtrees(api_for, spread):
    client = api_for("000000")
    assert numbers(client.get(URL, {"insured_region": "110000"})) == {spread["hangzhou"].number,
                                                                      spread["beijing_in_suzhou"].number}
    assert numbers(client.get(URL, {"treatment_region": "320500"})) == {spread["suzhou"].number,
                                                                        spread["beijing_in_suzhou"].number}


def test_filters_by_facility_visit_type_and_dates(api_for, spread):
    client = api_for("000000")
    assert numbers(client.get(URL, {"facility": spread["hangzhou"].facility_id})) == {spread["hangzhou"].number}
    assert numbers(client.get(URL, {"visit_type": "inpatient"})) == {spread["hangzhou"].number}
    assert numbers(client.get(URL, {"settled_from": "2026-04-01", "settled_to": "2026-04-30"})) == {
        spread["hangzhou"].number}


def test_filters_by_flagged_and_shows_the_rule_codes(api_for, spread):
    s = spread["suzhou"]
    Flag.objects.create(settlement=s, rule=Rule.objects.create(code="NOREG", name="未备案就医"),
                        insured_region=s.insured_region, treatment_region=s.treatment_region, facility=s.facility)
    response = api_for("000000").get(URL, {"flagged": "true"})
    assert numbers(response) == {s.number}
    assert response.data["results"][0]["flags"] == ["NOREG"]
    assert s.number not in numbers(api_for("000000").get(URL, {"flagged": "false"}))


def test_each_organisation_sees_its_own_scope(api_for, spread):
    assert numbers(api_for("330000").get(URL)) == {spread["hangzhou"].number}
    assert numbers(api_for(spread["suzhou"].facility_id).get(URL)) == {spread["suzhou"].number}
    assert api_for("440000").get(f"{URL}{spread['suzhou'].number}/").status_code == 404


def test_the_record_masks_the_id_number(api_for, spread):
    data = api_for("000000").get(f"{URL}{spread['suzhou'].number}/").data
    assert "*" in data["id_number"] and data["id_number"] != spread["suzhou"].id_number
