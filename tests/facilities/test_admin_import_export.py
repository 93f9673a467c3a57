"""Import and export in the admin (django-import-export): CSV and XLSX, a dry-run preview that lists every bad
row with its reason in Chinese, the confirm step only for a clean file, and the same service as the command."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from apps.facilities.models import Facility, FacilityDisease
from apps.facilities.services import IMPORT_COLUMNS
from tests.facilities.conftest import csv_text, import_row
from tests.facilities.factories import ChronicDiseaseFactory, FacilityDiseaseFactory, FacilityFactory

pytestmark = pytest.mark.django_db
IMPORT = "/admin/facilities/facility/import/"
PROCESS = "/admin/facilities/facility/process_import/"
CSV_FORMAT, XLSX_FORMAT = "0", "1"


def upload(client, rows, name="f.csv", fmt=CSV_FORMAT, content=None):
    content = content if content is not None else csv_text(rows).encode("utf-8")
    return client.post(IMPORT, {"format": fmt, "resource": "0",
                                "import_file": SimpleUploadedFile(name, content)})


def test_the_preview_lists_every_bad_row_with_the_reason_and_offers_no_confirm(admin_client_for):
    client = admin_client_for("320500")
    response = upload(client, [import_row("H32050800001"), import_row("H32050800002", kind="clinic"),
                               import_row("P32050800003", kind="hospital"), import_row("H32010200004")])
    assert response.status_code == 200
    result = response.context["result"]
    assert [r.number for r in result.invalid_rows] == [3, 4, 5]
    html = response.content.decode()
    assert "机构类别应为 hospital" in html and "首字母应为 H" in html and "管辖范围" in html
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Facility.objects.exists()


def test_a_clean_csv_previews_then_imports_on_confirm_as_the_bureaus_confirmation(admin_client_for):
    client = admin_client_for("320500")
    response = upload(client, [import_row("H32050800001", chronic_diseases="M03900"), import_row("P32058300002")])
    assert [row.import_type for row in response.context["result"].valid_rows()] == ["new", "new"]
    assert not Facility.objects.exists()  # the preview is a dry run
    confirm = response.context["confirm_form"]
    response = client.post(PROCESS, {**confirm.initial})
    assert response.status_code == 302
    assert set(Facility.objects.values_list("code", flat=True)) == {"H32050800001", "P32058300002"}
    service = FacilityDisease.objects.get(facility_id="H32050800001")
    assert (service.status, service.confirmed_by.code) == ("confirmed", "320500")


def test_an_xlsx_file_imports_through_the_admin(admin_client_for):
    wb = Workbook()
    wb.active.append(IMPORT_COLUMNS)
    row = import_row("H32050800001")
    wb.active.append([row[c] for c in IMPORT_COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    client = admin_client_for("320508")
    response = upload(client, None, name="f.xlsx", fmt=XLSX_FORMAT, content=buffer.getvalue())
    assert not response.context["result"].has_validation_errors()
    client.post(PROCESS, {**response.context["confirm_form"].initial})
    assert Facility.objects.filter(code="H32050800001").exists()


def test_a_facility_account_may_not_import(admin_client_for):
    FacilityFactory(code="H32050800001")
    client = admin_client_for("H32050800001")
    assert client.get(IMPORT).status_code == 403


def export(client, fmt, **params):
    return client.post("/admin/facilities/facility/export/" + (f"?{params['qs']}" if params else ""),
                       {"format": fmt, "resource": "0", **{f"facilityresource_{c}": "on" for c in IMPORT_COLUMNS}})


def test_export_writes_the_import_columns_with_confirmed_diseases_only_in_scope(admin_client_for):
    gusu = FacilityFactory(code="H32050800001")
    FacilityDiseaseFactory(facility=gusu, disease=ChronicDiseaseFactory(code="M03900"))
    FacilityDiseaseFactory(facility=gusu, disease=ChronicDiseaseFactory(code="M01600"), status="pending")
    FacilityFactory(code="H33010200001", county="330102")
    response = export(admin_client_for("320000"), CSV_FORMAT)
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].split(",") == IMPORT_COLUMNS
    assert len(lines) == 2
    assert lines[1].startswith("H32050800001,") and lines[1].endswith(",true,true,M03900")


def test_an_exported_xlsx_file_imports_back_unchanged(admin_client_for):
    FacilityFactory(code="H32050800001")
    client = admin_client_for("320500")
    response = export(client, XLSX_FORMAT)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == IMPORT_COLUMNS
    response = upload(client, None, name="back.xlsx", fmt=XLSX_FORMAT, content=response.content)
    assert [row.import_type for row in response.context["result"].valid_rows()] == ["skip"]


def test_a_file_that_became_bad_after_the_preview_saves_nothing_on_confirm(admin_client_for):
    from apps.facilities.models import ChronicDisease

    client = admin_client_for("320500")
    response = upload(client, [import_row("H32050800001"), import_row("H32050800002", chronic_diseases="M08300")])
    ChronicDisease.objects.filter(code="M08300").update(active=False)  # withdrawn from the catalogue meanwhile
    response = client.post(PROCESS, {**response.context["confirm_form"].initial}, follow=True)
    text = response.content.decode()
    assert "第 3 行" in text and "整个文件未写入" in text
    assert not Facility.objects.exists()


def test_the_success_message_counts_in_chinese(admin_client_for):
    FacilityFactory(code="H32050800001", name="旧名")
    client = admin_client_for("320500")
    response = upload(client, [import_row("H32050800001"), import_row("H32050800002")])
    response = client.post(PROCESS, {**response.context["confirm_form"].initial}, follow=True)
    assert "导入完成：新增 1，更新 1，未变 0。" in response.content.decode()
