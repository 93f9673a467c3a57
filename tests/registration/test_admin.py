"""The admin for bureau staff: masked IDs, exact search, review actions through the service (single and bulk,
reject with a reason), the timeline, export with masked IDs, import through the service (all or nothing)."""
import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core import idnumbers
from apps.registration.models import Registration
from tests.registration.factories import RegistrationFactory, unique_id_number
from tests.registration.helpers import admin_export

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/registration/registration/"
TODAY = timezone.localdate()


def submitted(county="320508", **kwargs):
    return RegistrationFactory(person__insured=county, destination="330100", status="submitted", **kwargs)


def test_the_list_and_the_record_show_id_numbers_masked(admin_client_for):
    registration = submitted()
    client = admin_client_for("320508")
    full, masked = registration.person.id_number, idnumbers.mask(registration.person.id_number)
    listing = client.get(CHANGELIST).content.decode()
    record = client.get(f"{CHANGELIST}{registration.pk}/change/").content.decode()
    for page in (listing, record):
        assert masked in page
        assert full not in page


def test_staff_find_a_registration_by_full_id_number_reference_or_name(admin_client_for):
    registration, other = submitted(), submitted()
    client = admin_client_for("320508")
    for term in (registration.person.id_number, registration.reference.lower(), registration.person.name):
        page = client.get(CHANGELIST, {"q": term}).content.decode()
        assert registration.reference in page, term
        assert other.reference not in page, term


def test_bulk_approval_goes_through_the_service_and_is_recorded(admin_client_for):
    first, second = submitted(), submitted()
    client = admin_client_for("320508")
    response = client.post(CHANGELIST, {"action": "approve_selected", "index": "0",
                                        ACTION_CHECKBOX_NAME: [first.pk, second.pk]}, follow=True)
    assert "已批准 2 条备案" in response.content.decode()
    for registration in (first, second):
        registration.refresh_from_db()
        assert registration.status == "approved"
        assert registration.events.get(to_status="approved").actor == client.user


def test_approving_an_approved_registration_in_the_admin_says_why_not(admin_client_for):
    registration = RegistrationFactory(person__insured="320508", status="approved")
    response = admin_client_for("320508").post(CHANGELIST, {"action": "approve_selected", "index": "0",
                                                            ACTION_CHECKBOX_NAME: [registration.pk]}, follow=True)
    assert "不能批准" in response.content.decode()


def test_bulk_rejection_asks_for_a_reason_first(admin_client_for):
    first, second = submitted(), submitted()
    client = admin_client_for("320508")
    ask = client.post(CHANGELIST, {"action": "reject_selected", "index": "0",
                                   ACTION_CHECKBOX_NAME: [first.pk, second.pk]})
    assert ask.status_code == 200
    assert "驳回原因" in ask.content.decode()
    assert Registration.objects.filter(status="rejected").count() == 0

    empty = client.post(CHANGELIST, {"action": "reject_selected", "index": "0", "apply": "1", "reason": " ",
                                     ACTION_CHECKBOX_NAME: [first.pk, second.pk]})
    assert "请填写驳回原因" in empty.content.decode()
    assert Registration.objects.filter(status="rejected").count() == 0

    client.post(CHANGELIST, {"action": "reject_selected", "index": "0", "apply": "1", "reason": "参保信息不符",
                             ACTION_CHECKBOX_NAME: [first.pk, second.pk]})
    assert list(Registration.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", "status_reason")
                ) == [("rejected", "参保信息不符")] * 2


def test_a_single_registration_is_approved_or_rejected_from_its_page(admin_client_for):
    to_approve, to_reject = submitted(), submitted()
    client = admin_client_for("320508")
    page = client.get(f"{CHANGELIST}{to_approve.pk}/change/").content.decode()
    assert f"{to_approve.pk}/approve/" in page and f"{to_approve.pk}/reject/" in page
    client.post(f"{CHANGELIST}{to_approve.pk}/approve/")
    assert client.get(f"{CHANGELIST}{to_reject.pk}/reject/").status_code == 200
    client.post(f"{CHANGELIST}{to_reject.pk}/reject/", {"reason": "就医地不符"})
    to_approve.refresh_from_db()
    to_reject.refresh_from_db()
    assert to_approve.status == "approved"
    assert (to_reject.status, to_reject.status_reason) == ("rejected", "就医地不符")


def test_the_destination_side_sees_the_record_but_cannot_approve_it(admin_client_for):
    registration = submitted()  # insured in 苏州, treated in 杭州
    client = admin_client_for("330100")
    page = client.get(f"{CHANGELIST}{registration.pk}/change/").content.decode()
    assert registration.reference in page
    assert f"{registration.pk}/approve/" not in page
    assert "审核与撤销由参保地经办机构办理" in page
    response = client.post(CHANGELIST, {"action": "approve_selected", "index": "0",
                                        ACTION_CHECKBOX_NAME: [registration.pk]}, follow=True)
    assert "只有参保地经办机构" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "submitted"


