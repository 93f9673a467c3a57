"""Input bounds (issue #10, points 8/9/15 for registrations): far dates, control characters, lone
surrogates and NUL bytes, full-width digits and malformed list filters get a 400 with a message — never a
500 — and nothing is saved."""
import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from apps.core import idnumbers
from apps.core.models import AuditEntry
from apps.registration import services
from apps.registration.models import InsuredPerson, Registration, RegistrationEvent
from tests.registration.factories import RegistrationFactory, registration_data
from tests.registration.helpers import as_form_data, as_json, with_wrong_check_char

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LIST = "/api/v1/registrations/"
add_months = services.add_months


def raw(api, url, body: dict, **extra):
    """POST ``body`` as JSON text with non-ASCII escaped, so a lone surrogate travels as ``\\ud800`` the way
    an attacker's client would send it."""
    return api.post(url, json.dumps(body, ensure_ascii=True, default=str), content_type="application/json", **extra)


def nothing_saved():
    return not Registration.objects.exists() and not InsuredPerson.objects.exists()


CASES = {
    "start in year 9999 (long-term)": ({"start_date": "9999-07-01"}, "start_date", "1900-01-01 至 2100-12-31"),
    "start in year 9999 (temporary, was a 500)": ({"start_date": "9999-07-01", "category": "referral"},
                                                  "start_date", "2100-12-31"),
    "end in year 9999": ({"end_date": "9999-07-01"}, "end_date", "2100-12-31"),
    "start in year 1": ({"start_date": "0001-01-01", "retroactive_reason": "x"}, "start_date", "1900-01-01"),
    "补办 older than a year": ({"start_date": add_months(TODAY, -12) - dt.timedelta(days=1),
                               "retroactive_reason": "住院"}, "start_date", "最多追溯12个月"),
    "start more than a year ahead": ({"start_date": add_months(TODAY, 12) + dt.timedelta(days=1)},
                                     "start_date", "最多提前12个月"),
    "validity over five years": ({"category": "referral", "end_date": add_months(TODAY, 60)}, "end_date",
                                 "有效期最长5年"),
    "documents due in seven months": ({"documents_owed": "居住证明", "documents_due": add_months(TODAY, 7)},
                                      "documents_due", "不超过6个月"),
    "documents due in year 9999": ({"documents_owed": "居住证明", "documents_due": "9999-01-01"},
                                   "documents_due", "2100-12-31"),
    "control character in the name": ({"name": "张\x01三"}, "name", "控制字符"),
    "line break in the name": ({"name": "张三\n李四"}, "name", "控制字符"),
    "lone surrogate in the name": ({"name": "张\ud800三"}, "name", None),
    "NUL in the name": ({"name": "张\x00三"}, "name", None),
    "control character in the retroactive reason": (
        {"start_date": TODAY - dt.timedelta(days=3), "retroactive_reason": "急诊\x1b[31m"}, "retroactive_reason",
        "控制字符"),
    "lone surrogate in documents owed": ({"documents_owed": "居住\udfff证明"}, "documents_owed", None),
    "full-width digits in the phone": ({"phone": "138１２３４５６７８"}, "phone", "11位"),
    "Arabic-Indic digits in the phone": ({"phone": "138١٢٣٤٥٦٧٨"}, "phone", "11位"),
    "full-width digits in the region code": ({"insured_region": "３２０５０８"}, "insured_region", "不存在"),
}


@pytest.mark.parametrize("label", list(CASES))
def test_the_api_answers_400_with_a_message_and_saves_nothing(api_for, label):
    overrides, field, fragment = CASES[label]
    response = raw(api_for("320508"), LIST, as_json(registration_data(**overrides)))
    assert response.status_code == 400, response.content[:300]
    assert field in response.json(), response.json()
    assert all(message for message in response.json()[field])
    if fragment:
        assert any(fragment in message for message in response.json()[field]), response.json()
    assert nothing_saved()


@pytest.mark.parametrize("label", [k for k in CASES if "surrogate" not in k and "NUL" not in k])
def test_the_service_refuses_the_same_for_the_import_and_the_counter(label):
    overrides, field, fragment = CASES[label]
    with pytest.raises(services.ValidationFailed) as exc:
        services.submit_registration(actor=None, organisation=None, channel="counter",
                                     data=registration_data(**overrides))
    assert field in exc.value.as_dict()
    assert nothing_saved()


def test_the_service_refuses_nul_and_lone_surrogates_arriving_without_drf(db):
    for overrides, field in (({"name": "张\x00三"}, "name"), ({"documents_owed": "a\ud800"}, "documents_owed"),
                             ({"id_number": "3205081960\x000517"}, "id_number")):
        with pytest.raises(services.ValidationFailed) as exc:
            services.submit_registration(actor=None, organisation=None, channel="counter",
                                         data=registration_data(**overrides))
        assert field in exc.value.as_dict()
    assert nothing_saved()


