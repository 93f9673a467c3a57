"""Two connections act on one flag at the same moment: one wins, the other gets 409, and the flag, its history
and the tickets show exactly one action. Each call is slowed after its checks, so without the row lock both would
pass them."""
import time
from unittest import mock

import pytest
from rest_framework.test import APIClient

from apps.coordination import services as coordination
from apps.coordination.models import Ticket
from apps.supervision import services
from apps.supervision.models import Flag, FlagEvent, FlagStatus
from apps.supervision.services import run_scan
from tests.concurrency import run_concurrently
from tests.factories import UserFactory
from tests.supervision import factories as f


@pytest.fixture
def flag(race_db):
    f.seed_rules()  # the previous transactional test's flush emptied the rule table
    f.plant_large_inpatient()  # 上海浦东 insured, treated at a 苏州姑苏区 hospital
    run_scan(rule_codes=["LARGE_INPATIENT"], all_settlements=True)
    return Flag.objects.get(rule_id="LARGE_INPATIENT")


def client(code):
    api = APIClient()
    api.force_authenticate(user=UserFactory(org=code))
    return api


def slowed(target, name):
    """Patch ``target.name`` so each call waits a moment first: the two requests overlap for sure."""
    original = getattr(target, name)

    def wait_then_call(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)

    return mock.patch.object(target, name, wait_then_call)


def post(api, url, body):
    return lambda: api.post(url, body, format="json").status_code


def test_two_review_requests_at_once_open_one_ticket(flag):
    url = f"/api/v1/flags/{flag.pk}/request-review/"
    with slowed(coordination, "raise_ticket"):
        codes = run_concurrently(post(client("310000"), url, {"note": "请核查"}),
                                 post(client("310115"), url, {"note": "请核查"}))
    assert sorted(codes) == [200, 409]
    flag.refresh_from_db()
    assert flag.status == FlagStatus.REVIEWING
    assert Ticket.objects.count() == 1 and flag.ticket == Ticket.objects.get()
    assert list(FlagEvent.objects.values_list("from_status", "to_status")) == [("new", "reviewing")]


def test_two_conclusions_at_once_conclude_once(flag):
    services.request_review(flag_id=flag.pk, actor=None, organisation=UserFactory(org="310000").organisation)
    url = f"/api/v1/flags/{flag.pk}/conclude/"
    with slowed(services, "_event"):
        codes = run_concurrently(
            post(client("310000"), url, {"outcome": "confirmed", "amount_recovered": "100.00"}),
            post(client("310000"), url, {"outcome": "dismissed", "note": "收费无误"}))
    assert sorted(codes) == [200, 409]
    flag.refresh_from_db()
    winner = "confirmed" if codes[0] == 200 else "dismissed"
    assert flag.status == winner
    assert (flag.amount_recovered is not None) == (winner == "confirmed")
    assert list(FlagEvent.objects.filter(to_status__in=["confirmed", "dismissed"]).values_list(
        "to_status", flat=True)) == [winner]
    assert flag.ticket.status == "closed" and flag.ticket.events.filter(kind="close").count() == 1


def test_a_dismissal_and_a_review_request_at_once_end_in_one_of_the_two_orders(flag):
    """Either the review came first (then the dismissal concludes it and closes its ticket) or the dismissal did
    (then the review is refused, 409, and no ticket is left behind) — never a dismissed flag with an open ticket."""
    with slowed(services, "_event"):
        review, dismissal = run_concurrently(
            post(client("310000"), f"/api/v1/flags/{flag.pk}/request-review/", {}),
            post(client("310000"), f"/api/v1/flags/{flag.pk}/conclude/", {"outcome": "dismissed", "note": "无误"}))
    assert dismissal == 200 and review in (200, 409)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED
    if review == 200:
        assert flag.ticket.status == "closed"
        assert list(flag.events.values_list("to_status", flat=True)) == ["reviewing", "dismissed"]
    else:
        assert not Ticket.objects.exists() and flag.ticket is None
        assert list(flag.events.values_list("to_status", flat=True)) == ["dismissed"]
