"""Facility codes: H/P + a real county-level code + 5 digits, the letter matching the kind; duplicates refused."""
import pytest

from apps.core.errors import NotAllowed, ValidationFailed
from apps.facilities.models import Facility
from apps.facilities.services import register_facility
from apps.regions.models import Organisation
from tests.factories import org

pytestmark = pytest.mark.django_db


def register(code, kind="hospital", by="320000"):
    return register_facility(by=org(by) if by else None, code=code, name="测试医院", kind=kind, outpatient=True)


def assert_refused(code, kind, words):
    with pytest.raises(ValidationFailed) as exc:
        register(code, kind)
    assert exc.value.field == "code"
    for word in words:
        assert word in exc.value.message
    assert not Facility.objects.filter(code=code).exists()
    assert not Organisation.objects.filter(code=code).exists()


def test_a_hospital_code_starting_with_p_is_refused_and_nothing_is_saved():
    assert_refused("P32050800001", "hospital", ["首字母应为 H"])


def test_a_pharmacy_code_starting_with_h_is_refused():
    assert_refused("H32050800001", "pharmacy", ["首字母应为 P"])


def test_a_code_whose_region_is_not_a_real_county_is_refused():
    assert_refused("H32059900001", "hospital", ["320599", "不是现行的县级行政区划"])


def test_a_code_naming_a_city_with_counties_is_refused():
    assert_refused("H32050000001", "hospital", ["320500", "不是现行的县级行政区划"])


def test_a_code_of_the_wrong_length_is_refused():
    assert_refused("H3205080001", "hospital", ["长度应为 12 位"])
    assert_refused("H320508000011", "hospital", ["长度应为 12 位"])


def test_a_code_with_letters_in_the_digits_is_refused():
    assert_refused("H3205080000A", "hospital", ["格式错误"])


def test_a_prefecture_unit_without_counties_counts_as_a_county():
    facility = register("H44190000001", by="440000")  # 东莞
    assert facility.region_id == "441900"


def test_a_duplicate_code_is_refused_and_the_first_facility_is_unchanged():
    register("H32050800001")
    with pytest.raises(ValidationFailed) as exc:
        register_facility(by=org("320000"), code="H32050800001", name="另一家", kind="hospital")
    assert "已登记" in exc.value.message
    assert Facility.objects.get(code="H32050800001").name == "测试医院"


def test_a_bureau_cannot_register_a_facility_outside_its_region():
    with pytest.raises(NotAllowed):
        register("H33010200001", by="320000")
    assert not Facility.objects.filter(code="H33010200001").exists()
