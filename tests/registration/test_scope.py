"""Scope, proven with registrations (foundation issue, point 5): a county's staff see, open, act on and
export only their own rows, in the admin and the API alike; a city sees its counties', a province its cities'."""
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from tests.registration.factories import RegistrationFactory
from tests.registration.helpers import admin_export, post_export

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/registration/registration/"


@pytest.fixture
def rows():
    """Submitted registrations of people insured in three counties (two in 苏州, one in 无锡), all to 杭州."""
    def make(county):
        return RegistrationFactory(person__insured=county, destination="330100", status="submitted")
    return {"gusu": make("320508"), "huqiu": make("320505"), "xishan": make("320205")}


def test_county_staff_list_only_their_own_countys_registrations(admin_client_for, rows):
    page = admin_client_for("320508").get(CHANGELIST).content.decode()
    assert rows["gusu"].reference in page
    assert rows["huqiu"].reference not in page
    assert rows["xishan"].reference not in page


def test_county_staff_cannot_open_another_countys_registration(admin_client_for, rows):
    client = admin_client_for("320508")
    own = client.get(f"{CHANGELIST}{rows['gusu'].pk}/change/")
    assert own.status_code == 200
    assert rows["gusu"].reference in own.content.decode()
    other = client.get(f"{CHANGELIST}{rows['huqiu'].pk}/change/")
    assert other.status_code == 302
    assert rows["huqiu"].reference not in client.get(other["Location"]).content.decode()


def test_county_staff_cannot_act_on_another_countys_registration(admin_client_for, rows):
    client = admin_client_for("320508")
    client.post(CHANGELIST, {"action": "approve_selected", "index": "0",
                             ACTION_CHECKBOX_NAME: [rows["gusu"].pk, rows["huqiu"].pk]})
    rows["gusu"].refresh_from_db()
    rows["huqiu"].refresh_from_db()
    assert rows["gusu"].status == "approved"
    assert rows["huqiu"].status == "submitted"
    assert client.post(f"{CHANGELIST}{rows['huqiu'].pk}/approve/").status_code == 404
    rows["huqiu"].refresh_from_db()
    assert rows["huqiu"].status == "submitted"


def test_county_staff_cannot_export_another_countys_registrations(admin_client_for, rows):
    client = admin_client_for("320508")
    everything = admin_export(client)
    assert rows["gusu"].reference in everything
    assert rows["huqiu"].reference not in everything
    picked = admin_export(client, export_items=[rows["gusu"].pk])
    assert rows["gusu"].reference in picked
    smuggled = post_export(client, export_items=[rows["huqiu"].pk])  # another county's row, picked by hand
    assert not smuggled["Content-Type"].startswith("text/csv")
    assert rows["huqiu"].reference not in smuggled.content.decode()


def test_the_api_answers_404_for_another_countys_registration_and_200_for_its_own(api_for, rows):
    api = api_for("320508")
    assert api.get(f"/api/v1/registrations/{rows['gusu'].reference}/").status_code == 200
    assert api.get(f"/api/v1/registrations/{rows['huqiu'].reference}/").status_code == 404
    listed = [r["reference"] for r in api.get("/api/v1/registrations/").json()["results"]]
    assert listed == [rows["gusu"].reference]


def test_a_city_sees_the_rows_of_its_counties(admin_client_for, api_for, rows):
    page = admin_client_for("320500").get(CHANGELIST).content.decode()
    assert rows["gusu"].reference in page and rows["huqiu"].reference in page
    assert rows["xishan"].reference not in page
    listed = {r["reference"] for r in api_for("320500").get("/api/v1/registrations/").json()["results"]}
    assert listed == {rows["gusu"].reference, rows["huqiu"].reference}


def test_a_province_sees_the_rows_of_its_cities(admin_client_for, api_for, rows):
    page = admin_client_for("320000").get(CHANGELIST).content.decode()
    assert all(r.reference in page for r in rows.values())
    listed = {r["reference"] for r in api_for("320000").get("/api/v1/registrations/").json()["results"]}
    assert listed == {r.reference for r in rows.values()}


def test_the_destination_province_sees_the_rows_treated_there_but_another_province_does_not(api_for, rows):
    assert len(api_for("330000").get("/api/v1/registrations/").json()["results"]) == 3
    assert api_for("310000").get("/api/v1/registrations/").json()["results"] == []
