"""Review and cancellation through the API: who may act, which transitions are allowed, what is recorded."""
import datetime as dt

import pytest
from django.utils import timezone

from apps.registration import services
from apps.registration.models import Registration, RegistrationEvent
from tests.registration.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def submitted(**kwargs):
    """A submitted registration of a 苏州·姑苏区 insured person to 上海."""
    kwargs.setdefault("person__insured", "320508")
    kwargs.setdefault("destination", "310000")
    return RegistrationFactory(status="submitted", start_date=TODAY, **kwargs)


def url(registration, action=""):
    return f"/api/v1/registrations/{registration.reference}/" + (f"{action}/" if action else "")


def test_the_insured_county_approves_a_submitted_registration(api_for):
    registration = submitted()
    response = api_for("320508").post(url(registration, "approve"))
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_approving_twice_answers_409(api_for):
    registration = submitted()
    api = api_for("320508")
    assert api.post(url(registration, "approve")).status_code == 200
    second = api.post(url(registration, "approve"))
    assert second.status_code == 409
    assert "不能批准" in second.json()["non_field_errors"][0]
    assert registration.events.filter(to_status="approved").count() == 1


def test_rejecting_needs_a_reason(api_for):
    registration = submitted()
    response = api_for("320508").post(url(registration, "reject"), {"reason": "  "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    registration.refresh_from_db()
    assert registration.status == "submitted"


def test_a_rejection_keeps_its_reason(api_for):
    registration = submitted()
    response = api_for("320508").post(url(registration, "reject"), {"reason": "材料不全"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["status_reason"] == "材料不全"


def test_approving_a_rejected_registration_answers_409(api_for):
    registration = submitted()
    api = api_for("320508")
    api.post(url(registration, "reject"), {"reason": "材料不全"}, format="json")
    assert api.post(url(registration, "approve")).status_code == 409


def test_another_countys_staff_get_404(api_for):
    registration = submitted()
    api = api_for("320505")  # 苏州·虎丘区
    assert api.get(url(registration)).status_code == 404
    assert api.post(url(registration, "approve")).status_code == 404
    assert api.post(url(registration, "reject"), {"reason": "x"}, format="json").status_code == 404
    registration.refresh_from_db()
    assert registration.status == "submitted"


def test_the_destination_side_can_read_but_not_approve(api_for):
    registration = submitted(destination="310000")
    api = api_for("310000")  # 上海 (the destination province)
    assert api.get(url(registration)).status_code == 200
    response = api.post(url(registration, "approve"))
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == "submitted"


def test_a_facility_sees_no_registration(api_for, db):
    from apps.regions.models import Organisation, Tier

    Organisation.objects.create(code="H32050800001", name="测试医院", tier=Tier.FACILITY, region_id="320508")
    registration = submitted()
    assert api_for("H32050800001").get(url(registration)).status_code == 404


def test_every_transition_records_who_when_and_why(api_for):
    registration = submitted()
    api = api_for("320508")
    api.post(url(registration, "reject"), {"reason": "就医地填写有误"}, format="json")
    event = RegistrationEvent.objects.get(registration=registration, to_status="rejected")
    assert event.actor == api.user
    assert event.organisation.code == "320508"
    assert event.from_status == "submitted"
    assert event.reason == "就医地填写有误"
    assert event.at is not None
    detail = api.get(url(registration)).json()
    assert detail["events"][-1]["reason"] == "就医地填写有误"


def test_cancelling_needs_a_reason(api_for):
    registration = RegistrationFactory(person__insured="320508", category="referral", end_date=None)
    response = api_for("320508").post(url(registration, "cancel"), {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_submitted_registration_cannot_be_cancelled(api_for):
    registration = submitted()
    response = api_for("320508").post(url(registration, "cancel"), {"reason": "不再需要"}, format="json")
    assert response.status_code == 409


def test_a_temporary_registration_can_be_cancelled_with_a_reason(api_for):
    registration = RegistrationFactory(person__insured="320508", category="referral", start_date=TODAY,
                                       end_date=TODAY + dt.timedelta(days=200))
    response = api_for("320508").post(url(registration, "cancel"), {"reason": "已返回参保地"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_a_long_term_registration_is_locked_for_six_months_against_a_partner(api_for):
    registration = RegistrationFactory(person__insured="320508", category="long_term_resident",
                                       start_date=TODAY - dt.timedelta(days=30))
    response = api_for("320508").post(url(registration, "cancel"), {"reason": "本人申请"}, format="json")
    assert response.status_code == 409
    assert "6个月" in response.json()["non_field_errors"][0]
    registration.refresh_from_db()
    assert registration.status == "approved"


def test_staff_may_cancel_a_locked_long_term_registration_and_the_override_is_recorded(api_for):
    registration = RegistrationFactory(person__insured="320508", category="retiree_relocated",
                                       start_date=TODAY - dt.timedelta(days=30))
    response = api_for("320508", is_staff=True).post(url(registration, "cancel"), {"reason": "死亡注销"},
                                                     format="json")
    assert response.status_code == 200
    event = registration.events.get(to_status="cancelled")
    assert event.reason.startswith("【锁定期内由经办人员撤销】")
    assert "死亡注销" in event.reason


def test_after_six_months_a_long_term_registration_can_be_cancelled_by_anyone_on_the_insured_side(api_for):
    registration = RegistrationFactory(person__insured="320508", category="long_term_resident",
                                       start_date=TODAY - dt.timedelta(days=200))
    response = api_for("320508").post(url(registration, "cancel"), {"reason": "本人申请"}, format="json")
    assert response.status_code == 200


def test_registrations_past_their_end_expire_with_an_event():
    ended = RegistrationFactory(category="referral", start_date=TODAY - dt.timedelta(days=200),
                                end_date=TODAY - dt.timedelta(days=1))
    running = RegistrationFactory(category="referral", start_date=TODAY - dt.timedelta(days=10),
                                  end_date=TODAY + dt.timedelta(days=170))
    long_term = RegistrationFactory(category="long_term_resident", start_date=TODAY - dt.timedelta(days=900))
    assert services.expire_registrations(TODAY) == 1
    assert Registration.objects.get(pk=ended.pk).status == "expired"
    assert Registration.objects.get(pk=running.pk).status == "approved"
    assert Registration.objects.get(pk=long_term.pk).status == "approved"
    event = ended.events.get()
    assert (event.from_status, event.to_status) == ("approved", "expired")
    assert services.expire_registrations(TODAY) == 0


def test_expiry_works_through_several_batches():
    for _ in range(5):
        RegistrationFactory(category="referral", start_date=TODAY - dt.timedelta(days=200),
                            end_date=TODAY - dt.timedelta(days=2))
    assert services.expire_registrations(TODAY, batch_size=2) == 5
    assert RegistrationEvent.objects.filter(to_status="expired").count() == 5


def test_overdue_documents_ban_the_commitment_route_for_24_months():
    registration = RegistrationFactory(person__insured="320508", documents_owed="居住证明",
                                       documents_due=TODAY - dt.timedelta(days=1))
    assert services.ban_overdue_commitments(TODAY) == 1
    registration.person.refresh_from_db()
    assert registration.person.commitment_banned_until == services.add_months(TODAY - dt.timedelta(days=1), 24)
    assert services.ban_overdue_commitments(TODAY) == 0
