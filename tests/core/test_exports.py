"""Point 7: no exported cell starts a spreadsheet formula, in CSV and XLSX, in every admin export."""
import csv
import io

import pytest
import tablib
from openpyxl import load_workbook

from apps.core.exports import NeutralisedExportMixin, neutralise, neutralise_dataset
from apps.facilities.models import Facility
from apps.registration.models import Registration
from tests.facilities.factories import FacilityFactory
from tests.registration.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'
FACILITY_COLUMNS = ["code", "name", "kind", "level", "region", "address", "status", "inpatient", "outpatient",
                    "chronic_diseases"]
REGISTRATION_COLUMNS = ["reference", "id_number", "name", "status", "status_reason"]
CSV_FORMAT, XLSX_FORMAT = "0", "1"


def export_facilities(client, fmt):
    response = client.post("/admin/facilities/facility/export/",
                           {"format": fmt, "resource": "0", **{f"facilityresource_{c}": "on" for c in FACILITY_COLUMNS}})
    assert response.status_code == 200, response.content[:300]
    return response


def export_registrations(client, fmt):
    response = client.post("/admin/registration/registration/export/", {
        "format": fmt, "resource": "0", **{f"registrationexportresource_{c}": "on" for c in REGISTRATION_COLUMNS}})
    assert response.status_code == 200, response.content[:300]
    return response


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_cells(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_no_formula(cells):
    for value in cells:
        assert not (isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r"))), value


@pytest.mark.parametrize("value,shown", [
    (HYPERLINK, "'" + HYPERLINK), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"), ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"), ("==1", "'==1"),
    ("-12.50", "-12.50"), ("+86", "+86"), ("3", "3"), ("普通文本", "普通文本"), ("", ""), (None, None), (-5, -5),
])
def test_neutralise(value, shown):
    assert neutralise(value) == shown


def test_a_dataset_is_neutralised_whole_and_the_original_left_alone():
    data = tablib.Dataset(["A1", "=1+1", 3], headers=["code", "=name", "n"])
    out = neutralise_dataset(data)
    assert out.headers == ["code", "'=name", "n"] and list(out[0]) == ["A1", "'=1+1", 3]
    assert list(data[0]) == ["A1", "=1+1", 3]


def test_a_resource_used_outside_the_admin_can_be_neutralised_too():
    from apps.facilities.resources import FacilityResource

    FacilityFactory(code="H32050800001", name=HYPERLINK)

    class SafeFacilityResource(NeutralisedExportMixin, FacilityResource):
        pass

    dataset = SafeFacilityResource().export(queryset=Facility.objects.all())
    assert dataset.dict[0]["name"] == "'" + HYPERLINK


def test_a_facility_named_like_a_formula_exports_as_text_in_csv(admin_client_for):
    facility = FacilityFactory(code="H32050800001", name=HYPERLINK, address="@SUM(1+1)")
    rows = csv_rows(export_facilities(admin_client_for("320500"), CSV_FORMAT))
    assert rows[0] == FACILITY_COLUMNS
    row = dict(zip(rows[0], rows[1]))
    assert row["name"] == "'" + HYPERLINK and row["address"] == "'@SUM(1+1)" and row["code"] == "H32050800001"
    assert_no_formula(cell for row in rows for cell in row)
    assert Facility.objects.get(pk=facility.pk).name == HYPERLINK  # the stored name is untouched


def test_a_facility_named_like_a_formula_exports_as_text_in_xlsx(admin_client_for):
    FacilityFactory(code="H32050800001", name=HYPERLINK)
    cells = xlsx_cells(export_facilities(admin_client_for("320500"), XLSX_FORMAT))
    name = next(c for c in cells if c.value and "HYPERLINK" in str(c.value))
    assert name.data_type == "s" and name.value == "'" + HYPERLINK
    assert not any(c.data_type == "f" for c in cells)
    assert_no_formula(c.value for c in cells)


def test_a_registration_with_formula_text_exports_as_text_in_csv_and_xlsx(admin_client_for):
    registration = RegistrationFactory(person__insured="320508", person__name=HYPERLINK, destination="330100",
                                       status="rejected", status_reason="-1+1|cmd")
    client = admin_client_for("320508")
    rows = csv_rows(export_registrations(client, CSV_FORMAT))
    assert "'" + HYPERLINK in rows[1] and "'-1+1|cmd" in rows[1]
    assert_no_formula(cell for row in rows for cell in row)
    cells = xlsx_cells(export_registrations(client, XLSX_FORMAT))
    assert not any(c.data_type == "f" for c in cells)
    assert "'" + HYPERLINK in [c.value for c in cells]
    assert_no_formula(c.value for c in cells)
    assert Registration.objects.get(pk=registration.pk).person.name == HYPERLINK
