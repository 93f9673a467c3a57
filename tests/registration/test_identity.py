"""A submission never rewrites a person on file (issue #10, critical): a stranger who knows someone's ID
number cannot move their insured region, take over the phone their notices go to, or change their
insurance type — not on the public form, the API, the counter form or the admin import. Those change only
through the bureau's audited change of details (参保关系变更 / 信息变更)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.core.errors import NotFound, ValidationFailed
from apps.core.models import AuditEntry
from apps.regions.models import Organisation
from apps.registration import services
from apps.registration.models import InsuredPerson, Registration
from tests.factories import UserFactory
from tests.registration.factories import registration_data
from tests.registration.helpers import as_form_data, as_json

pytestmark = pytest.mark.django_db

LIST = "/api/v1/registrations/"
NAME_MISMATCH = "姓名与身份证号码不一致，请核对。"


@pytest.fixture
def victim():
    """张三, insured in 苏州·姑苏区, employee insurance, phone 13912345678, registered to 杭州."""
    registration = services.submit_registration(actor=None, organisation=None, channel="web",
                                                data=registration_data(destination_region="330100"))
    return registration.person


def on_file(person) -> dict:
    return InsuredPerson.objects.filter(pk=person.pk).values(
        "name", "phone", "insurance_type", "insured_region", "insured_pooling_area").get()


ORIGINAL = {"name": "张三", "phone": "13912345678", "insurance_type": "employee", "insured_region": "320508",
            "insured_pooling_area": "320500"}


def hostile(person, **overrides) -> dict:
    """Another name, phone, insurance type and insured region (上海浦东) for the victim's ID number."""
    data = registration_data(id_number=person.id_number, name="李四", phone="13700000000",
                             insurance_type="resident", insured_region="310115", destination_region="320500")
    data.update(overrides)
    return data


def test_the_api_refuses_another_name_for_a_known_id_number_and_changes_nothing(api_for, victim):
    before = (Registration.objects.count(), AuditEntry.objects.count())
    response = api_for("310000").post(LIST, as_json(hostile(victim)), format="json")
    assert response.status_code == 400
    # only the neutral name message: nothing about the region, phone or type on file
    assert response.json() == {"name": [NAME_MISMATCH]}
    assert on_file(victim) == ORIGINAL
    assert (Registration.objects.count(), AuditEntry.objects.count()) == before


def test_the_name_message_is_neutral_in_english_too(api_for, victim):
    response = api_for("310000").post(LIST, as_json(hostile(victim)), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"name": ["The name does not match the ID number; please check both."]}


