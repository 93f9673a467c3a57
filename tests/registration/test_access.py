"""Who may do what to a registration, asked in one place (``access``): the rule's list, the admin's buttons, the
API's answers and the services agree on every case, and a refused action changes nothing."""
import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.core import audit
from apps.core.errors import Conflict, NotAllowed, NotFound
from apps.core.models import AuditEntry
from apps.regions.models import Organisation
from apps.registration import access, services
from apps.registration.models import Registration, RegistrationEvent
from tests.factories import UserFactory
from tests.registration.factories import InsuredPersonFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
CHANGELIST = "/admin/registration/registration/"

# name: (the registration, insured in 苏州·姑苏区 and treated in 上海; the organisation acting; whether a staff
# account acts; the actions allowed)
SUBMITTED = {"status": "submitted", "start_date": TODAY}
TEMPORARY = {"category": "referral", "start_date": TODAY, "end_date": TODAY + 200 * DAY}
LOCKED = {"category": "long_term_resident", "start_date": TODAY - 30 * DAY}
CASES = {
    "submitted, the insured county": (SUBMITTED, "320508", False, ["approve", "reject"]),
    "submitted, the city above it": (SUBMITTED, "320500", False, ["approve", "reject"]),
    "submitted, national": (SUBMITTED, "000000", False, ["approve", "reject"]),
    "submitted, documents owed": ({**SUBMITTED, "documents_owed": "居住证明", "documents_due": TODAY + 5 * DAY},
                                  "320508", False, ["approve", "reject", "supply_documents"]),
    "approved temporary": (TEMPORARY, "320508", False, ["cancel"]),
    "long-term inside the lock, a partner system": (LOCKED, "320508", False, []),
    "long-term inside the lock, staff": (LOCKED, "320508", True, ["cancel"]),
    "long-term after the lock": ({**LOCKED, "start_date": TODAY - 200 * DAY}, "320508", False, ["cancel"]),
    "rejected": ({"status": "rejected"}, "320508", True, []),
    "cancelled": ({"status": "cancelled"}, "320508", True, []),
    "expired": ({**TEMPORARY, "status": "expired"}, "320508", True, []),
    "submitted, the destination side": (SUBMITTED, "310000", True, []),
    "approved, the destination side": (TEMPORARY, "310000", True, []),
}
API_ACTIONS = ("approve", "reject", "cancel")


def make(fields: dict) -> Registration:
    return RegistrationFactory(person__insured="320508", destination="310000", **fields)


def actor(org_code: str, staff: bool):
    return UserFactory(org=org_code, is_staff=staff)


def snapshot(registration: Registration) -> tuple:
    row = Registration.objects.values_list("status", "status_reason", "documents_supplied_at").get(pk=registration.pk)
    # reads (opening a page is audited as 查阅, apps.core.audit.READ_ACTIONS) are not changes
    writes = AuditEntry.objects.exclude(action__in=list(audit.READ_ACTIONS))
    return row, RegistrationEvent.objects.filter(registration=registration).count(), writes.count()


def refusal(registration: Registration, org_code: str, user, action: str) -> type[Exception] | None:
    try:
        access.check_registration_action(registration, Organisation.objects.get(code=org_code), user, action)
    except (NotAllowed, Conflict) as exc:
        return type(exc)
    return None


@pytest.mark.parametrize("case", CASES)
def test_the_rule_lists_exactly_the_allowed_actions(case):
    fields, org_code, staff, allowed = CASES[case]
    registration = make(fields)
    org = Organisation.objects.get(code=org_code)
    assert access.allowed_registration_actions(registration, org, actor(org_code, staff)) == allowed


@pytest.mark.parametrize("case", CASES)
def test_the_api_and_the_service_answer_every_action_as_the_rule_does(api_for, case):
    fields, org_code, staff, allowed = CASES[case]
    for action in API_ACTIONS:
        registration = make(fields)
        api = api_for(org_code, is_staff=staff)
        refused = refusal(registration, org_code, api.user, action)
        assert (refused is None) == (action in allowed), action
        before = snapshot(registration)
        response = api.post(f"/api/v1/registrations/{registration.reference}/{action}/", {"reason": "本人申请"},
                            format="json")
        if refused is None:
            assert response.status_code == 200, (action, response.json())
            continue
        assert response.status_code == refused.status_code, (action, response.json())
        service = getattr(services, f"{action}_registration")
        extra = {} if action == "approve" else {"reason": "本人申请"}
        with pytest.raises(refused):
            service(actor=api.user, organisation=api.user.organisation, reference=registration.reference, **extra)
        assert snapshot(registration) == before, action


@pytest.mark.parametrize("case", ["submitted, documents owed", "approved temporary", "submitted, the destination side"])
def test_recording_owed_documents_follows_the_same_rule(case):
    fields, org_code, staff, allowed = CASES[case]
    registration = make(fields)
    user = actor(org_code, staff)
    before = snapshot(registration)
    if "supply_documents" in allowed:
        services.supply_documents(actor=user, organisation=user.organisation, reference=registration.reference)
        assert Registration.objects.get(pk=registration.pk).documents_supplied_at is not None
        return
    with pytest.raises(refusal(registration, org_code, user, "supply_documents")):
        services.supply_documents(actor=user, organisation=user.organisation, reference=registration.reference)
    assert snapshot(registration) == before


