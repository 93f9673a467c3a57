"""The facility admin: scoped list with filters and search, edits and disease requests through the services,
confirmation as an action."""
import pytest

from apps.core.models import AuditEntry
from apps.facilities.models import DiseaseServiceEvent, Facility, FacilityDisease
from tests.facilities.factories import ChronicDiseaseFactory, FacilityDiseaseFactory, FacilityFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/facilities/facility/"


def listed(response):
    assert response.status_code == 200
    return sorted(str(o.code) for o in response.context["cl"].result_list)


@pytest.fixture
def facilities():
    gusu = FacilityFactory(code="H32050800001", county="320508", name="姑苏人民医院")
    FacilityDiseaseFactory(facility=gusu, disease=ChronicDiseaseFactory(code="M07800"))
    FacilityFactory(code="P32058300001", county="320583", kind="pharmacy", level="0", inpatient=False)
    FacilityFactory(code="H32010200001", county="320102", level="2", outpatient=False)
    FacilityFactory(code="H33010200001", county="330102", status="suspended")
    return gusu


def test_a_city_bureau_lists_only_facilities_in_its_city(admin_client_for, facilities):
    assert listed(admin_client_for("320500").get(LIST)) == ["H32050800001", "P32058300001"]


def test_a_facility_account_sees_only_itself_and_cannot_change_it(admin_client_for, facilities):
    client = admin_client_for("H32050800001")
    assert listed(client.get(LIST)) == ["H32050800001"]
    response = client.post(f"{LIST}H32050800001/change/", {"name": "改名"})
    assert response.status_code == 403
    assert Facility.objects.get(code="H32050800001").name == "姑苏人民医院"


def test_another_citys_facility_cannot_be_opened(admin_client_for, facilities):
    response = admin_client_for("320500").get(f"{LIST}H32010200001/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect, no page


def test_the_list_filters_by_kind_level_status_service_disease_and_region(admin_client_for, facilities):
    client = admin_client_for("000000")
    assert listed(client.get(LIST, {"kind": "pharmacy"})) == ["P32058300001"]
    assert listed(client.get(LIST, {"level": "2"})) == ["H32010200001"]
    assert listed(client.get(LIST, {"status__exact": "suspended"})) == ["H33010200001"]
    assert listed(client.get(LIST, {"service": "inpatient", "region": "320000"})) == ["H32010200001", "H32050800001"]
    assert listed(client.get(LIST, {"service": "chronic"})) == ["H32050800001"]
    assert listed(client.get(LIST, {"disease": "M07803"})) == ["H32050800001"]
    assert listed(client.get(LIST, {"region": "330000"})) == ["H33010200001"]


def test_search_finds_by_code_and_by_name(admin_client_for, facilities):
    client = admin_client_for("000000")
    assert listed(client.get(LIST, {"q": "H32010200001"})) == ["H32010200001"]
    assert listed(client.get(LIST, {"q": "姑苏人民"})) == ["H32050800001"]


def change_data(facility, **overrides):
    data = {
        "name": facility.name, "level": facility.level, "address": facility.address, "status": facility.status,
        "inpatient": "on" if facility.inpatient else "", "outpatient": "on" if facility.outpatient else "",
        "diseases-TOTAL_FORMS": "0", "diseases-INITIAL_FORMS": "0", "diseases-MIN_NUM_FORMS": "0",
        "diseases-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_saving_the_form_changes_services_through_the_service(admin_client_for, facilities):
    client = admin_client_for("320508")
    response = client.post(f"{LIST}H32050800001/change/", change_data(facilities, outpatient="", status="suspended"))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    facility = Facility.objects.get(code="H32050800001")
    assert (facility.outpatient, facility.status) == (False, "suspended")
    entry = AuditEntry.objects.get(action="facility.update", object_id="H32050800001")
    assert entry.organisation.code == "320508" and "outpatient" in entry.data["changes"]


def test_adding_a_disease_inline_requests_it_as_pending(admin_client_for, facilities):
    client = admin_client_for("320508")
    data = change_data(facilities, **{
        "diseases-TOTAL_FORMS": "1", "diseases-0-disease": "M03900", "diseases-0-facility": "H32050800001",
    })
    response = client.post(f"{LIST}H32050800001/change/", data)
    assert response.status_code == 302
    service = FacilityDisease.objects.get(facility_id="H32050800001", disease_id="M03900")
    assert service.status == "pending"
    assert DiseaseServiceEvent.objects.filter(service=service, to_status="pending").exists()


def test_the_confirm_action_confirms_pending_diseases_of_facilities_in_scope(admin_client_for, facilities):
    FacilityDiseaseFactory(facility=facilities, disease=ChronicDiseaseFactory(code="M03900"), status="pending")
    client = admin_client_for("320500")
    client.post(LIST, {"action": "confirm_pending_diseases", "_selected_action": ["H32050800001"]})
    service = FacilityDisease.objects.get(facility_id="H32050800001", disease_id="M03900")
    assert service.status == "confirmed" and service.confirmed_by.code == "320500"


def test_the_disease_admin_revokes_and_refuses_an_outsider(admin_client_for, facilities):
    service = FacilityDisease.objects.get(facility_id="H32050800001", disease_id="M07800")
    url = "/admin/facilities/facilitydisease/"
    admin_client_for("330000").post(url, {"action": "revoke_selected", "_selected_action": [service.pk]})
    assert FacilityDisease.objects.get(pk=service.pk).status == "confirmed"  # not in 浙江's list at all
    admin_client_for("320508").post(url, {"action": "revoke_selected", "_selected_action": [service.pk]})
    assert FacilityDisease.objects.get(pk=service.pk).status == "revoked"


def test_a_county_bureau_registers_a_facility_in_the_admin(admin_client_for):
    client = admin_client_for("320508")
    data = change_data(Facility(name="新医院", level="1", status="active", inpatient=True, outpatient=True),
                       code="H32050800009", kind="hospital")
    response = client.post(f"{LIST}add/", data)
    assert response.status_code == 302
    facility = Facility.objects.get(code="H32050800009")
    assert facility.organisation.parent.code == "320508"


def test_the_add_form_shows_a_bad_code_in_chinese_and_saves_nothing(admin_client_for):
    client = admin_client_for("320508")
    data = change_data(Facility(name="新医院", level="1", status="active"), code="P32050800009", kind="hospital")
    response = client.post(f"{LIST}add/", data)
    assert response.status_code == 200
    assert "首字母应为 H" in response.content.decode()
    assert not Facility.objects.exists()


def test_a_revoked_disease_can_be_requested_again_inline_and_a_live_one_is_refused_with_a_message(
        admin_client_for, facilities):
    FacilityDiseaseFactory(facility=facilities, disease=ChronicDiseaseFactory(code="M03900"), status="revoked")
    client = admin_client_for("320508")
    data = change_data(facilities, **{
        "diseases-TOTAL_FORMS": "2", "diseases-0-disease": "M03900", "diseases-0-facility": "H32050800001",
        "diseases-1-disease": "M07800", "diseases-1-facility": "H32050800001",
    })
    response = client.post(f"{LIST}H32050800001/change/", data, follow=True)
    assert response.status_code == 200
    assert FacilityDisease.objects.get(facility_id="H32050800001", disease_id="M03900").status == "pending"
    assert FacilityDisease.objects.get(facility_id="H32050800001", disease_id="M07800").status == "confirmed"
    assert "已有尿毒症透析的开通记录" in response.content.decode()
