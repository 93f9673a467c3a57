"""The scope mechanism: a region subtree as insured or treatment side, a facility its own, national all."""
import pytest

from apps.regions.scope import covers_region, scoped
from apps.settlement.models import Settlement
from tests.facilities.factories import FacilityFactory
from tests.factories import org
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def settlements():
    gusu = FacilityFactory(county="320508")       # 苏州市姑苏区
    wuzhong = FacilityFactory(county="320506")    # 苏州市吴中区
    return {
        "sh_at_gusu": SettlementFactory(insured="310115", facility=gusu),       # 上海浦东 → 姑苏
        "sh_at_wuzhong": SettlementFactory(insured="310115", facility=wuzhong),  # 上海浦东 → 吴中
        "cd_at_gusu": SettlementFactory(insured="510104", facility=gusu),        # 成都锦江 → 姑苏
    }


def visible(code):
    return set(scoped(Settlement.objects.all(), org(code)).values_list("number", flat=True))


def test_county_sees_only_rows_treated_or_insured_in_it(settlements):
    s = settlements
    assert visible("320508") == {s["sh_at_gusu"].number, s["cd_at_gusu"].number}
    assert visible("320506") == {s["sh_at_wuzhong"].number}


def test_city_and_province_see_their_whole_subtree(settlements):
    every = {x.number for x in settlements.values()}
    assert visible("320500") == every
    assert visible("320000") == every


def test_insured_side_sees_its_peoples_rows_wherever_they_were_treated(settlements):
    s = settlements
    assert visible("310000") == {s["sh_at_gusu"].number, s["sh_at_wuzhong"].number}
    assert visible("310115") == {s["sh_at_gusu"].number, s["sh_at_wuzhong"].number}
    assert visible("510100") == {s["cd_at_gusu"].number}


def test_unrelated_region_sees_nothing_and_national_sees_all(settlements):
    assert visible("440000") == set()
    assert visible("000000") == {x.number for x in settlements.values()}


def test_facility_sees_only_its_own_rows(settlements):
    s = settlements
    assert visible(s["sh_at_gusu"].facility_id) == {s["sh_at_gusu"].number, s["cd_at_gusu"].number}


def test_scope_is_an_indexable_range_on_the_code(settlements):
    sql = str(scoped(Settlement.objects.all(), org("320500")).query)
    assert "320500" in sql and "320599" in sql and "LIKE" not in sql.upper()


def test_covers_region_answers_for_one_code():
    assert covers_region(org("320500"), "320508")
    assert not covers_region(org("320500"), "320205")
    assert covers_region(org("000000"), "650102")
    assert not covers_region(None, "320508")
