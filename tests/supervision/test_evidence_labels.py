"""Evidence reads in Chinese wherever people see it: the flag page, the settlement page, the cost-review ticket."""
import pytest

from apps.supervision.models import Flag
from apps.supervision.services import run_scan
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate_flag():
    first, second = f.plant_duplicate()
    run_scan(all_settlements=True)
    return Flag.objects.get(rule_id="DUPLICATE", settlement=first), second


def test_flag_page_labels_the_evidence_and_links_the_paired_settlement(admin_client_for, duplicate_flag):
    flag, other = duplicate_flag
    page = admin_client_for("310000").get(f"/admin/supervision/flag/{flag.pk}/change/").content.decode()
    assert "关联结算" in page and "医疗总费用" in page
    assert f"/admin/settlement/settlement/{other.pk}/change/" in page
    assert "total_amount" not in page


def test_settlement_page_says_why_it_was_flagged_in_chinese(admin_client_for, duplicate_flag):
    flag, _ = duplicate_flag
    page = admin_client_for("310000").get(f"/admin/settlement/settlement/{flag.settlement_id}/change/")
    text = page.content.decode()
    assert "关联结算：" in text and "other:" not in text


def test_cost_review_ticket_describes_the_evidence_in_words(api_for, duplicate_flag):
    flag, other = duplicate_flag
    response = api_for("310000").post(f"/api/v1/flags/{flag.pk}/request-review/", {"note": "请核查"}, format="json")
    assert response.status_code == 200, response.data
    flag.refresh_from_db()
    # stored text is read by whoever the ticket reaches, so the paired settlement is named by kind and date only
    assert "关联结算：另一条普通门诊结算记录，2026-03-20" in flag.ticket.description
    assert other.number not in flag.ticket.description
    assert "{" not in flag.ticket.description
