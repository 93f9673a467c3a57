"""The flags admin: scope on the list, bulk request review, the evidence page, conclusions and start-page totals."""
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.supervision.models import Flag, FlagStatus
from apps.supervision.services import conclude, request_review, run_scan
from tests.factories import org
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/supervision/flag/"


@pytest.fixture
def flags():
    f.plant_anomalies()
    run_scan(all_settlements=True)
    return Flag.objects.all()


def test_another_region_sees_no_flag_in_the_admin_list(admin_client_for, flags):
    page = admin_client_for("440000").get(CHANGELIST)
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == []
    assert admin_client_for("440000").get(f"{CHANGELIST}{flags.first().pk}/change/").status_code in (302, 404)


def test_the_insured_province_sees_its_flags_filtered_by_rule_and_severity(admin_client_for, flags):
    client = admin_client_for("310000")
    shown = client.get(CHANGELIST, {"rule__code__exact": "DUPLICATE"}).context["cl"].result_list
    assert {fl.rule_id for fl in shown} == {"DUPLICATE"} and len(shown) == 2
    high = client.get(CHANGELIST, {"rule__severity": "high"}).context["cl"].result_list
    assert {fl.rule.severity for fl in high} == {"high"}
    nanjing = client.get(CHANGELIST, {"treatment": "320000"}).context["cl"].result_list
    assert len(nanjing) == flags.filter(treatment_region__code__startswith="32").count()


def test_bulk_request_review_opens_one_ticket_per_flag(admin_client_for, flags):
    chosen = list(flags.filter(rule_id="DUPLICATE").values_list("pk", flat=True))
    admin_client_for("310000").post(CHANGELIST, {"action": "request_review_action", "_selected_action": chosen})
    reviewed = Flag.objects.filter(pk__in=chosen)
    assert {fl.status for fl in reviewed} == {FlagStatus.REVIEWING}
    assert {fl.ticket.holder.code for fl in reviewed} == {"320508"}


