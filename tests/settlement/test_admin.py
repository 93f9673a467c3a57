"""The admin pages: a settlements list without full COUNTs, a settlement page with everything it was judged on,
policy editing in scope, clearing build and actions, prepayment warnings on the start page."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.settlement import services
from apps.settlement.models import Clearing, Policy, Prepayment
from apps.supervision.models import Flag, Rule
from tests.factories import id_number_for
from tests.registration.factories import RegistrationFactory
from tests.settlement.factories import PolicyFactory, SettlementFactory, SettlementItemFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/settlement/settlement/"


def test_the_settlements_list_never_counts_the_whole_table_and_needs_few_queries(admin_client_for):
    for _ in range(5):
        SettlementFactory()
    client = admin_client_for("320500")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST)
    assert response.status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts
    assert len(ctx.captured_queries) < 15
    assert "3101**********" in response.content.decode()  # masked ID numbers


def test_the_settlements_list_is_limited_to_the_scope(admin_client_for):
    mine = SettlementFactory()
    theirs = SettlementFactory(insured="440106", facility__county="330106")
    page = admin_client_for("320500").get(LIST).content.decode()
    assert mine.number in page and theirs.number not in page


def test_searching_by_exact_id_number_finds_the_persons_settlements(admin_client_for):
    s = SettlementFactory(id_number=id_number_for("310115", seq=101))
    other = SettlementFactory(id_number=id_number_for("310115", seq=201))
    page = admin_client_for("320500").get(LIST, {"q": s.id_number}).content.decode()
    assert s.number in page and other.number not in page


def test_the_settlement_page_shows_items_registration_expected_payment_and_flags(admin_client_for):
    registration = RegistrationFactory()
    s = SettlementFactory(id_number=registration.person.id_number, registration=registration,
                          expected_fund_paid=Decimal("55.50"))
    SettlementItemFactory(settlement=s, name="氨氯地平片")
    rule = Rule.objects.create(code="DUP", name="重复结算")
    Flag.objects.create(settlement=s, rule=rule, insured_region=s.insured_region,
                        treatment_region=s.treatment_region, facility=s.facility)
    page = admin_client_for("320500").get(f"{LIST}{s.pk}/change/").content.decode()
    for text in ("氨氯地平片", registration.reference, "应付 55.50", "实报 60.00", "差额 4.50", "重复结算"):
        assert text in page, text


def test_a_pooling_area_bureau_edits_its_policy_and_the_change_is_audited(admin_client_for):
    from apps.core.models import AuditEntry

    policy = PolicyFactory()
    client = admin_client_for("310000")
    data = {f.name: getattr(policy, f.attname) for f in Policy._meta.fields
            if f.editable and f.name not in ("id",)}
    data.update(pooling_area="310000", deductible="1500.00", effective_from="2024-01-01")
    response = client.post(f"/admin/settlement/policy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.deductible == Decimal("1500.00")
    assert AuditEntry.objects.filter(action="policy.change").exists()


def test_a_policy_with_too_large_a_temporary_reduction_is_refused(admin_client_for):
    policy = PolicyFactory()
    data = {f.name: getattr(policy, f.attname) for f in Policy._meta.fields if f.editable and f.name != "id"}
    data.update(pooling_area="310000", effective_from="2024-01-01", temporary_other_reduction="25")
    response = admin_client_for("310000").post(f"/admin/settlement/policy/{policy.pk}/change/", data)
    assert response.status_code == 200 and "不得超过20个百分点" in response.content.decode()


def test_another_provinces_bureau_cannot_open_the_policy(admin_client_for):
    policy = PolicyFactory()
    assert admin_client_for("320000").get(f"/admin/settlement/policy/{policy.pk}/change/").status_code == 302


def test_a_province_bureau_builds_a_months_clearing_from_the_admin(admin_client_for):
    SettlementFactory(settled_at=dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC))
    client = admin_client_for("320000")
    assert "生成清算草稿" in client.get("/admin/settlement/clearing/").content.decode()
    response = client.post("/admin/settlement/clearing/build/", {"period": "2026-03"})
    assert response.status_code == 302
    assert Clearing.objects.get().fund_paid == Decimal("60.00")


def test_the_declare_action_of_the_clearing_list_declares_through_the_service(admin_client_for):
    SettlementFactory(settled_at=dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC))
    services.build_clearing(period=dt.date(2026, 3, 1))
    clearing = Clearing.objects.get()
    client = admin_client_for("320000")
    client.post("/admin/settlement/clearing/", {"action": "declare_clearing_action", "_selected_action": [clearing.pk]})
    clearing.refresh_from_db()
    assert clearing.status == "declared"


def test_the_province_start_page_shows_clearing_work_and_prepayment_warnings(admin_client_for):
    from django.utils import timezone

    year = timezone.localdate().year
    Prepayment.objects.create(year=year, insured_province_id="310000", treatment_province_id="320000",
                              base_fund_paid=Decimal("120000.00"), base_months=2, amount=Decimal("20000.00"))
    Clearing.objects.create(period=dt.date(year, 1, 1), insured_province_id="310000",
                            treatment_province_id="320000", fund_paid=Decimal("19000.00"),
                            declare_due=dt.date(year, 2, 20))
    page = admin_client_for("310000").get("/admin/").content.decode()
    assert "月度清算待办" in page
    assert "95.0%" in page and "yidi-red" in page
    assert "95.0%" in admin_client_for("320000").get("/admin/").content.decode()
    assert "95.0%" not in admin_client_for("440000").get("/admin/").content.decode()


def test_staff_reverse_a_settlement_from_the_list_with_a_reason(admin_client_for):
    s = SettlementFactory()
    client = admin_client_for("320500")
    ask = client.post(LIST, {"action": "reverse_selected", "_selected_action": [s.pk]})
    assert "冲正原因" in ask.content.decode()
    client.post(LIST, {"action": "reverse_selected", "_selected_action": [s.pk], "reason": "患者退费"})
    s.refresh_from_db()
    assert s.reversed_at is not None and s.reversal_reason == "患者退费"


def test_the_insured_side_cannot_reverse_from_the_admin(admin_client_for):
    s = SettlementFactory()
    admin_client_for("310000").post(LIST, {"action": "reverse_selected", "_selected_action": [s.pk],
                                           "reason": "退费"})
    s.refresh_from_db()
    assert s.reversed_at is None


def test_national_staff_compute_a_years_prepayments_from_the_admin(admin_client_for):
    Clearing.objects.create(period=dt.date(2025, 5, 1), insured_province_id="310000", treatment_province_id="320000",
                            fund_paid=Decimal("60000.00"), declare_due=dt.date(2025, 6, 20), status="paid")
    client = admin_client_for("000000")
    assert "核定年度预付金" in client.get("/admin/settlement/prepayment/").content.decode()
    assert client.get("/admin/settlement/prepayment/compute/").status_code == 200
    assert client.post("/admin/settlement/prepayment/compute/", {"year": 2026}).status_code == 302
    assert Prepayment.objects.get(year=2026).amount == Decimal("10000.00")  # 60,000 / 12 × 2


def test_a_province_cannot_compute_prepayments(admin_client_for):
    client = admin_client_for("310000")
    assert "核定年度预付金" not in client.get("/admin/settlement/prepayment/").content.decode()
    client.post("/admin/settlement/prepayment/compute/", {"year": 2026})
    assert not Prepayment.objects.exists()
