"""The admin shell: Chinese title, the signed-in organisation, reference data read-only to staff."""
import pytest

from apps.core.models import AuditEntry
from apps.regions.models import Region

pytestmark = pytest.mark.django_db


def test_start_page_names_the_signed_in_organisation(admin_client_for):
    client = admin_client_for("320508")
    page = client.get("/admin/").content.decode()
    assert "医保异地就医协同平台" in page
    assert "姑苏区医疗保障局" in page


def test_account_without_organisation_cannot_use_the_admin(client, django_user_model):
    user = django_user_model.objects.create_user("loose", password="x-Pass-123", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/").status_code == 302


def test_pooling_area_bureau_switches_instant_approval_and_it_is_audited(admin_client_for):
    client = admin_client_for("320500")
    resp = client.post("/admin/regions/region/320500/change/", {"instant_approval": "on"})
    assert resp.status_code == 302
    assert Region.objects.get(code="320500").instant_approval is True
    assert AuditEntry.objects.filter(action="region.instant_approval", object_id="320500").exists()


def test_another_citys_bureau_cannot_switch_instant_approval(admin_client_for):
    client = admin_client_for("320200")  # 无锡
    resp = client.post("/admin/regions/region/320500/change/", {"instant_approval": "on"})
    assert resp.status_code == 403
    assert Region.objects.get(code="320500").instant_approval is False


def test_admin_is_in_chinese_even_for_an_english_browser(admin_client_for):
    client = admin_client_for("320508")
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "退出" in page or "注销" in page
    assert "Log out" not in page