def test_the_record_shows_its_transition_history(admin_client_for):
    registration = submitted()
    client = admin_client_for("320508")
    client.post(f"{CHANGELIST}{registration.pk}/reject/", {"reason": "证明材料不清晰"})
    page = client.get(f"{CHANGELIST}{registration.pk}/change/").content.decode()
    assert "办理记录" in page
    assert "证明材料不清晰" in page
    assert client.user.username in page


def test_the_export_masks_id_numbers(admin_client_for):
    registration = submitted()
    text = admin_export(admin_client_for("320508"))
    assert registration.reference in text
    assert idnumbers.mask(registration.person.id_number) in text
    assert registration.person.id_number not in text


def test_the_overdue_documents_filter_lists_only_overdue_ones(admin_client_for):
    overdue = submitted(documents_owed="居住证明", documents_due=TODAY - dt.timedelta(days=1))
    not_yet = submitted(documents_owed="居住证明", documents_due=TODAY + dt.timedelta(days=5))
    page = admin_client_for("320508").get(CHANGELIST, {"documents": "overdue"}).content.decode()
    assert overdue.reference in page
    assert not_yet.reference not in page


def test_the_destination_province_filter(admin_client_for):
    to_hangzhou = submitted()
    to_shanghai = RegistrationFactory(person__insured="320508", destination="310000", status="submitted")
    page = admin_client_for("320508").get(CHANGELIST, {"destination_province": "330000"}).content.decode()
    assert to_hangzhou.reference in page
    assert to_shanghai.reference not in page


IMPORT_HEADER = ("id_number,name,phone,insurance_type,insured_region,category,destination_region,start_date,"
                 "end_date,commitment_signed,retroactive_reason\n")


def _import(client, rows: list[str]):
    upload = SimpleUploadedFile("rows.csv", (IMPORT_HEADER + "\n".join(rows) + "\n").encode("utf-8"),
                                content_type="text/csv")
    return client.post(f"{CHANGELIST}import/", {"import_file": upload, "format": "0", "resource": "0"})


def _row(id_number, destination="310000", start=None):
    return f"{id_number},李四,13912345678,employee,320508,referral,{destination},{(start or TODAY).isoformat()},,是,"


def test_an_import_submits_every_row_through_the_service(admin_client_for):
    client = admin_client_for("320508")
    dry_run = _import(client, [_row(unique_id_number()), _row(unique_id_number(), destination="330100")])
    assert dry_run.status_code == 200
    assert Registration.objects.count() == 0  # the dry run keeps nothing
    confirm = dry_run.context["confirm_form"]
    client.post(f"{CHANGELIST}process_import/", {**confirm.initial})
    rows = Registration.objects.all()
    assert rows.count() == 2
    assert {r.channel for r in rows} == {"counter"}
    assert all(r.end_date is not None and r.events.exists() for r in rows)


def test_an_import_with_one_bad_row_imports_nothing_and_says_why_in_chinese(admin_client_for):
    client = admin_client_for("320508")
    bad = unique_id_number()[:-1] + "0"
    bad = bad if idnumbers.id_number_error(bad) else bad[:-1] + "1"
    response = _import(client, [_row(unique_id_number()), _row(bad), _row(unique_id_number(), destination="320500")])
    page = response.content.decode()
    assert "校验位" in page
    assert "参保统筹区" in page
    assert response.context.get("confirm_form") is None
    assert Registration.objects.count() == 0


def test_counter_staff_register_a_person_through_the_same_rules(admin_client_for):
    from tests.registration.helpers import as_form_data
    from tests.registration.factories import registration_data

    client = admin_client_for("320508")
    page = client.get(f"{CHANGELIST}add/")
    assert page.status_code == 200 and "窗口办理" in page.content.decode()
    bad = client.post(f"{CHANGELIST}add/", as_form_data(registration_data(destination_region="320500")))
    assert "参保统筹区" in bad.content.decode()
    assert not Registration.objects.exists()
    client.post(f"{CHANGELIST}add/", as_form_data(registration_data()))
    registration = Registration.objects.get()
    assert (registration.channel, registration.created_by) == ("counter", client.user)


def test_counter_staff_cannot_register_people_insured_elsewhere(admin_client_for):
    from tests.registration.helpers import as_form_data
    from tests.registration.factories import registration_data

    response = admin_client_for("320505").post(f"{CHANGELIST}add/", as_form_data(registration_data()))
    assert "只能为本辖区参保人员办理备案" in response.content.decode()
    assert not Registration.objects.exists()


def test_staff_record_that_owed_documents_arrived(admin_client_for):
    owing = submitted(documents_owed="居住证明", documents_due=TODAY - dt.timedelta(days=1))
    client = admin_client_for("320508")
    done = client.post(CHANGELIST, {"action": "documents_supplied", "index": "0", ACTION_CHECKBOX_NAME: [owing.pk]},
                       follow=True)
    assert "登记补交材料 1 条" in done.content.decode()
    owing.refresh_from_db()
    assert owing.documents_supplied_at is not None
    page = client.get(CHANGELIST, {"documents": "overdue"}).content.decode()
    assert owing.reference not in page
