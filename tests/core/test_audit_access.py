"""Point 13: a bureau's auditors (group 审计员, permission core.view_auditentry) read the audit trail of the
organisations in their own subtree — read-only, ID numbers masked; other staff and facilities do not."""
import io

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.accounts.services import AUDITOR_GROUP, auditor_group
from apps.core import idnumbers
from apps.core.models import AuditEntry
from apps.regions.models import Organisation
from tests.facilities.factories import FacilityFactory
from tests.factories import UserFactory, id_number_for

pytestmark = pytest.mark.django_db

AUDIT = "/admin/core/auditentry/"


def entry(org_code, summary, **kwargs):
    org = Organisation.objects.get(code=org_code) if org_code else None
    return AuditEntry.objects.create(organisation=org, action="probe", object_type="x", object_id="1",
                                     summary=summary, **kwargs)


@pytest.fixture
def auditor_for(client):
    def make(org_code):
        user = UserFactory(org=org_code, is_staff=True)
        user.groups.add(auditor_group())
        client.force_login(user)
        return client

    return make


@pytest.fixture
def trail():
    FacilityFactory(code="H32050800001")
    return {
        "gusu": entry("320508", "姑苏区的操作"),
        "suzhou": entry("320500", "苏州市的操作"),
        "hospital": entry("H32050800001", "姑苏医院的操作"),
        "wuxi": entry("320200", "无锡市的操作"),
        "shanghai": entry("310000", "上海市的操作"),
        "system": entry(None, "定时任务"),
    }


def listed(client, **params):
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    return {e.summary for e in response.context["cl"].result_list}


def test_a_city_auditor_sees_the_entries_of_the_organisations_in_the_city(auditor_for, trail):
    client = auditor_for("320500")
    assert listed(client) == {"姑苏区的操作", "苏州市的操作", "姑苏医院的操作"}
    assert client.get(f"{AUDIT}{trail['gusu'].pk}/change/").status_code == 200
    assert client.get(f"{AUDIT}{trail['shanghai'].pk}/change/").status_code == 302  # "does not exist"
    assert "审计记录" in client.get("/admin/").content.decode()


def test_a_county_auditor_sees_its_county_and_the_national_auditor_everything(auditor_for, trail, client):
    assert listed(auditor_for("320508")) == {"姑苏区的操作", "姑苏医院的操作"}
    client.logout()
    assert listed(auditor_for("000000")) == {e.summary for e in trail.values()}


def test_the_audit_trail_is_read_only_even_for_auditors(auditor_for, trail):
    client = auditor_for("320500")
    gusu = trail["gusu"]
    assert client.post(f"{AUDIT}{gusu.pk}/change/", {"summary": "改过"}).status_code == 403
    assert client.post(f"{AUDIT}{gusu.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{AUDIT}add/").status_code == 403
    gusu.refresh_from_db()
    assert gusu.summary == "姑苏区的操作" and AuditEntry.objects.count() == len(trail)


def test_staff_without_the_permission_and_facilities_do_not_see_it(admin_client_for, client, trail):
    staff = admin_client_for("320500")
    assert staff.get(AUDIT).status_code == 403
    assert "审计记录" not in staff.get("/admin/").content.decode()
    client.logout()
    hospital = UserFactory(org="H32050800001", is_staff=True)
    hospital.groups.add(auditor_group())
    client.force_login(hospital)
    assert client.get(AUDIT).status_code == 403


def test_no_page_shows_a_full_id_number_even_from_an_old_entry(auditor_for):
    person_id = id_number_for("320508")
    old = entry("320508", f"驳回：{person_id} 不符", data={"reason": person_id})  # written before masking
    client = auditor_for("320500")
    for url in (AUDIT, f"{AUDIT}{old.pk}/change/", f"{AUDIT}?q=驳回"):
        page = client.get(url).content.decode()
        assert idnumbers.mask(person_id) in page, url
        assert person_id not in page, url


def test_the_audit_lists_filters_follow_the_lookup_rule(auditor_for, trail):
    client = auditor_for("320500")
    assert listed(client, action="probe") == {"姑苏区的操作", "苏州市的操作", "姑苏医院的操作"}
    for params in ({"summary__startswith": "姑"}, {"organisation__code__startswith": "31"},
                   {"data__contains": "x"}, {"actor__username__regex": "."}):
        assert client.get(AUDIT, params).status_code == 400, params


def test_create_account_makes_an_auditor():
    call_command("create_account", "--org", "320500", "--username", "suzhou-audit", "--password",
                 "Qiantang-Ledger-77!", "--auditor", stdout=io.StringIO())
    user = User.objects.get(username="suzhou-audit")
    assert user.is_staff and user.groups.filter(name=AUDITOR_GROUP).exists()
    assert user.has_perm("core.view_auditentry")


def test_a_facility_account_cannot_be_an_auditor():
    FacilityFactory(code="H32050800001")
    with pytest.raises(CommandError, match="定点医药机构的账户不能查看审计记录"):
        call_command("create_account", "--org", "H32050800001", "--username", "h-audit", "--auditor",
                     stdout=io.StringIO())
    assert not User.objects.filter(username="h-audit").exists()
