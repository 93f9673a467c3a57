"""The submission's and the change of details' checks that need no database (``validation``): run here without
one (pytest-django refuses any query in a test not marked for the database), every fault reported at once."""
import datetime as dt

import pytest
from django.test import override_settings

from apps.core.errors import ValidationFailed
from apps.core.idnumbers import make_id_number
from apps.regions.models import Level, Region
from apps.registration.validation import add_months, validate_person_changes, validate_submission
from tests.registration.helpers import with_wrong_check_char

TODAY = dt.date(2026, 3, 15)
ID_NUMBER = make_id_number("320508", dt.date(1960, 5, 17), 13)


def region(code: str, level: str, name: str = "", pooling: Region | str | None = None, instant: bool = False
           ) -> Region:
    """A region in memory only, with its pooling area set (itself when it pools)."""
    made = Region(code=code, name=name or code, level=level, instant_approval=instant)
    made.pooling_area = made if pooling == "self" else pooling  # type: ignore[assignment]
    return made


SUZHOU = region("320500", Level.CITY, "苏州市", pooling="self")
JIANGSU = region("320000", Level.PROVINCE, "江苏省")  # does not pool province-wide
GUSU = region("320508", Level.COUNTY, "姑苏区", pooling=SUZHOU)
WUXI = region("320200", Level.CITY, "无锡市", pooling="self")
SHANGHAI = region("310000", Level.PROVINCE, "上海市", pooling="self")
PUDONG = region("310115", Level.COUNTY, "浦东新区", pooling=SHANGHAI)
REGIONS = {r.code: r for r in (SUZHOU, JIANGSU, GUSU, WUXI, SHANGHAI, PUDONG)}


def data(**overrides) -> dict:
    """A valid submission: 姑苏区-insured, long-term, to 上海, commitment signed, starting today."""
    values = {
        "id_number": ID_NUMBER, "name": "张三", "phone": "13912345678", "insurance_type": "employee",
        "insured_region": "320508", "category": "long_term_resident", "destination_region": "310000",
        "start_date": TODAY, "end_date": None, "commitment_signed": True, "retroactive_reason": "",
    }
    values.update(overrides)
    return values


