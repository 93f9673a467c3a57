"""Garbage from a client on the facilities and coverage endpoints, pages and the import — NUL bytes, control
characters, huge values — is a 400/404 or a row error with a message, never a 500, and changes nothing."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from apps.core.errors import ValidationFailed
from apps.core.models import AuditEntry
from apps.facilities import services
from apps.facilities.models import Facility, FacilityDisease
from apps.facilities.services import IMPORT_COLUMNS, import_facilities
from apps.regions.models import Organisation
from tests.facilities.conftest import csv_text, import_row
from tests.facilities.factories import FacilityFactory
from tests.factories import org

pytestmark = pytest.mark.django_db
HUGE = "9" * 20000


def state():
    return (list(Facility.objects.order_by("code").values_list("code", "name", "address", "updated_at")),
            Organisation.objects.count(), FacilityDisease.objects.count(), AuditEntry.objects.count())


@pytest.fixture
def api(api_for):
    client = api_for("000000")
    client.raise_request_exception = False  # a 500 must show as a 500 here, not as an exception
    return client


# --- coverage ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("province", ["%00", "32%000", "%0032000", "32000%01", HUGE, "３２００００", "320000x"])
def test_coverage_with_a_province_that_is_no_code_is_a_400_that_does_not_echo_it(api, province):
    response = api.get(f"/api/v1/coverage/?province={province}")
    assert response.status_code == 400
    assert response.json() == {"province": ["省份应为 6 位省级行政区划代码（如 320000）。"]}


def test_coverage_explains_it_in_english(api):
    response = api.get("/api/v1/coverage/?province=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"province": ["province must be a 6-digit province-level region code (e.g. 320000)."]}


def test_a_well_formed_code_that_is_no_province_still_says_so_and_a_province_still_works(api):
    assert api.get("/api/v1/coverage/?province=320500").json() == {"province": ["320500 不是省级行政区划代码。"]}
    assert api.get("/api/v1/coverage/?province= 320000 ").json()["province"]["code"] == "320000"


def test_a_bureau_asking_with_a_nul_gets_a_400_not_another_provinces_figure(api_for):
    client = api_for("320500")
    client.raise_request_exception = False
    assert client.get("/api/v1/coverage/?province=%00").status_code == 400


@pytest.mark.parametrize("province", ["%00", "32%000", HUGE])
def test_the_admin_coverage_page_answers_404_for_a_province_that_is_no_code(admin_client_for, django_user_model,
                                                                            province):
    from django.test import Client

    staff = admin_client_for("000000")
    staff.raise_request_exception = False
    assert staff.get(f"/admin/facilities/facility/coverage/?province={province}").status_code == 404
    superuser = Client(raise_request_exception=False)  # no organisation: the page's other path
    superuser.force_login(django_user_model.objects.create_superuser("root-cov", password="x"))
    assert superuser.get(f"/admin/facilities/facility/coverage/?province={province}").status_code == 404
    assert superuser.get("/admin/facilities/facility/coverage/?province=320000").status_code == 200


# --- the facility list and detail ----------------------------------------------------------------------

@pytest.mark.parametrize("code", ["%00", "H3205%0000001", "H%01", HUGE])
def test_a_malformed_facility_code_is_a_json_404(api, code):
    FacilityFactory(code="H32050800001", county="320508")
    response = api.get(f"/api/v1/facilities/{code}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


@pytest.mark.parametrize("query,field", [
    ("region=%00", "region"), ("q=%00", "q"), ("disease=%00", "disease"), ("kind=%00", "kind"),
    ("region=" + HUGE, "region"), ("disease=" + HUGE, "disease"), ("q=" + HUGE, "q"), ("level=" + HUGE, "level"),
])
def test_list_filters_with_garbage_answer_400_on_the_filter_without_echoing_it(api, query, field):
    FacilityFactory(code="H32050800001", county="320508")
    response = api.get(f"/api/v1/facilities/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert len(response.content) < 500


def test_the_filters_still_find_what_they_should(api):
    FacilityFactory(code="H32050800001", county="320508", name="苏州市立医院")
    for query in ("region=320500", "q=苏州市立", "q=" + "苏" * 100, "region= 320508 "):
        response = api.get(f"/api/v1/facilities/?{query}")
        assert response.status_code == 200, query
    assert [f["code"] for f in api.get("/api/v1/facilities/?q=苏州市立").json()["results"]] == ["H32050800001"]


# --- the admin -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/admin/facilities/facility/?kind=%00", "/admin/facilities/facility/?status=%00",
    "/admin/facilities/facility/?level=%00", "/admin/facilities/facility/?region=%00",
    "/admin/facilities/facility/?q=%01", "/admin/facilities/facilitydisease/?status=%00",
    "/admin/facilities/facilitydisease/?disease=%00", "/admin/facilities/chronicdisease/?q=%00",
])
def test_admin_lists_with_a_nul_in_a_filter_come_back_clean_with_a_message(admin_client_for, url):
    FacilityFactory(code="H32050800001", county="320508")
    client = admin_client_for("320500")
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == url.split("?")[0]
    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200
    assert "筛选或搜索条件含有无法识别的字符，已清除。" in [str(m) for m in page.context["messages"]]


@pytest.mark.parametrize("url", ["/admin/facilities/facility/H3205%0000001/change/",
                                 "/admin/facilities/chronicdisease/M%0000/change/"])
def test_admin_pages_of_an_id_with_a_nul_are_not_found_not_a_500(admin_client_for, url):
    client = admin_client_for("320500")
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 302  # the admin's own "does not exist" redirect
    assert any("不存在" in str(m) for m in client.get(response["Location"]).context["messages"])


# --- single writes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,words", [("苏州\x00医院", "控制字符"), ("苏州\n医院", "控制字符"),
                                        ("苏州\ud800医院", "无法识别")])
def test_registering_or_renaming_with_control_characters_is_refused(name, words):
    FacilityFactory(code="H32050800001", county="320508", name="旧名")
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        services.register_facility(by=org("320500"), code="H32050800002", name=name, kind="hospital")
    assert exc.value.field == "name" and words in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        services.update_facility(by=org("320500"), code="H32050800001", name=name)
    assert exc.value.field == "name"
    with pytest.raises(ValidationFailed) as exc:
        services.update_facility(by=org("320500"), code="H32050800001", address="苏州\x07路")
    assert exc.value.field == "address"
    assert state() == before


# --- the import ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("column,value,words", [
    ("name", "苏州\x00医院", "机构名称不能包含控制字符"),
    ("name", "苏州\x01医院", "机构名称不能包含控制字符"),
    ("name", "苏州\n医院", "机构名称不能包含控制字符"),
    ("name", "苏州\ud800医院", "机构名称含有无法识别的字符"),
    ("address", "人民路\x00号", "地址不能包含控制字符"),
])
def test_control_characters_in_an_imported_row_are_a_row_error_and_nothing_is_saved(column, value, words):
    before = state()
    rows = [import_row("H32050800001"), import_row("H32050800002", **{column: value})]
    report = import_facilities(rows=rows, by=org("320500"))
    assert report.bad_lines == [3]
    assert report.errors[0].field == column and words in report.errors[0].message
    assert state() == before


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_facilities", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_csv_with_a_nul_in_a_name_is_refused_by_the_command_naming_the_row(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(csv_text([import_row("H32050800001"), import_row("H32050800002", name="苏州\x00医院")]),
                    encoding="utf-8")
    before = state()
    with pytest.raises(CommandError) as exc:
        run(str(path), "--org", "320500")
    assert "1 行有误" in str(exc.value)
    assert state() == before


def test_an_xlsx_with_a_line_break_in_a_name_is_refused_naming_the_row(tmp_path):
    wb = Workbook()
    sheet = wb.active
    sheet.append(IMPORT_COLUMNS)
    for row in (import_row("H32050800001"), import_row("H32050800002", name="苏州医院\n（分院）")):
        sheet.append([row[c] for c in IMPORT_COLUMNS])
    path = tmp_path / "feed.xlsx"
    wb.save(path)
    before = state()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_facilities", str(path), "--org", "320500", stdout=out, stderr=err)
    assert "第 3 行" in err.getvalue() and "机构名称不能包含控制字符" in err.getvalue()
    assert state() == before


@pytest.mark.parametrize("name,content", [
    ("feed.csv", "code,name\nH32050800001,苏州医院\n".encode("gbk")),  # saved as "CSV" by an old Excel
    ("feed.xlsx", b"PK\x03\x04 not really a workbook"),
    ("feed.xlsx", b"<html>an error page saved as xlsx</html>"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_message_not_a_traceback(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    before = state()
    with pytest.raises(CommandError) as exc:
        run(str(path), "--org", "320500")
    assert "UTF-8" in str(exc.value) or "无法读取" in str(exc.value)
    assert state() == before


def test_the_admin_import_of_a_csv_with_control_characters_lists_the_row(admin_client_for):
    client = admin_client_for("320500")
    client.raise_request_exception = False
    text = csv_text([import_row("H32050800001"), import_row("H32050800002", name="苏州\x01医院")])
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = state()
    response = client.post("/admin/facilities/facility/import/", {
        "format": "0", "resource": "0", "import_file": SimpleUploadedFile("feed.csv", text.encode("utf-8")),
    })
    assert response.status_code == 200
    assert "机构名称不能包含控制字符" in response.content.decode()
    assert state() == before
