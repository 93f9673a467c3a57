"""A subscriber gets only events about objects inside its organisation's scope, and only the events it chose."""
import pytest
from django.db import transaction

from apps.events.models import WebhookDelivery
from apps.events.services import record_event
from tests.events.factories import approved_registration, record_approval, subscribe
from tests.facilities.factories import FacilityFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_allowed")]


def _recipients(commits, record) -> set[str]:
    with commits():
        with transaction.atomic():
            record()
    return set(WebhookDelivery.objects.values_list("subscription__organisation__code", flat=True))


def test_a_subscriber_of_another_province_receives_nothing_about_this_countys_object(receiver, commits):
    subscribe("440000", receiver.url, events=["ticket.assigned"])  # 广东省
    subscribe("320000", receiver.url, events=["ticket.assigned"])  # 江苏省: the county 320508 lies in it

    def county_ticket_event():
        record_event("ticket.assigned", object_type="coordination.ticket", object_id="7", organisation="320500",
                     regions=["320508", "320500"], data={"number": "GD0001"})

    assert _recipients(commits, county_ticket_event) == {"320000"}
    assert len(receiver.requests) == 1
    assert all(b["data"]["number"] == "GD0001" for b in receiver.bodies())


def test_either_side_of_the_object_and_the_nation_may_see_it(receiver, commits):
    for code in ("310000", "320500", "000000", "320508", "440000", "310112"):
        subscribe(code, receiver.url)
    registration = approved_registration()  # insured 310115 (上海浦东), destination 320500 (苏州)
    assert _recipients(commits, lambda: record_approval(registration)) == {"310000", "320500", "000000"}


def test_a_facility_subscriber_gets_only_events_that_concern_it(receiver, commits):
    own, other = FacilityFactory(county="320508"), FacilityFactory(county="320508")
    subscribe(own.code, receiver.url, events=["flag.raised"])
    subscribe(other.code, receiver.url, events=["flag.raised"])

    def flag_at_own():
        record_event("flag.raised", object_type="supervision.flag", object_id="1", organisation=own.code,
                     regions=["310115", "320508"])

    assert _recipients(commits, flag_at_own) == {own.code}


def test_only_the_chosen_events_are_sent(receiver, commits):
    subscribe("310000", receiver.url, events=["registration.rejected"])
    assert _recipients(commits, lambda: record_approval(approved_registration())) == set()
    assert receiver.requests == []


def test_a_deleted_subscription_receives_nothing(receiver, commits):
    from apps.events.services import unsubscribe
    from tests.factories import org

    sub = subscribe("310000", receiver.url)
    unsubscribe(actor=None, organisation=org("310000"), subscription_id=sub.pk)
    assert _recipients(commits, lambda: record_approval(approved_registration())) == set()
