"""The settlement page says why the settlement was flagged — rule, severity, status, evidence — and links to each
flag's page, showing only the flags the viewer's organisation may see."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.regions.models import Region
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import SettlementFactory
from tests.supervision.factories import FlagFactory

pytestmark = pytest.mark.django_db


def page_of(client, settlement):
    response = client.get(f"/admin/settlement/settlement/{settlement.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_settlement_page_shows_why_it_was_flagged_with_a_link_to_the_flag(admin_client_for):
    s = SettlementFactory()
    flag = FlagFactory(settlement=s, status="reviewing",
                       detail={"total_amount": "30000.00", "threshold": "20000.00"})
    page = page_of(admin_client_for("320500"), s)
    assert f'href="/admin/supervision/flag/{flag.pk}/change/"' in page
    assert flag.rule.name in page
    assert flag.rule.get_severity_display() in page
    assert "协查中" in page
    assert "医疗总费用：30000.00" in page and "金额阈值：20000.00" in page


def test_a_settlement_nobody_flagged_says_so(admin_client_for):
    s = SettlementFactory()
    assert "未被监管规则标记" in page_of(admin_client_for("320500"), s)


def test_the_page_shows_only_the_flags_within_the_viewers_scope(admin_client_for):
    s = SettlementFactory()
    visible = FlagFactory(settlement=s)
    # a flag recorded under another province's regions and facility: 江苏's 苏州 bureau may not open it
    elsewhere = FacilityFactory(county="440106")
    hidden = FlagFactory(settlement=s, evidence_key="other-side", insured_region=Region.objects.get(code="330102"),
                         treatment_region=elsewhere.region, facility=elsewhere)
    page = page_of(admin_client_for("320500"), s)
    assert f"/admin/supervision/flag/{visible.pk}/change/" in page
    assert f"/admin/supervision/flag/{hidden.pk}/change/" not in page
    national = page_of(admin_client_for("000000"), s)
    assert f"/admin/supervision/flag/{hidden.pk}/change/" in national


def test_the_settlement_page_reads_its_flags_in_one_query_however_many_there_are(admin_client_for):
    client = admin_client_for("320500")
    one = SettlementFactory()
    FlagFactory(settlement=one)
    many = SettlementFactory()
    for n in range(5):
        FlagFactory(settlement=many, evidence_key=f"e{n}")
    page_of(client, one)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        page_of(client, one)
    with CaptureQueriesContext(connection) as more:
        page = page_of(client, many)
    assert len(more.captured_queries) == len(few.captured_queries)
    assert page.count("/admin/supervision/flag/") >= 5
