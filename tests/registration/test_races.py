"""Races with two real connections (``race_db`` + ``run_concurrently``): two submissions for one person at
once, and two reviews of one registration at once. A short pause inside the service (while it holds its
locks) makes the two calls overlap every time instead of by luck."""
import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.errors import Conflict, ValidationFailed
from apps.core.models import AuditEntry
from apps.regions.models import Organisation
from apps.registration import services
from apps.registration.models import InsuredPerson, Registration
from tests.concurrency import run_concurrently
from tests.factories import UserFactory
from tests.registration.factories import RegistrationFactory, registration_data
from tests.registration.helpers import as_json

LIST = "/api/v1/registrations/"
TODAY = timezone.localdate()


@pytest.fixture
def slow(monkeypatch):
    """Pause inside the transaction, after the person (or the registration) is locked or created."""
    next_reference, move = services.next_reference, services._move

    def slow_reference(day):
        time.sleep(0.3)
        return next_reference(day)

    def slow_move(*args, **kwargs):
        time.sleep(0.3)
        return move(*args, **kwargs)

    monkeypatch.setattr(services, "next_reference", slow_reference)
    monkeypatch.setattr(services, "_move", slow_move)


def partner(code: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(org=code))
    return client


def history_is_consistent(registration) -> list[tuple[str, str]]:
    """The events chain (each starts where the previous ended) and ends in the registration's status."""
    events = list(registration.events.order_by("at", "id").values_list("from_status", "to_status"))
    assert events[0][0] == ""
    for (_, previous), (start, _) in zip(events, events[1:]):
        assert start == previous, events
    registration.refresh_from_db()
    assert events[-1][1] == registration.status, events
    return events


def test_two_submissions_of_a_new_person_at_once_make_one_person_and_one_registration(race_db, slow):
    data = as_json(registration_data())
    one, two = partner("320508"), partner("320508")
    results = run_concurrently(lambda: one.post(LIST, data, format="json"),
                               lambda: two.post(LIST, data, format="json"))
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 400], [getattr(r, "content", r) for r in results]
    loser = next(r for r in results if r.status_code == 400)
    assert "重复备案" in loser.json()["destination_region"][0]
    assert InsuredPerson.objects.filter(id_number=data["id_number"]).count() == 1
    assert Registration.objects.count() == 1
    assert AuditEntry.objects.filter(action="registration.submit").count() == 1


def test_two_submissions_of_a_known_person_at_once_make_one_registration(race_db, slow):
    data = registration_data()
    services.submit_registration(actor=None, organisation=None, channel="web",
                                 data={**data, "destination_region": "330100"})
    again = {**data, "destination_region": "310000"}

    def submit():
        return services.submit_registration(actor=None, organisation=None, channel="web", data=again)

    results = run_concurrently(submit, submit)
    assert sum(isinstance(r, Registration) for r in results) == 1, results
    loser = next(r for r in results if not isinstance(r, Registration))
    assert isinstance(loser, ValidationFailed) and "重复备案" in loser.message
    assert Registration.objects.filter(destination_region="310000").count() == 1


def test_a_stranger_racing_the_first_submission_cannot_take_over_the_new_person(race_db, slow):
    data = registration_data()
    stranger = {**data, "name": "李四", "phone": "13700000000", "destination_region": "330100"}

    def submit(body):
        return lambda: services.submit_registration(actor=None, organisation=None, channel="web", data=body)

    results = run_concurrently(submit(data), submit(stranger))
    person = InsuredPerson.objects.get(id_number=data["id_number"])
    winner = next(r for r in results if isinstance(r, Registration))
    loser = next(r for r in results if not isinstance(r, Registration))
    assert isinstance(loser, ValidationFailed) and loser.field == "name"
    assert (person.name, person.phone) in {("张三", "13912345678"), ("李四", "13700000000")}
    assert winner.person_id == person.pk and Registration.objects.count() == 1  # whoever came first, unchanged


@pytest.fixture
def reviewer():
    return UserFactory(org="320508", is_staff=True), Organisation.objects.get(code="320508")


def test_approve_and_reject_at_once_one_wins_the_other_gets_conflict(race_db, slow, reviewer):
    user, org = reviewer
    registration = RegistrationFactory(person__insured="320508", status="submitted")
    registration.events.create(from_status="", to_status="submitted")
    results = run_concurrently(
        lambda: services.approve_registration(actor=user, organisation=org, reference=registration.reference),
        lambda: services.reject_registration(actor=user, organisation=org, reference=registration.reference,
                                             reason="材料不全"))
    assert sum(isinstance(r, Registration) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    events = history_is_consistent(registration)
    assert len(events) == 2


def test_approve_and_cancel_at_once_leave_a_consistent_history(race_db, slow, reviewer):
    user, org = reviewer
    registration = RegistrationFactory(person__insured="320508", status="submitted", category="referral",
                                       start_date=TODAY, end_date=services.add_months(TODAY, 6))
    registration.events.create(from_status="", to_status="submitted")
    results = run_concurrently(
        lambda: services.approve_registration(actor=user, organisation=org, reference=registration.reference),
        lambda: services.cancel_registration(actor=user, organisation=org, reference=registration.reference,
                                             reason="本人申请"))
    assert isinstance(results[0], Registration), results  # approving a submitted one always succeeds
    events = history_is_consistent(registration)
    if isinstance(results[1], Conflict):  # cancel came first: nothing to cancel yet
        assert [e[1] for e in events] == ["submitted", "approved"]
    else:  # cancel waited for the approval and then cancelled it
        assert [e[1] for e in events] == ["submitted", "approved", "cancelled"]


def test_two_cancellations_at_once_cancel_once(race_db, slow, reviewer):
    user, org = reviewer
    registration = RegistrationFactory(person__insured="320508", status="approved", category="referral",
                                       start_date=TODAY, end_date=services.add_months(TODAY, 6))
    registration.events.create(from_status="", to_status="approved")

    def cancel():
        return services.cancel_registration(actor=user, organisation=org, reference=registration.reference,
                                            reason="本人申请")

    results = run_concurrently(cancel, cancel)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Registration"], results
    assert [e[1] for e in history_is_consistent(registration)] == ["approved", "cancelled"]
    assert AuditEntry.objects.filter(action="registration.cancel").count() == 1
