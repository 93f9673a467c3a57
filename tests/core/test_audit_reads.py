"""Point 13: reads of personal data in the admin are audit entries (查阅): a person's or a registration's page,
a search by a full ID number, every export with its row count — and no entry ever holds a full ID number."""
import importlib

import pytest
from django.apps import apps as django_apps

from apps.core import audit, idnumbers
from apps.core.models import AuditEntry
from tests.facilities.factories import FacilityFactory
from tests.registration.factories import InsuredPersonFactory, RegistrationFactory
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db

PERSONS = "/admin/registration/insuredperson/"
REGISTRATIONS = "/admin/registration/registration/"


def reads(action=None):
    qs = AuditEntry.objects.filter(action__startswith="read.")
    return list(qs.filter(action=action) if action else qs)


def test_opening_an_insured_persons_page_is_recorded_with_a_masked_id(admin_client_for):
    person = InsuredPersonFactory(insured="320508")
    client = admin_client_for("320508")
    assert client.get(f"{PERSONS}{person.pk}/change/").status_code == 200
    [entry] = reads()
    assert entry.action == audit.READ_VIEW
    assert (entry.object_type, entry.object_id) == ("registration.insuredperson", str(person.pk))
    assert entry.actor == client.user and entry.organisation.code == "320508"
    assert "查阅参保人员" in entry.summary and idnumbers.mask(person.id_number) in entry.summary
    assert person.id_number not in entry.summary + str(entry.data)


def test_opening_a_registration_and_a_settlement_page_is_recorded(admin_client_for):
    registration = RegistrationFactory(person__insured="320508", destination="330100")
    settlement = SettlementFactory()  # treated in 姑苏区
    client = admin_client_for("320508")
    assert client.get(f"{REGISTRATIONS}{registration.pk}/change/").status_code == 200
    assert client.get(f"/admin/settlement/settlement/{settlement.pk}/change/").status_code == 200
    assert {(e.object_type, e.object_id) for e in reads(audit.READ_VIEW)} == {
        ("settlement.settlement", str(settlement.pk)), ("registration.registration", str(registration.pk))}
    assert all(registration.person.id_number not in e.summary and settlement.id_number not in e.summary
               for e in reads())


def test_pages_without_personal_data_and_pages_out_of_scope_are_not_recorded(admin_client_for):
    facility = FacilityFactory(code="H32050800001")
    elsewhere = InsuredPersonFactory(insured="310115")  # 上海: not 姑苏区's
    client = admin_client_for("320508")
    assert client.get(f"/admin/facilities/facility/{facility.pk}/change/").status_code == 200
    assert client.get(f"{PERSONS}{elsewhere.pk}/change/").status_code == 302  # "does not exist"
    assert client.get(PERSONS).status_code == 200  # a list without a search
    assert reads() == []


def test_a_search_by_full_id_number_is_recorded_with_its_result_count(admin_client_for):
    person = InsuredPersonFactory(insured="320508")
    RegistrationFactory(person=person, destination="330100")
    RegistrationFactory(person=person, destination="310115", status="rejected")
    client = admin_client_for("320508")
    assert client.get(REGISTRATIONS, {"q": person.id_number.lower()}).context["cl"].result_count == 2
    assert client.get(PERSONS, {"q": person.id_number}).context["cl"].result_count == 1
    by_list = {e.object_type: e for e in reads(audit.READ_SEARCH)}
    assert by_list["registration.registration"].data["rows"] == 2
    assert by_list["registration.registration"].object_id == ""
    assert by_list["registration.insuredperson"].object_id == str(person.pk)
    for entry in by_list.values():
        assert idnumbers.mask(person.id_number) in entry.summary
        assert person.id_number not in entry.summary + str(entry.data) + entry.object_id


def test_searches_by_name_or_part_of_a_number_are_not_id_searches(admin_client_for):
    person = InsuredPersonFactory(insured="320508")
    client = admin_client_for("320508")
    for term in (person.name, person.id_number[:17], "BA0000000001"):
        client.get(REGISTRATIONS, {"q": term})
    assert reads() == []


def test_every_export_is_recorded_with_its_row_count(admin_client_for):
    RegistrationFactory(person__insured="320508", destination="330100")
    RegistrationFactory(person__insured="320508", destination="330100")
    FacilityFactory(code="H32050800001")
    client = admin_client_for("320508")
    response = client.post(f"{REGISTRATIONS}export/", {"format": "1", "resource": "0",
                                                       "registrationexportresource_reference": "on"})
    assert response.status_code == 200
    response = client.post("/admin/facilities/facility/export/", {"format": "0", "resource": "0",
                                                                   "facilityresource_code": "on"})
    assert response.status_code == 200
    exports = {e.object_type: e for e in reads(audit.READ_EXPORT)}
    assert exports["registration.registration"].data == {"rows": 2, "format": "xlsx",
                                                          "path": f"{REGISTRATIONS}export/"}
    assert "导出异地就医备案 2 行（xlsx）" in exports["registration.registration"].summary
    assert exports["facilities.facility"].data["rows"] == 1
    assert exports["facilities.facility"].actor == client.user


def test_the_export_form_alone_is_not_an_export(admin_client_for):
    RegistrationFactory(person__insured="320508", destination="330100")
    assert admin_client_for("320508").get(f"{REGISTRATIONS}export/").status_code == 200
    assert reads() == []


def test_an_audit_entry_never_holds_a_full_id_number():
    person_id = InsuredPersonFactory(insured="320508").id_number
    entry = audit.record(action="registration.reject", object_type="x", object_id=person_id,
                         summary=f"驳回：身份证 {person_id} 与姓名不符", reason=f"见{person_id}", ids=[person_id],
                         nested={"id": person_id})
    entry.refresh_from_db()
    masked = idnumbers.mask(person_id)
    assert entry.summary == f"驳回：身份证 {masked} 与姓名不符"
    assert entry.object_id == masked
    assert entry.data == {"reason": f"见{masked}", "ids": [masked], "nested": {"id": masked}}


def test_numbers_that_are_not_id_numbers_stay_as_they_are():
    entry = audit.record(action="x", summary="结算 JS000000000123456789 与 123456789012345678")
    assert entry.summary == "结算 JS000000000123456789 与 123456789012345678"


def test_the_migration_masks_the_id_numbers_older_entries_hold():
    person_id = InsuredPersonFactory(insured="320508").id_number
    old = AuditEntry.objects.create(action="settlement.reverse", object_type="x", object_id="1",
                                    summary=f"冲正：{person_id}", data={"reason": person_id, "n": 3})
    migration = importlib.import_module("apps.core.migrations.0002_mask_ids_and_auditors")
    migration.forwards(django_apps, None)
    old.refresh_from_db()
    assert old.summary == f"冲正：{idnumbers.mask(person_id)}"
    assert old.data == {"reason": idnumbers.mask(person_id), "n": 3}
