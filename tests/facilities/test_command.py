"""manage.py import_facilities FILE [--dry-run] [--org CODE]: counts printed, non-zero exit on refusal."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from apps.facilities.models import Facility, FacilityDisease
from apps.facilities.services import IMPORT_COLUMNS
from tests.facilities.conftest import import_row
from tests.facilities.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def run(*args):
    import io

    out, err = io.StringIO(), io.StringIO()
    call_command("import_facilities", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_created_updated_and_refused(csv_file):
    FacilityFactory(code="H32050800001", name="旧名")
    path = csv_file([import_row("H32050800001", name="新名"), import_row("H32050800002")])
    out, _ = run(str(path), "--org", "320500")
    assert "created: 1" in out and "updated: 1" in out and "refused: 0" in out
    assert Facility.objects.get(code="H32050800001").name == "新名"


def test_a_refused_file_exits_non_zero_names_the_rows_and_saves_nothing(csv_file):
    path = csv_file([import_row("H32050800001"), import_row("H32050800002", chronic_diseases="M99999")])
    import io

    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_facilities", str(path), "--org", "320500", stdout=io.StringIO(), stderr=err)
    assert "整个文件未导入" in str(exc.value)
    assert "第 3 行" in err.getvalue() and "M99999" in err.getvalue()
    assert not Facility.objects.exists()


def test_dry_run_saves_nothing(csv_file):
    out, _ = run(str(csv_file([import_row("H32050800001")])), "--dry-run")
    assert "试运行" in out and "created: 1" in out
    assert not Facility.objects.exists()


def test_the_command_reads_xlsx_and_confirms_diseases_for_the_org(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(IMPORT_COLUMNS)
    row = import_row("H32050800001", chronic_diseases="M03900;M00500")
    ws.append([row[c] for c in IMPORT_COLUMNS])
    path = tmp_path / "feed.xlsx"
    wb.save(path)
    run(str(path), "--org", "320508")
    assert set(FacilityDisease.objects.filter(status="confirmed").values_list("disease_id", flat=True)) == {
        "M03900", "M00500"}


def test_an_unknown_org_is_refused(csv_file):
    with pytest.raises(CommandError):
        run(str(csv_file([import_row("H32050800001")])), "--org", "999999")


def test_a_file_missing_a_column_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name\nH32050800001,x\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run(str(path))
    assert not Facility.objects.exists()