def buttons(page: str, registration: Registration) -> list[str]:
    return [action for action in API_ACTIONS if f"{registration.pk}/{action}/" in page]


@pytest.mark.parametrize("case", [name for name, (_f, _o, staff, _a) in CASES.items() if staff]
                         + ["submitted, the insured county", "approved temporary", "long-term after the lock"])
def test_the_admin_shows_exactly_the_allowed_buttons(admin_client_for, case):
    fields, org_code, _staff, allowed = CASES[case]  # the admin's accounts are all staff
    registration = make(fields)
    client = admin_client_for(org_code)
    page = client.get(f"{CHANGELIST}{registration.pk}/change/").content.decode()
    assert buttons(page, registration) == [a for a in allowed if a in API_ACTIONS]
    assert ("审核与撤销由参保地经办机构办理" in page) == (org_code == "310000")


def test_the_admin_shows_a_locked_registration_s_cancel_to_staff_and_records_the_override(admin_client_for):
    registration = make(LOCKED)
    client = admin_client_for("320508")
    page = client.get(f"{CHANGELIST}{registration.pk}/change/").content.decode()
    assert buttons(page, registration) == ["cancel"]
    form = client.get(f"{CHANGELIST}{registration.pk}/cancel/").content.decode()
    assert f"锁定期内（{access.lock_end(registration):%Y-%m-%d} 前）" in form
    unlocked = make(TEMPORARY)
    assert "锁定期内" not in client.get(f"{CHANGELIST}{unlocked.pk}/cancel/").content.decode()
    client.post(f"{CHANGELIST}{registration.pk}/cancel/", {"reason": "死亡注销"})
    assert registration.events.get(to_status="cancelled").reason == "【锁定期内由经办人员撤销】死亡注销"


@pytest.mark.parametrize("case, action", [("approved temporary", "reject"), ("submitted, the insured county", "cancel"),
                                          ("approved, the destination side", "cancel")])
def test_the_admin_does_not_offer_a_form_for_a_refused_action_and_says_why(admin_client_for, case, action):
    fields, org_code, _staff, _allowed = CASES[case]
    registration = make(fields)
    before = snapshot(registration)
    response = admin_client_for(org_code).get(f"{CHANGELIST}{registration.pk}/{action}/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"{registration.pk}/change/")
    why = "只有参保地经办机构" if org_code == "310000" else {"reject": "不能驳回", "cancel": "不能撤销"}[action]
    assert why in page
    assert snapshot(registration) == before


def test_outside_the_scope_a_registration_is_not_found_whatever_the_reference_looks_like():
    registration = make(SUBMITTED)
    other_county = Organisation.objects.get(code="320505")
    for reference in (registration.reference, registration.reference.lower(), "BA\x00", "X" * 30, ""):
        with pytest.raises(NotFound):
            access.registration_for(other_county, reference, user=None)
    assert access.registration_for(Organisation.objects.get(code="320508"), f" {registration.reference.lower()} ",
                                   user=None) == registration
    assert access.registration_for(None, registration.reference, user=None) == registration  # a job
    with pytest.raises(NotFound):  # an account without an organisation that is no superuser
        access.registration_for(None, registration.reference, user=UserFactory(organisation=None))


def test_a_facility_may_not_submit_and_a_bureau_only_for_its_own_people():
    with pytest.raises(NotAllowed):
        access.check_may_register(Organisation.objects.get(code="320505"), "320508")
    access.check_may_register(Organisation.objects.get(code="320500"), "320508")
    access.check_may_register(None, "320508")  # the public form


@pytest.mark.parametrize("org_code, allowed", [("320508", ["change_details"]), ("320500", ["change_details"]),
                                                ("000000", ["change_details"]), ("320505", []), ("310000", [])])
def test_only_the_bureau_holding_a_person_may_change_their_details(org_code, allowed):
    person = InsuredPersonFactory(insured="320508")
    org = Organisation.objects.get(code=org_code)
    user = actor(org_code, True)
    assert access.allowed_person_actions(person, org, user) == allowed
    if allowed:
        services.change_person_details(actor=user, organisation=org, person_id=person.pk, reason="本人申请",
                                       phone="13700000000")
        return
    with pytest.raises(NotFound):
        services.change_person_details(actor=user, organisation=org, person_id=person.pk, reason="本人申请",
                                       phone="13700000000")
    person.refresh_from_db()
    assert person.phone == "13800138000"


@override_settings(YIDI_LONG_TERM_LOCK_MONTHS=1)
def test_the_lock_lasts_as_many_months_as_the_setting_says(api_for):
    registration = make({**LOCKED, "start_date": TODAY - 40 * DAY})
    assert access.allowed_registration_actions(registration, Organisation.objects.get(code="320508"),
                                               actor("320508", False)) == ["cancel"]
    response = api_for("320508").post(f"/api/v1/registrations/{registration.reference}/cancel/",
                                      {"reason": "本人申请"}, format="json")
    assert response.status_code == 200