def test_the_flag_page_shows_the_evidence_with_a_link_to_the_paired_settlement(admin_client_for, flags):
    flag = flags.filter(rule_id="INPATIENT_OVERLAP").first()
    page = admin_client_for("310000").get(f"{CHANGELIST}{flag.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert flag.detail["other"] in html and "重叠天数" in html and "发起费用协查" in html


def test_concluding_from_the_flag_page_records_the_recovery(admin_client_for, flags):
    flag = flags.filter(rule_id="LARGE_INPATIENT").first()
    client = admin_client_for("310000")
    client.post(reverse("admin:supervision_flag_request_review", args=[flag.pk]))
    client.post(reverse("admin:supervision_flag_conclude", args=[flag.pk]),
                {"outcome": "confirmed", "amount_recovered": "1234.56", "note": "重复收费"})
    flag.refresh_from_db()
    assert (flag.status, flag.amount_recovered) == (FlagStatus.CONFIRMED, Decimal("1234.56"))


def test_concluding_from_the_flag_page_says_the_review_ticket_was_closed(admin_client_for, flags):
    flag = flags.filter(rule_id="LARGE_INPATIENT").first()
    client = admin_client_for("310000")
    client.post(reverse("admin:supervision_flag_request_review", args=[flag.pk]))
    page = client.post(reverse("admin:supervision_flag_conclude", args=[flag.pk]),
                       {"outcome": "dismissed", "note": "收费无误"}, follow=True)
    flag.refresh_from_db()
    assert f"协查工单 {flag.ticket.number} 现为“已关闭”" in [str(m) for m in page.context["messages"]][-1]


def test_the_start_page_totals_confirmed_recoveries_in_scope(admin_client_for, flags):
    shanghai = org("310000")
    for rule, amount in [("LARGE_INPATIENT", "1950.25"), ("READMISSION", "50.25")]:
        flag = flags.get(rule_id=rule)
        request_review(flag_id=flag.pk, actor=None, organisation=shanghai)
        conclude(flag_id=flag.pk, actor=None, organisation=shanghai, outcome="confirmed",
                 amount_recovered=Decimal(amount))
    items = {i["label"]: i["value"] for p in admin_client_for("310000").get("/admin/").context["panels"]
             if p["title"] == "监管：可疑结算" for i in p["items"]}
    assert items["已确认追回金额（元）"] == "2,000.50" and items["已确认违规"] == 2
    other = {i["label"]: i["value"] for p in admin_client_for("440000").get("/admin/").context["panels"]
             if p["title"] == "监管：可疑结算" for i in p["items"]}
    assert other["已确认追回金额（元）"] == "0.00"


def test_rules_are_editable_data_for_national_staff_only(admin_client_for):
    assert admin_client_for("310000").post("/admin/supervision/rule/DUPLICATE/change/", {}).status_code == 403
    client = admin_client_for("000000")
    response = client.post("/admin/supervision/rule/FREQUENT_OUTPATIENT/change/", {
        "name": "门诊就诊过频", "description": "", "params": '{"window_days": 30, "max_visits": 5}',
        "severity": "high", "enabled": "on"})
    assert response.status_code == 302
    from apps.supervision.models import Rule
    assert Rule.objects.get(code="FREQUENT_OUTPATIENT").params["max_visits"] == 5


def test_the_settlement_page_helper_says_why_a_settlement_was_flagged(flags):
    from apps.supervision.admin import settlement_flags_html
    from apps.supervision.selectors import flags_for_settlement

    flag = flags.filter(rule_id="READMISSION").first()
    html = str(settlement_flags_html(flag.settlement, org("320508")))  # the treatment side opens both stays
    assert "分解住院" in html and flag.detail["previous"] in html and f"/admin/supervision/flag/{flag.pk}/" in html
    assert list(flags_for_settlement(flag.settlement, org("440000"))) == []
    # without a viewer, no paired settlement is named
    assert flag.detail["previous"] not in str(settlement_flags_html(flag.settlement))


def test_a_threshold_that_is_not_a_number_is_refused(admin_client_for):
    from apps.supervision.models import Rule

    response = admin_client_for("000000").post("/admin/supervision/rule/FREQUENT_OUTPATIENT/change/", {
        "name": "门诊就诊过频", "description": "", "params": '{"max_visits": "很多"}', "severity": "high",
        "enabled": "on"})
    assert response.status_code == 200 and "参数无法使用" in response.content.decode()
    assert Rule.objects.get(code="FREQUENT_OUTPATIENT").params["max_visits"] == 8


def test_the_flag_list_heads_the_region_and_facility_code_columns_in_chinese(admin_client_for, flags):
    from django.contrib.admin.templatetags.admin_list import result_headers

    page = admin_client_for("310000").get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    headers = {h["class_attrib"].split("column-")[1].split()[0].strip('"'): str(h["text"])
               for h in result_headers(page.context["cl"]) if "column-" in h["class_attrib"]}
    assert (headers["insured_region_code"], headers["treatment_region_code"], headers["facility_code"]) == (
        "参保地", "就医地", "定点医药机构")
    assert not any("REGION ID" in h.upper() or "FACILITY ID" in h.upper() for h in headers.values())
    html = page.content.decode()
    assert 'column-insured_region_code">' in html and "INSURED REGION ID" not in html.upper()
    shown = page.context["cl"].result_list[0]
    assert f'<td class="field-insured_region_code">{shown.insured_region_id}</td>' in html


def test_the_flag_list_costs_the_same_queries_however_many_flags_it_shows(admin_client_for, flags):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = admin_client_for("000000")
    with CaptureQueriesContext(connection) as few:
        before = len(client.get(CHANGELIST).context["cl"].result_list)
    f.FlagFactory.create_batch(20, settlement__insured="440106")
    with CaptureQueriesContext(connection) as many:
        after = len(client.get(CHANGELIST).context["cl"].result_list)
    assert after == before + 20
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_flag_list_sorts_by_the_insured_region_code(admin_client_for, flags):
    f.FlagFactory(settlement__insured="440106")
    page = admin_client_for("000000").get(CHANGELIST, {"o": "-7"})
    assert page.context["cl"].get_ordering_field_columns() == {7: "desc"}
    codes = [fl.insured_region_id for fl in page.context["cl"].result_list]
    assert codes == sorted(codes, reverse=True) and codes[0] == "440106"