def test_the_anonymous_public_form_cannot_rewrite_a_person(victim):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/registration/")
    response = browser.post("/registration/", {**as_form_data(hostile(victim)),
                                               "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [NAME_MISMATCH]}
    assert on_file(victim) == ORIGINAL
    assert Registration.objects.count() == 1


def test_with_the_right_name_another_insured_region_is_refused_not_written(api_for, victim):
    response = api_for("310000").post(LIST, as_json(hostile(victim, name="张三", insurance_type="employee")),
                                      format="json")
    assert response.status_code == 400
    assert "参保关系变更" in response.json()["insured_region"][0]
    assert on_file(victim) == ORIGINAL
    assert Registration.objects.count() == 1


def test_with_the_right_name_another_insurance_type_is_refused_not_written(api_for, victim):
    data = hostile(victim, name="张三", insured_region="320508", destination_region="310000")
    response = api_for("320508").post(LIST, as_json(data), format="json")
    assert response.status_code == 400
    assert "险种" in response.json()["insurance_type"][0]
    assert on_file(victim) == ORIGINAL
    assert Registration.objects.count() == 1


def test_another_phone_is_accepted_but_the_number_on_file_stays(api_for, victim):
    data = hostile(victim, name="张三", insurance_type="employee", insured_region="320508",
                   destination_region="310000")
    response = api_for("320508").post(LIST, as_json(data), format="json")
    assert response.status_code == 201
    assert on_file(victim) == ORIGINAL
    registration = Registration.objects.get(reference=response.json()["reference"])
    assert registration.person_id == victim.pk
    entry = AuditEntry.objects.get(action="registration.submit", object_id=str(registration.pk))
    assert entry.data["phone_on_file_kept"] is True


def test_the_counter_form_cannot_rewrite_a_person_either(admin_client_for, victim):
    client = admin_client_for("320508")
    data = hostile(victim, insured_region="320508", destination_region="310000")
    response = client.post("/admin/registration/registration/add/", as_form_data(data))
    assert response.status_code == 200
    assert NAME_MISMATCH in response.content.decode()
    assert on_file(victim) == ORIGINAL
    assert Registration.objects.count() == 1


def test_the_counter_is_told_when_the_phone_on_file_was_kept(admin_client_for, victim):
    client = admin_client_for("320508")
    data = registration_data(id_number=victim.id_number, phone="13700000000", destination_region="310000")
    response = client.post("/admin/registration/registration/add/", as_form_data(data), follow=True)
    assert "未作变更" in response.content.decode()
    assert Registration.objects.count() == 2
    assert on_file(victim) == ORIGINAL


def test_the_admin_import_cannot_rewrite_a_person_either(admin_client_for, victim):
    client = admin_client_for("320508")
    header = "id_number,name,phone,insurance_type,insured_region,category,destination_region,commitment_signed\n"
    row = f"{victim.id_number},李四,13700000000,employee,320508,referral,310000,是\n"
    upload = SimpleUploadedFile("rows.csv", (header + row).encode("utf-8"), content_type="text/csv")
    response = client.post("/admin/registration/registration/import/",
                           {"import_file": upload, "format": "0", "resource": "0"})
    assert NAME_MISMATCH in response.content.decode()
    assert response.context.get("confirm_form") is None
    assert on_file(victim) == ORIGINAL
    assert Registration.objects.count() == 1


def test_the_same_person_registers_again_with_the_pooling_area_or_spaces_in_the_name(victim):
    again = services.submit_registration(actor=None, organisation=None, channel="web", data=registration_data(
        id_number=victim.id_number, name=" 张  三 ", insured_region="320500", destination_region="310000"))
    assert again.person_id == victim.pk
    assert again.insured_region_id == "320508"  # the more precise region on file, not the area named
    assert on_file(victim) == ORIGINAL


def test_a_full_width_id_number_cannot_make_a_twin_of_a_known_person(api_for, victim):
    twin = victim.id_number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    response = api_for("310000").post(LIST, as_json(hostile(victim, id_number=twin)), format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert InsuredPerson.objects.count() == 1


# --- the bureau's change of details -----------------------------------------------------------------

def change(person, org_code, **kwargs):
    user = UserFactory(org=org_code, is_staff=True)
    kwargs.setdefault("reason", "参保关系转移接续")
    return services.change_person_details(actor=user, organisation=Organisation.objects.get(code=org_code),
                                          person_id=person.pk, **kwargs)


def test_the_bureau_holding_the_person_moves_the_insured_region_with_an_audited_reason(victim):
    change(victim, "320500", insured_region="310115", phone="13700000000", reason="转入上海浦东，档案号 A1")
    assert on_file(victim) == {"name": "张三", "phone": "13700000000", "insurance_type": "employee",
                               "insured_region": "310115", "insured_pooling_area": "310000"}
    entry = AuditEntry.objects.get(action="registration.person_change", object_id=str(victim.pk))
    assert entry.data["reason"] == "转入上海浦东，档案号 A1"
    assert entry.data["changes"] == {
        "insured_region": {"old": "320508", "new": "310115"},
        "insured_pooling_area": {"old": "320500", "new": "310000"},
        "phone": {"old": "13912345678", "new": "13700000000"},
    }
    assert entry.organisation.code == "320500"
    assert victim.id_number not in entry.summary
    # the registration made before keeps the region it was made under
    assert Registration.objects.get(person=victim).insured_region_id == "320508"


def test_after_the_change_submissions_follow_the_new_record(victim):
    change(victim, "320508", insured_region="310115")
    with pytest.raises(ValidationFailed):
        services.submit_registration(actor=None, organisation=None, channel="web", data=registration_data(
            id_number=victim.id_number, destination_region="310000"))
    registration = services.submit_registration(actor=None, organisation=None, channel="web", data=registration_data(
        id_number=victim.id_number, insured_region="310115", destination_region="320500"))
    assert registration.insured_pooling_area_id == "310000"


@pytest.mark.parametrize("org_code", ["320505", "330100", "310000"])
def test_a_bureau_not_holding_the_person_cannot_change_them(victim, org_code):
    with pytest.raises(NotFound):
        change(victim, org_code, phone="13700000000")
    assert on_file(victim) == ORIGINAL
    assert not AuditEntry.objects.filter(action="registration.person_change").exists()


@pytest.mark.parametrize("kwargs, field", [
    ({"phone": "13700000000", "reason": " "}, "reason"),
    ({"phone": "1370000000"}, "phone"),
    ({"insured_region": "320000"}, "insured_region"),
    ({"insurance_type": "gold"}, "insurance_type"),
    ({"name": "李\x00四"}, "name"),
    ({"phone": "13700000000", "reason": "原因\x07"}, "reason"),
    ({"phone": "13912345678"}, "non_field_errors"),  # nothing differs
])
def test_a_bad_change_says_why_and_changes_nothing(victim, kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        change(victim, "320508", **kwargs)
    assert field in exc.value.as_dict()
    assert on_file(victim) == ORIGINAL
    assert not AuditEntry.objects.filter(action="registration.person_change").exists()


def test_the_admin_offers_the_change_to_the_holding_bureau_and_runs_the_service(admin_client_for, victim):
    client = admin_client_for("320508")
    page = client.get(f"/admin/registration/insuredperson/{victim.pk}/change/").content.decode()
    assert f"{victim.pk}/details/" in page
    form = client.get(f"/admin/registration/insuredperson/{victim.pk}/details/")
    assert form.status_code == 200 and "13912345678" in form.content.decode()
    assert victim.id_number not in form.content.decode()
    response = client.post(f"/admin/registration/insuredperson/{victim.pk}/details/", {
        "name": "张三", "phone": "13700000000", "insurance_type": "employee", "insured_region": "320508",
        "reason": "本人持身份证申请更换手机号码"})
    assert response.status_code == 302
    assert on_file(victim)["phone"] == "13700000000"
    entry = AuditEntry.objects.get(action="registration.person_change")
    assert (entry.actor, entry.data["changes"]) == (client.user, {"phone": {"old": "13912345678",
                                                                            "new": "13700000000"}})


def test_the_admin_change_without_a_reason_shows_the_message_and_changes_nothing(admin_client_for, victim):
    client = admin_client_for("320508")
    response = client.post(f"/admin/registration/insuredperson/{victim.pk}/details/", {
        "name": "张三", "phone": "13700000000", "insurance_type": "employee", "insured_region": "320508",
        "reason": ""})
    assert response.status_code == 200
    assert on_file(victim) == ORIGINAL


def test_the_admin_change_is_not_offered_outside_the_holding_bureau(admin_client_for, victim):
    client = admin_client_for("320505")
    assert client.get(f"/admin/registration/insuredperson/{victim.pk}/details/").status_code == 404
    response = client.post(f"/admin/registration/insuredperson/{victim.pk}/details/", {
        "name": "张三", "phone": "13700000000", "insurance_type": "employee", "insured_region": "320505",
        "reason": "冒名变更"})
    assert response.status_code == 404
    assert on_file(victim) == ORIGINAL


def test_the_person_page_itself_edits_nothing(admin_client_for, victim):
    client = admin_client_for("320508")
    client.post(f"/admin/registration/insuredperson/{victim.pk}/change/", {
        "name": "李四", "phone": "13700000000", "insurance_type": "resident", "insured_region": "310115"})
    assert on_file(victim) == ORIGINAL
