"""The settlements list filters by insured province and by treatment province, as a range on the region code,
and still never counts the whole table."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/settlement/settlement/"


@pytest.fixture
def three(db):
    """上海 → 姑苏区, 广州 → 姑苏区, 上海 → 杭州上城区."""
    return (SettlementFactory(insured="310115"),
            SettlementFactory(insured="440106"),
            SettlementFactory(insured="310115", facility__county="330102"))


def test_filtering_by_insured_province_lists_only_people_insured_there(admin_client_for, three):
    shanghai_suzhou, guangzhou_suzhou, shanghai_hangzhou = three
    page = admin_client_for("000000").get(LIST, {"insured_province": "310000"}).content.decode()
    assert shanghai_suzhou.number in page and shanghai_hangzhou.number in page
    assert guangzhou_suzhou.number not in page


def test_filtering_by_treatment_province_lists_only_settlements_made_there(admin_client_for, three):
    shanghai_suzhou, guangzhou_suzhou, shanghai_hangzhou = three
    page = admin_client_for("000000").get(LIST, {"treatment_province": "330000"}).content.decode()
    assert shanghai_hangzhou.number in page
    assert shanghai_suzhou.number not in page and guangzhou_suzhou.number not in page


def test_both_province_filters_combine_within_the_viewers_scope(admin_client_for, three):
    shanghai_suzhou, guangzhou_suzhou, shanghai_hangzhou = three
    page = admin_client_for("320000").get(
        LIST, {"insured_province": "310000", "treatment_province": "320000"}).content.decode()
    assert shanghai_suzhou.number in page
    assert guangzhou_suzhou.number not in page and shanghai_hangzhou.number not in page
    # 江苏 does not see 上海 → 浙江 even when it asks for 浙江
    page = admin_client_for("320000").get(LIST, {"treatment_province": "330000"}).content.decode()
    assert shanghai_hangzhou.number not in page


def test_the_province_filters_test_a_range_of_region_codes_and_count_with_a_limit(admin_client_for, three):
    client = admin_client_for("000000")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, {"insured_province": "310000", "treatment_province": "320000"})
    assert response.status_code == 200
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "settlement_settlement"' in q["sql"]]
    assert listing and all('"insured_region_id" >= \'310000\'' in sql and '"insured_region_id" <= \'319999\'' in sql
                           and '"treatment_region_id" >= \'320000\'' in sql for sql in listing), listing
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts
    assert len(ctx.captured_queries) < 15


def test_the_filter_offers_the_provinces_and_asks_for_no_facet_counts(admin_client_for, three):
    client = admin_client_for("000000")
    page = client.get(LIST).content.decode()
    assert "参保省" in page and "就医省" in page and "?insured_province=310000" in page
    with CaptureQueriesContext(connection) as ctx:
        client.get(LIST, {"_facets": "1"})
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_a_malformed_province_lists_nothing(admin_client_for, three):
    page = admin_client_for("000000").get(LIST, {"insured_province": "31"}).content.decode()
    assert all(s.number not in page for s in three)
