"""A bulk and a single report of the same (facility, number) at the same moment, on two real connections: exactly
one row is stored and the other side answers duplicate/200 or conflict/409 by content — never a 500.

The overlap is forced: one side holds its inserted, uncommitted row until the other side is inside its own
insert, so the loser meets PostgreSQL's unique index (it waits, then gets a unique violation) rather than the
friendly lookup before it — the path where a bulk used to be at risk."""
import threading
import time
from unittest import mock

import pytest
from rest_framework.test import APIClient

from apps.core import audit
from apps.settlement import services
from apps.settlement.models import Settlement, SettlementItem
from tests.concurrency import run_concurrently
from tests.facilities.factories import FacilityFactory
from tests.factories import UserFactory
from tests.settlement.factories import settlement_payload

URL = "/api/v1/settlements/"
BULK_SIZE = 200
role = threading.local()


@pytest.fixture
def hospital(race_db):
    return FacilityFactory(county="320508")


def client_for(code):
    client = APIClient()
    client.force_authenticate(user=UserFactory(org=code))
    return client


def hold_until_the_other_inserts(slow: str):
    """Patches: the ``slow`` side, once it has inserted, waits (before its audit entry and commit) until the other
    side has started its insert, and a little longer so that insert is really waiting on our row."""
    slow_inserted, other_inserting = threading.Event(), threading.Event()
    real_insert_all, real_record = services._insert_all, audit.record

    def insert_all(rows):
        if getattr(role, "name", None) == slow:
            result = real_insert_all(rows)
            slow_inserted.set()
            return result
        assert slow_inserted.wait(30), "the slow side never inserted"
        other_inserting.set()
        return real_insert_all(rows)

    def record(**kwargs):
        if getattr(role, "name", None) == slow:
            assert other_inserting.wait(30), "the other side never reached its insert"
            time.sleep(0.5)
        return real_record(**kwargs)

    return mock.patch.multiple(services, _insert_all=insert_all), mock.patch.object(audit, "record", record)


def as_role(name, call):
    def run():
        role.name = name
        return call()
    return run


@pytest.mark.parametrize("slow", ["single", "bulk"])
@pytest.mark.parametrize("same_content", [True, False], ids=["same-content", "different-content"])
def test_a_bulk_racing_a_single_post_of_the_same_number_stores_one_row(hospital, slow, same_content):
    body = settlement_payload(facility=hospital.code, items=[
        {"code": "XA01", "name": "氨氯地平片", "category": "drug", "quantity": "2", "unit_price": "12.5000",
         "amount": "25.00", "days_supply": 30}])
    in_bulk = body if same_content else {**body, "total_amount": "200.00", "cash_paid": "130.00"}
    others = [settlement_payload(facility=hospital.code) for _ in range(BULK_SIZE - 1)]
    single_client, bulk_client = client_for(hospital.code), client_for(hospital.code)
    patch_insert, patch_audit = hold_until_the_other_inserts(slow)

    with patch_insert, patch_audit:
        single, bulk = run_concurrently(
            as_role("single", lambda: single_client.post(URL, body, format="json")),
            as_role("bulk", lambda: bulk_client.post(f"{URL}bulk/", {"settlements": others + [in_bulk]},
                                                     format="json")))

    assert not isinstance(single, Exception) and not isinstance(bulk, Exception), (single, bulk)
    assert bulk.status_code == 200, bulk.content
    raced = bulk.json()["results"][-1]
    assert raced["number"] == body["number"]
    assert bulk.json()["created"] >= BULK_SIZE - 1  # the others are stored whatever happened to the raced one
    if slow == "single":  # the single POST stored first; the bulk met its row at the unique index
        assert single.status_code == 201
        assert raced["outcome"] == ("duplicate" if same_content else "conflict")
        winner_total = body["total_amount"]
    else:  # the bulk stored first; the single POST met its row at the unique index
        assert raced["outcome"] == "created"
        assert single.status_code == (200 if same_content else 409), single.content
        winner_total = in_bulk["total_amount"]
    rows = Settlement.objects.filter(facility=hospital, number=body["number"])
    assert rows.count() == 1 and str(rows.get().total_amount) == winner_total
    assert SettlementItem.objects.filter(settlement__number=body["number"]).count() == 1  # no orphaned items
    assert Settlement.objects.count() == BULK_SIZE


def test_two_bulks_over_the_same_numbers_in_opposite_orders_neither_deadlock_nor_fail(hospital):
    from apps.regions.models import Organisation

    org = Organisation.objects.get(code=hospital.code)
    items = [settlement_payload(facility=hospital.code) for _ in range(60)]
    start_together = threading.Barrier(2)
    real_insert_all = services._insert_all
    first_round = {"done": False}

    def insert_all(rows):
        if not first_round["done"]:
            try:
                start_together.wait(10)  # both batches insert at the same moment, each in its own order
            except threading.BrokenBarrierError:
                pass
            first_round["done"] = True
        return real_insert_all(rows)

    with mock.patch.object(services, "_insert_all", insert_all):
        forward, backward = run_concurrently(
            lambda: services.ingest_settlements(actor=None, organisation=org, items=items),
            lambda: services.ingest_settlements(actor=None, organisation=org, items=list(reversed(items))))

    assert not isinstance(forward, Exception) and not isinstance(backward, Exception), (forward, backward)
    for a, b in zip(forward, reversed(backward)):
        assert a.number == b.number
        assert sorted([a.outcome, b.outcome]) == ["created", "duplicate"]
    assert Settlement.objects.count() == len(items)


def test_unforced_races_of_a_bulk_and_a_single_post_never_fail(hospital):
    """No patching: whichever way the two happen to interleave, one row and two well-formed answers."""
    for _ in range(3):
        body = settlement_payload(facility=hospital.code)
        others = [settlement_payload(facility=hospital.code) for _ in range(50)]
        single, bulk = run_concurrently(
            lambda body=body: client_for(hospital.code).post(URL, body, format="json"),
            lambda batch=[*others, body]: client_for(hospital.code).post(f"{URL}bulk/", {"settlements": batch},
                                                                         format="json"))
        assert single.status_code in (200, 201) and bulk.status_code == 200
        outcomes = {single.status_code, bulk.json()["results"][-1]["outcome"]}
        assert outcomes in ({201, "duplicate"}, {200, "created"})
        assert Settlement.objects.filter(number=body["number"]).count() == 1