def test_the_public_form_shows_the_date_window_message(client):
    client.get("/registration/")
    data = as_form_data(registration_data(category="referral", start_date="9999-07-01"))
    response = client.post("/registration/", data)
    assert response.status_code == 200
    assert "2100-12-31" in " ".join(response.context["form"].errors["start_date"])
    assert nothing_saved()


def test_the_bounds_themselves_are_accepted(api_for):
    api = api_for("320508")
    ok = [
        {"start_date": add_months(TODAY, -12), "retroactive_reason": "住院后补办", "destination_region": "310000"},
        {"start_date": add_months(TODAY, 12), "destination_region": "330000"},
        {"category": "referral", "end_date": add_months(TODAY, 60) - dt.timedelta(days=1),
         "destination_region": "340000"},
        {"documents_owed": "居住证明", "documents_due": add_months(TODAY, 6), "destination_region": "350000"},
    ]
    for overrides in ok:
        response = raw(api, LIST, as_json(registration_data(**overrides)))
        assert response.status_code == 201, (overrides, response.json())


# --- reasons of approve / reject / cancel -------------------------------------------------------------

@pytest.mark.parametrize("verb, status", [("reject", "submitted"), ("cancel", "approved")])
@pytest.mark.parametrize("reason, fragment", [
    ("不符合\x00条件", None),
    ("不符合\x07条件", "控制字符"),
    ("不符合\ud800条件", None),
    ("长" * 201, "200"),
])
def test_bad_reasons_are_400_and_change_nothing(api_for, verb, status, reason, fragment):
    registration = RegistrationFactory(person__insured="320508", status=status, category="referral",
                                       start_date=TODAY, end_date=add_months(TODAY, 6))
    events, audits = RegistrationEvent.objects.count(), AuditEntry.objects.count()
    response = raw(api_for("320508"), f"{LIST}{registration.reference}/{verb}/", {"reason": reason})
    assert response.status_code == 400, response.content[:300]
    assert "reason" in response.json()
    if fragment:
        assert fragment in response.json()["reason"][0]
    registration.refresh_from_db()
    assert registration.status == status
    assert (RegistrationEvent.objects.count(), AuditEntry.objects.count()) == (events, audits)


def test_a_reason_may_have_several_lines(api_for):
    registration = RegistrationFactory(person__insured="320508", status="submitted")
    response = api_for("320508").post(f"{LIST}{registration.reference}/reject/",
                                      {"reason": "材料不全：\r\n1. 居住证明\n2. 转诊单"}, format="json")
    assert response.status_code == 200


def test_the_admin_reject_page_shows_the_message_for_a_control_character(admin_client_for):
    registration = RegistrationFactory(person__insured="320508", status="submitted")
    client = admin_client_for("320508")
    response = client.post(f"/admin/registration/registration/{registration.pk}/reject/", {"reason": "不符\x07合"})
    assert "控制字符" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "submitted"


# --- the list filters and the reference in the URL ----------------------------------------------------

@pytest.mark.parametrize("query, field", [
    ("valid_on=9999-12-31", "valid_on"),
    ("valid_on=0001-01-01", "valid_on"),
    ("valid_on=garbage", "valid_on"),
    ("insured_region=%00", "insured_region"),
    ("insured_region=3205", "insured_region"),
    ("destination_region=%01%02", "destination_region"),
    ("destination_region=%EF%BC%93%EF%BC%92%EF%BC%90%EF%BC%95%EF%BC%90%EF%BC%90", "destination_region"),
    ("id_number=%00", "id_number"),
    (f"id_number={with_wrong_check_char(idnumbers.make_id_number('320508', dt.date(1960, 5, 17), 1))}",
     "id_number"),
    ("status=%00", "status"),
])
def test_a_malformed_list_filter_is_a_400_with_a_message(api_for, query, field):
    RegistrationFactory()
    response = api_for("000000").get(f"{LIST}?{query}")
    assert response.status_code == 400, response.content[:300]
    assert response.json()[field][0]


def test_an_impossible_reference_in_the_url_is_a_json_404(api_for):
    registration = RegistrationFactory(person__insured="320508", status="submitted")
    api = api_for("320508")
    for path in ("%00/", "BA%00/", "%01%02/", f"{'B' * 40}/"):
        assert api.get(f"{LIST}{path}").status_code == 404
        response = api.post(f"{LIST}{path}approve/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
    registration.refresh_from_db()
    assert registration.status == "submitted"


def test_the_public_status_lookup_survives_control_characters(client):
    client.get("/registration/status/")
    response = client.post("/registration/status/", {"reference": "BA\x01\x02", "id_number": "\x01" * 18})
    assert response.status_code == 200
    assert "未查询到备案" in response.content.decode()


def test_the_public_form_is_not_broken_by_a_public_client(db):
    client = Client()
    client.get("/registration/")
    response = client.post("/registration/", {**as_form_data(registration_data()), "name": "张\x00三"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert nothing_saved()
