"""Coverage figures equal a hand count on a small fixture in 宁夏 (22 county-level units, province pooling)."""
import pytest

from apps.facilities.selectors import county_coverage, province_coverage, provinces_coverage
from tests.facilities.factories import ChronicDiseaseFactory, FacilityDiseaseFactory, FacilityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ningxia():
    """Hand-made: three covered counties (兴庆区, 大武口区, 利通区); four that do not count."""
    h = FacilityFactory(county="640104", kind="hospital")                        # 兴庆区: covered
    FacilityFactory(county="640105", kind="pharmacy")                            # 西夏区: only a pharmacy
    FacilityFactory(county="640106", status="suspended")                         # 金凤区: suspended
    FacilityFactory(county="640121", outpatient=False)                           # 永宁县: inpatient only
    FacilityFactory(county="640202")                                             # 大武口区: two hospitals,
    FacilityFactory(county="640202")                                             #   counted once
    FacilityFactory(county="640302")                                             # 利通区: covered
    suspended = FacilityFactory(county="640402", status="suspended")
    FacilityDiseaseFactory(facility=h, disease=ChronicDiseaseFactory(code="M03900"))
    FacilityDiseaseFactory(facility=h, disease=ChronicDiseaseFactory(code="M01600"), status="pending")
    FacilityDiseaseFactory(facility=h, disease=ChronicDiseaseFactory(code="M00500"))  # family covers M00503
    FacilityDiseaseFactory(facility=h, disease=ChronicDiseaseFactory(code="M07803"))  # 血透 is 尿毒症透析
    FacilityDiseaseFactory(facility=suspended, disease=ChronicDiseaseFactory(code="M08300"))
    return h


def test_province_figures_equal_the_hand_count(ningxia):
    cov = province_coverage("640000")
    assert (cov.province.counties, cov.province.covered, cov.province.share) == (22, 3, 13.6)
    assert not cov.province.meets_60 and not cov.province.meets_100


def test_city_figures_equal_the_hand_count(ningxia):
    cities = {c.code: (c.counties, c.covered) for c in province_coverage("640000").cities}
    assert cities == {"640100": (6, 1), "640200": (3, 1), "640300": (5, 1), "640400": (5, 0), "640500": (3, 0)}


def test_a_pharmacy_a_suspended_hospital_and_an_inpatient_only_hospital_leave_a_county_uncovered(ningxia):
    uncovered = {c["code"] for c in province_coverage("640000").uncovered}
    assert {"640105", "640106", "640121"} <= uncovered
    assert not {"640104", "640202", "640302"} & uncovered
    assert len(uncovered) == 19


def test_pooling_area_diseases_count_only_confirmed_services_at_active_facilities(ningxia):
    (area,) = province_coverage("640000").pooling_areas
    assert area.code == "640000"  # 宁夏 pools province-wide
    available = {d["code"]: d["available"] for d in area.diseases}
    assert available == {
        "M03900": True,   # confirmed
        "M01600": False,  # only pending
        "M00503": True,   # the family M00500 is confirmed
        "M07800": True,   # a confirmed sub-code (血透) makes 尿毒症透析 available
        "M08300": False,  # confirmed only at a suspended facility
    }


def test_a_disease_in_one_city_does_not_make_it_available_in_another_pooling_area():
    FacilityDiseaseFactory(facility=FacilityFactory(county="320508"), disease=ChronicDiseaseFactory(code="M03900"))
    areas = {a.code: a for a in province_coverage("320000").pooling_areas}
    assert len(areas) == 13
    assert {d["code"]: d["available"] for d in areas["320500"].diseases}["M03900"] is True
    assert {d["code"]: d["available"] for d in areas["320100"].diseases}["M03900"] is False


def test_a_prefecture_unit_without_counties_is_its_own_group_and_municipal_districts_group_under_the_province():
    FacilityFactory(county="441900")  # 东莞
    FacilityFactory(county="110105")  # 北京 朝阳区
    dongguan = {c.code: c for c in province_coverage("440000").cities}["441900"]
    assert (dongguan.counties, dongguan.covered, dongguan.share) == (1, 1, 100.0)
    beijing = province_coverage("110000").cities
    assert [(c.code, c.counties, c.covered) for c in beijing] == [("110000", 16, 1)]


def test_targets_are_met_at_60_and_100_percent():
    for county in ["640104", "640105", "640106", "640121", "640122", "640181"]:
        FacilityFactory(county=county)
    yinchuan = {c.code: c for c in province_coverage("640000").cities}["640100"]
    assert yinchuan.share == 100.0 and yinchuan.meets_60 and yinchuan.meets_100
    assert county_coverage("6401") == (6, 6)
    row = {r.code: r for r in provinces_coverage()}["640000"]
    assert (row.counties, row.covered, row.meets_60) == (22, 6, False)


def test_coverage_takes_the_same_number_of_queries_whatever_the_number_of_facilities(
        ningxia, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        province_coverage("640000")
    for county in ["640122", "640181", "640205", "640221", "640303"] * 4:
        FacilityFactory(county=county)
    with django_assert_max_num_queries(7):
        cov = province_coverage("640000")
    assert cov.province.covered == 8