def faults(**overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as exc:
        validate_submission(data(**overrides), today=TODAY, regions=REGIONS)
    return exc.value.as_dict()


def test_a_valid_submission_comes_back_cleaned_without_touching_the_database():
    submission = validate_submission(data(id_number=f" {ID_NUMBER.lower()} ", name=" 张三 "), today=TODAY,
                                     regions=REGIONS)
    assert (submission.id_number, submission.name) == (ID_NUMBER, "张三")
    assert (submission.insured, submission.destination) == (GUSU, SHANGHAI)
    assert (submission.start, submission.end, submission.documents_due) == (TODAY, None, None)
    assert submission.commitment_based


def test_every_fault_is_reported_at_once_the_first_one_leading():
    found = faults(id_number=with_wrong_check_char(ID_NUMBER), name="", phone="12345", insurance_type="gold",
                   category="holiday", insured_region="999999", destination_region="320508",
                   start_date="2026-02-30", end_date="soon", commitment_signed=False, documents_owed="x\x00")
    assert list(found) == ["id_number", "name", "phone", "insurance_type", "category", "insured_region",
                           "destination_region", "start_date", "end_date", "documents_owed", "commitment_signed"]
    with pytest.raises(ValidationFailed) as exc:
        validate_submission(data(phone="1"), today=TODAY, regions=REGIONS)
    assert (exc.value.field, exc.value.message) == ("phone", found["phone"][0])


def test_an_unknown_region_is_named_in_the_message_without_its_control_characters():
    found = faults(insured_region="12\x003456", destination_region="abc")
    assert "123456" in found["insured_region"][0] and "\x00" not in found["insured_region"][0]
    assert "「abc」" in found["destination_region"][0]


def test_a_province_that_does_not_pool_is_no_insured_region_and_a_county_no_destination():
    assert "不能是未实行省级统筹的整个省份" in faults(insured_region="320000")["insured_region"][0]
    assert "不能是县（区）" in faults(destination_region="310115")["destination_region"][0]


@pytest.mark.parametrize("destination", ["320500", "320000"])
def test_the_destination_lies_outside_the_insured_pooling_area_in_both_directions(destination):
    assert "苏州市" in faults(destination_region=destination)["destination_region"][0]
    assert validate_submission(data(destination_region="320200"), today=TODAY, regions=REGIONS).destination == WUXI


def test_a_temporary_registration_gets_the_default_end_and_may_not_end_sooner():
    submission = validate_submission(data(category="referral"), today=TODAY, regions=REGIONS)
    assert submission.end == add_months(TODAY, 6) - dt.timedelta(days=1)
    assert "不得少于6个月" in faults(category="referral", end_date=TODAY + dt.timedelta(days=30))["end_date"][0]


@override_settings(YIDI_TEMPORARY_MIN_MONTHS=3)
def test_the_temporary_minimum_is_the_setting():
    submission = validate_submission(data(category="referral"), today=TODAY, regions=REGIONS)
    assert submission.end == add_months(TODAY, 3) - dt.timedelta(days=1)


def test_a_past_start_needs_a_reason_and_the_window_is_bounded():
    assert "补办原因" in faults(start_date=TODAY - dt.timedelta(days=1))["retroactive_reason"][0]
    assert list(faults(start_date=add_months(TODAY, -13))) == ["start_date"]  # no reason asked on top
    assert "最多提前12个月" in faults(start_date=add_months(TODAY, 13))["start_date"][0]
    assert "最长5年" in faults(end_date=add_months(TODAY, 61))["end_date"][0]


def test_owed_documents_need_the_commitment_and_a_due_date_in_its_window():
    assert "容缺后补须签署" in " ".join(faults(commitment_signed=False, documents_provided=True,
                                               documents_owed="居住证明")["commitment_signed"])
    assert "请写明待补交的材料" in faults(documents_due=TODAY)["documents_owed"][0]
    assert "不得早于今天" in faults(documents_owed="居住证明", documents_due=TODAY - dt.timedelta(days=1)
                                   )["documents_due"][0]
    owed = validate_submission(data(documents_owed="居住证明"), today=TODAY, regions=REGIONS)
    assert owed.documents_due == TODAY + dt.timedelta(days=30)


def test_instant_approval_needs_the_switch_a_signed_commitment_nothing_owed_and_no_past_start():
    on = region("320500", Level.CITY, "苏州市", pooling="self", instant=True)
    owed = validate_submission(data(documents_owed="居住证明"), today=TODAY, regions=REGIONS)
    assert not owed.instant(on, TODAY)
    submission = validate_submission(data(), today=TODAY, regions=REGIONS)
    assert submission.instant(on, TODAY)
    assert not submission.instant(SUZHOU, TODAY)
    past = validate_submission(data(start_date=TODAY - dt.timedelta(days=2), retroactive_reason="急诊"),
                               today=TODAY, regions=REGIONS)
    assert not past.instant(on, TODAY)
    provided = validate_submission(data(commitment_signed=False, documents_provided="是"), today=TODAY,
                                   regions=REGIONS)
    assert not provided.commitment_based and not provided.instant(on, TODAY)


def test_a_change_of_details_is_checked_by_the_same_rules_every_fault_at_once():
    with pytest.raises(ValidationFailed) as exc:
        validate_person_changes(name=" ", phone="110", insurance_type="gold", insured_region="320000",
                                regions=REGIONS)
    assert list(exc.value.as_dict()) == ["name", "phone", "insurance_type", "insured_region"]
    wanted = validate_person_changes(phone=" 13800000000 ", insured_region="310115", regions=REGIONS)
    assert wanted == {"phone": "13800000000", "insured_region": PUDONG}
