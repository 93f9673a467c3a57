"""The facility import (shared by the admin and the command): all or nothing, every bad row named, bulk."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.facilities.models import DiseaseServiceEvent, Facility, FacilityDisease
from apps.facilities.services import import_facilities
from apps.regions.models import Organisation
from tests.facilities.conftest import import_row
from tests.facilities.factories import FacilityDiseaseFactory, FacilityFactory
from tests.factories import org

pytestmark = pytest.mark.django_db


def test_one_bad_row_saves_nothing_and_names_the_row():
    rows = [import_row("H32050800001"), import_row("H32050800002", kind="clinic"), import_row("H32050800003")]
    report = import_facilities(rows=rows, by=org("320500"))
    assert report.refused
    assert report.bad_lines == [3]  # the header is line 1
    assert "第 3 行" in str(report.errors[0]) and "机构类别" in report.errors[0].message
    assert not Facility.objects.exists()
    assert not Organisation.objects.filter(tier="facility").exists()


def test_every_bad_row_is_listed_with_its_reason_in_chinese():
    rows = [
        import_row("P32050800001", kind="hospital"),          # wrong letter
        import_row("H32059900001"),                           # not a real county
        import_row("H3205080001"),                            # wrong length
        import_row("H32050800004", chronic_diseases="M99999"),  # unknown disease
        import_row("H32050800005", inpatient="maybe"),        # not a boolean
        import_row("H32050800006", level="5"),                # unknown level
        import_row("H32050800007", region="320583"),          # region disagrees with the code
        import_row("H32050800008", name="医" * 129),          # too long for the register
        import_row("H32050800009"),                           # fine
    ]
    report = import_facilities(rows=rows, by=org("320500"))
    messages = {e.line: e.message for e in report.errors}
    assert report.bad_lines == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "首字母应为 H" in messages[2]
    assert "不是现行的县级行政区划" in messages[3]
    assert "长度应为 12 位" in messages[4]
    assert "M99999" in messages[5] and "不在病种目录中" in messages[5]
    assert "true 或 false" in messages[6]
    assert "机构等级" in messages[7]
    assert "不一致" in messages[8]
    assert "不能超过 128 个字符" in messages[9]
    assert not Facility.objects.exists()


def test_a_code_twice_in_one_file_is_refused_naming_both_lines():
    report = import_facilities(rows=[import_row("H32050800001"), import_row("H32050800001")], by=org("320500"))
    assert report.bad_lines == [3]
    assert "重复" in report.errors[0].message and "第 2 行" in report.errors[0].message
    assert not Facility.objects.exists()


def test_a_bureau_cannot_import_facilities_outside_its_region():
    report = import_facilities(rows=[import_row("H32050800001"), import_row("H33010200001")], by=org("320000"))
    assert report.bad_lines == [3]
    assert "管辖范围" in report.errors[0].message
    assert not Facility.objects.exists()


def test_a_clean_file_creates_facilities_with_their_services():
    rows = [import_row("H32050800001", inpatient="false", chronic_diseases="M03900;M07800"),
            import_row("P32050800002", kind="pharmacy", level="0", outpatient="true", inpatient="false")]
    report = import_facilities(rows=rows, by=org("320508"))
    assert report.created == ["H32050800001", "P32050800002"]
    hospital = Facility.objects.get(code="H32050800001")
    assert (hospital.inpatient, hospital.outpatient, hospital.level) == (False, True, "2")
    assert Facility.objects.get(code="P32050800002").kind == "pharmacy"


def test_a_file_loaded_by_a_bureau_counts_as_its_confirmation_of_the_listed_diseases():
    import_facilities(rows=[import_row("H32050800001", chronic_diseases="M03900;M07800")], by=org("320500"))
    services = FacilityDisease.objects.filter(facility_id="H32050800001").order_by("disease_id")
    assert [(s.disease_id, s.status, s.confirmed_by.code) for s in services] == [
        ("M03900", "confirmed", "320500"), ("M07800", "confirmed", "320500")]
    assert DiseaseServiceEvent.objects.filter(service__facility_id="H32050800001", to_status="confirmed").count() == 2


def test_a_file_loaded_without_an_organisation_leaves_diseases_pending():
    import_facilities(rows=[import_row("H32050800001", chronic_diseases="M03900")], by=None)
    assert FacilityDisease.objects.get(facility_id="H32050800001").status == "pending"


def test_a_second_load_updates_changed_rows_and_leaves_the_rest():
    import_facilities(rows=[import_row("H32050800001"), import_row("H32050800002")], by=org("320500"))
    report = import_facilities(rows=[import_row("H32050800001", name="改名医院", status="suspended"),
                                     import_row("H32050800002")], by=org("320500"))
    assert (report.created, report.updated, report.unchanged) == ([], ["H32050800001"], ["H32050800002"])
    facility = Facility.objects.get(code="H32050800001")
    assert (facility.name, facility.status) == ("改名医院", "suspended")
    assert Organisation.objects.get(code="H32050800001").name == "改名医院"


def test_a_confirmed_disease_the_file_no_longer_lists_is_revoked_but_pending_requests_stay():
    facility = FacilityFactory(code="H32050800001")
    FacilityDiseaseFactory(facility=facility, disease__code="M03900", status="confirmed")
    FacilityDiseaseFactory(facility=facility, disease__code="M01600", disease__name="糖尿病", status="pending")
    import_facilities(rows=[import_row("H32050800001", chronic_diseases="")], by=org("320500"))
    statuses = dict(FacilityDisease.objects.filter(facility=facility).values_list("disease_id", "status"))
    assert statuses == {"M03900": "revoked", "M01600": "pending"}


def test_changing_a_facilitys_kind_by_import_is_refused():
    FacilityFactory(code="H32050800001")
    report = import_facilities(rows=[import_row("H32050800001", kind="pharmacy")], by=org("320500"))
    assert report.refused  # the letter no longer matches the kind
    assert Facility.objects.get(code="H32050800001").kind == "hospital"


def test_a_dry_run_reports_what_would_happen_and_saves_nothing():
    report = import_facilities(rows=[import_row("H32050800001")], by=org("320500"), dry_run=True)
    assert report.created == ["H32050800001"] and not report.refused
    assert not Facility.objects.exists()


def test_a_facility_cannot_import():
    FacilityFactory(code="H32050800001")
    from apps.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        import_facilities(rows=[import_row("H32050800002")], by=org("H32050800001"))


def _queries_for(n: int, start: int) -> int:
    rows = [import_row(f"H320508{start + i:05d}", chronic_diseases="M03900;M01600") for i in range(n)]
    with CaptureQueriesContext(connection) as ctx:
        report = import_facilities(rows=rows, by=org("320500"))
    assert len(report.created) == n
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows():
    assert _queries_for(300, 20000) == _queries_for(5, 10000)


def test_imported_facilities_get_their_own_organisation_under_the_county_bureau():
    import_facilities(rows=[import_row("H32050800001", name="姑苏区中医医院")], by=org("320500"))
    facility = Facility.objects.select_related("organisation__parent").get(code="H32050800001")
    account = facility.organisation
    assert (account.code, account.name, account.tier, account.region_id) == (
        "H32050800001", "姑苏区中医医院", "facility", "320508")
    assert account.parent.code == "320508"
    assert facility.created_at is not None and facility.updated_at == facility.created_at


def test_each_service_change_of_an_import_is_one_event_naming_the_bureau():
    facility = FacilityFactory(code="H32050800001")
    FacilityDiseaseFactory(facility=facility, disease__code="M03900", status="confirmed")
    FacilityDiseaseFactory(facility=facility, disease__code="M01600", disease__name="糖尿病", status="revoked")
    bureau = org("320500")
    import_facilities(rows=[import_row("H32050800001", chronic_diseases="M01600;M07800")], by=bureau)
    services = {s.disease_id: s for s in FacilityDisease.objects.filter(facility=facility)}
    assert {code: s.status for code, s in services.items()} == {
        "M03900": "revoked", "M01600": "confirmed", "M07800": "confirmed"}
    assert services["M01600"].confirmed_by == bureau and services["M01600"].confirmed_at is not None
    events = sorted(DiseaseServiceEvent.objects.filter(service__facility=facility)
                    .values_list("service__disease_id", "from_status", "to_status", "organisation__code", "note"))
    assert events == [("M01600", "revoked", "confirmed", "320500", "批量导入"),
                      ("M03900", "confirmed", "revoked", "320500", "批量导入"),
                      ("M07800", "", "confirmed", "320500", "批量导入")]


def test_a_write_that_collides_with_another_import_is_a_conflict_and_saves_nothing(monkeypatch):
    """Another import registered the facility between this one's read and its write."""
    from apps.core.errors import Conflict
    from apps.facilities import services

    FacilityFactory(code="H32050800001", name="原名医院")
    monkeypatch.setattr(services, "_existing_facilities", lambda codes: {})  # the read saw nothing yet
    with pytest.raises(Conflict):
        import_facilities(rows=[import_row("H32050800002", chronic_diseases="M03900"),
                                import_row("H32050800001", name="新名医院")], by=org("320500"))
    assert list(Facility.objects.values_list("code", "name")) == [("H32050800001", "原名医院")]
    assert not Organisation.objects.filter(code="H32050800002").exists()
    assert Organisation.objects.get(code="H32050800001").name == "原名医院"
    assert not FacilityDisease.objects.exists()
