"""Evidence never leaks another region's claim (issue #10.2).

A pair rule's evidence names the paired settlement (number, facility, region). A reader who may open that
settlement sees it whole; a reader who may not (it would answer them 404) sees only what kind of record it is and
its dates — in the flags API (detail and list), the flag's admin page, the settlement page's flag block and the
cost-review ticket, whose stored text is read by every organisation the ticket reaches and so never names it.
Each case is read by two organisations: one that may open both settlements and one that may open only the flagged
one."""
import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.coordination.models import Ticket
from apps.settlement.models import Settlement
from apps.supervision.models import Flag
from apps.supervision.selectors import visible_evidence
from apps.supervision.services import run_scan
from tests.facilities.factories import (
    ChronicDiseaseFactory,
    FacilityDiseaseFactory,
    FacilityFactory,
)
from tests.factories import UserFactory, org
from tests.supervision import factories as f
from tests.supervision.factories import FlagFactory

pytestmark = pytest.mark.django_db
D = dt.date


@dataclass
class Case:
    rule: str
    flag: Flag
    hidden: Settlement       # the paired settlement the redacted reader may not open
    full: str                # an organisation that may open both
    redacted: str            # an organisation that may open only the flagged settlement
    key: str                 # the evidence key naming the paired settlement
    shown: str               # what the redacted reader is told of it: kind and dates

    @property
    def secrets(self) -> list[str]:
        """What the redacted reader must not find anywhere: the number, facility code and name (when the paired
        settlement is at another facility than the flagged one, which the reader sees anyway)."""
        out = [self.hidden.number]
        if self.hidden.facility_id != self.flag.facility_id:
            out += [self.hidden.facility_id, self.hidden.facility.name]
        return out


def _scan(rule, flagged):
    run_scan(rule_codes=[rule], all_settlements=True)
    return Flag.objects.get(rule_id=rule, settlement=flagged)


def overlapping_stays():
    """上海浦东 insured; in hospital at 苏州姑苏 (flagged) and, overlapping, at 南京玄武: 姑苏 sees only its own stay."""
    p, reg = f.registered()
    mine = f.visit(p, reg, f.hospital("320508"), day=D(2026, 3, 1), end=D(2026, 3, 10), visit_type="inpatient")
    theirs = f.visit(p, reg, f.hospital("320102"), day=D(2026, 3, 5), end=D(2026, 3, 12), visit_type="inpatient")
    return Case("INPATIENT_OVERLAP", _scan("INPATIENT_OVERLAP", mine), theirs, "310000", "320508", "other",
                "另一条住院结算记录，2026-03-05 至 2026-03-12")


def same_day_cities():
    p, reg = f.registered()
    mine = f.visit(p, reg, f.hospital("320508"), day=D(2026, 4, 2))
    theirs = f.visit(p, reg, f.hospital("320102"), day=D(2026, 4, 2))
    return Case("SAME_DAY_CITIES", _scan("SAME_DAY_CITIES", mine), theirs, "310000", "320508", "other",
                "另一条普通门诊结算记录，2026-04-02")


def duplicate():
    """The same visit settled twice at a 姑苏 hospital, the second time under a 杭州 insured region: the 上海 insured
    side sees only the first; 姑苏 (treatment side) sees both."""
    p, reg = f.registered()
    hospital = f.hospital("320508")
    mine = f.visit(p, reg, hospital, day=D(2026, 3, 20))
    theirs = f.visit(p, None, hospital, day=D(2026, 3, 20), insured="330102")
    return Case("DUPLICATE", _scan("DUPLICATE", mine), theirs, "320508", "310000", "other",
                "另一条普通门诊结算记录，2026-03-20")


def readmission():
    """Discharged from a 姑苏 hospital (then insured in 杭州) and admitted again there 14 days later (insured in 上海):
    the 上海 insured side sees only the readmission."""
    p, reg = f.registered()
    hospital = f.hospital("320508")
    theirs = f.visit(p, None, hospital, day=D(2026, 6, 1), end=D(2026, 6, 10), visit_type="inpatient",
                     insured="330102")
    mine = f.visit(p, reg, hospital, day=D(2026, 6, 24), end=D(2026, 6, 30), visit_type="inpatient")
    return Case("READMISSION", _scan("READMISSION", mine), theirs, "320508", "310000", "previous",
                "另一条住院结算记录，2026-06-01 至 2026-06-10")


PAIRS = [overlapping_stays, same_day_cities, duplicate, readmission]


@pytest.fixture(params=PAIRS, ids=lambda make: make.__name__)
def case(request):
    return request.param()


def flag_json(api, flag):
    response = api.get(f"/api/v1/flags/{flag.pk}/")
    assert response.status_code == 200
    return response


# --- the flags API ------------------------------------------------------------------------------------------

def test_a_reader_who_may_open_both_settlements_gets_the_whole_evidence(api_for, case):
    detail = flag_json(api_for(case.full), case.flag).json()["detail"]
    assert detail[case.key] == case.hidden.number
    assert {k: v for k, v in detail.items() if k != f"{case.key}_visit_type"} == case.flag.detail
    assert detail[f"{case.key}_visit_type"] == case.hidden.visit_type and "withheld" not in detail


def test_a_reader_who_may_open_only_the_flagged_settlement_gets_kind_and_dates_but_no_number(api_for, case):
    response = flag_json(api_for(case.redacted), case.flag)
    assert api_for(case.redacted).get(f"/api/v1/settlements/{case.hidden.number}/").status_code == 404
    for secret in case.secrets:
        assert secret not in response.content.decode()
    detail = response.json()["detail"]
    assert detail[case.key] is None and case.key in detail["withheld"]
    assert detail[f"{case.key}_visit_type"] == case.hidden.visit_type
    for key in ("other_start", "other_end", "previous_discharge", "overlap_days", "gap_days", "day"):
        if key in case.flag.detail:
            assert detail[key] == case.flag.detail[key]  # the dates and day counts stay
    assert set(detail) - {"withheld", f"{case.key}_visit_type"} == set(case.flag.detail)


def test_the_flag_list_redacts_each_flag_for_the_caller(api_for, case):
    listed = api_for(case.redacted).get("/api/v1/flags/", {"rule": case.rule})
    assert listed.status_code == 200
    assert case.flag.pk in [row["id"] for row in listed.json()["results"]]
    for secret in case.secrets:
        assert secret not in listed.content.decode()
    full = api_for(case.full).get("/api/v1/flags/", {"rule": case.rule}).content.decode()
    assert case.hidden.number in full


def test_a_facility_sees_only_its_own_side_of_the_pair(api_for):
    case = overlapping_stays()
    response = flag_json(api_for(case.flag.facility_id), case.flag)
    for secret in case.secrets:
        assert secret not in response.content.decode()
    assert response.json()["detail"]["other_facility"] is None


def test_the_response_to_an_action_is_redacted_for_the_caller_too(api_for):
    case = duplicate()  # the 上海 insured side may act but not open the second settlement
    response = api_for("310000").post(f"/api/v1/flags/{case.flag.pk}/request-review/", {}, format="json")
    assert response.status_code == 200, response.data
    assert case.hidden.number not in response.content.decode()
    assert response.json()["detail"]["other"] is None


def test_the_flag_list_reads_all_paired_settlements_of_a_page_in_one_query(api_for):
    api = api_for("310000")
    overlapping_stays()
    api.get("/api/v1/flags/")  # warm: the caller's organisation and region
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/flags/").json()["results"]) == 2
    for _ in range(4):
        overlapping_stays()
    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/api/v1/flags/").json()["results"]) == 10
    assert len(five.captured_queries) == len(one.captured_queries)
    assert sum("settlement_settlement" in q["sql"] and "EXISTS" in q["sql"] for q in five.captured_queries) == 1


# --- the admin: the flag's page and the settlement page's flag block --------------------------------------

def test_the_flag_page_shows_the_whole_evidence_with_a_link_to_a_reader_who_may_open_it(admin_client_for, case):
    page = admin_client_for(case.full).get(f"/admin/supervision/flag/{case.flag.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.hidden.number in html and f"/admin/settlement/settlement/{case.hidden.pk}/change/" in html


def test_the_flag_page_names_only_kind_and_dates_to_a_reader_who_may_not(admin_client_for, case):
    page = admin_client_for(case.redacted).get(f"/admin/supervision/flag/{case.flag.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for secret in case.secrets:
        assert secret not in html
    assert f"/admin/settlement/settlement/{case.hidden.pk}/" not in html
    assert case.shown in html and "不在本机构查看范围内" in html


def test_the_settlement_page_flag_block_is_redacted_for_the_reader(admin_client_for, case):
    url = f"/admin/settlement/settlement/{case.flag.settlement_id}/change/"
    redacted = admin_client_for(case.redacted).get(url)
    assert redacted.status_code == 200
    html = redacted.content.decode()
    assert f"/admin/supervision/flag/{case.flag.pk}/change/" in html and case.shown in html
    for secret in case.secrets:
        assert secret not in html
    full = admin_client_for(case.full).get(url).content.decode()
    assert case.hidden.number in full


def test_a_superuser_of_no_organisation_sees_the_whole_evidence(client):
    case = overlapping_stays()
    client.force_login(UserFactory(organisation=None, is_staff=True, is_superuser=True))
    html = client.get(f"/admin/supervision/flag/{case.flag.pk}/change/").content.decode()
    assert case.hidden.number in html and case.hidden.facility_id in html


# --- the cost-review ticket ----------------------------------------------------------------------------------

def test_the_stored_ticket_text_names_no_paired_settlement_whoever_reads_it(api_for, admin_client_for, case):
    raiser = "310000" if case.full != "310000" else "310115"   # an insured-side bureau of the flagged settlement
    review = api_for(raiser).post(f"/api/v1/flags/{case.flag.pk}/request-review/", {"note": "请核查"},
                                  format="json")
    assert review.status_code == 200, review.data
    ticket = Ticket.objects.get(number=review.json()["ticket"])
    stored = ticket.description + "".join(e.note for e in ticket.events.all())
    assert case.hidden.number not in stored and case.hidden.facility.name not in stored
    if case.hidden.facility_id != case.flag.facility_id:
        assert case.hidden.facility_id not in stored
    assert case.shown in ticket.description and f"完整证据见可疑结算 #{case.flag.pk}" in ticket.description
    assert case.flag.settlement.number in ticket.description and "说明：请核查" in ticket.description
    for reader in (raiser, ticket.holder.code):                 # both sides, through the API and the admin
        shown = api_for(reader).get(f"/api/v1/tickets/{ticket.number}/")
        assert shown.status_code == 200
        assert case.hidden.number not in shown.content.decode()
        page = admin_client_for(reader).get(f"/admin/coordination/ticket/{ticket.pk}/change/")
        assert page.status_code == 200 and case.hidden.number not in page.content.decode()
    # whoever may open the paired settlement still finds it on the flag itself
    assert flag_json(api_for(case.full), case.flag).json()["detail"][case.key] == case.hidden.number


# --- rules that count other settlements name none of them -------------------------------------------------

def frequent_visits():
    """Eight visits in 南京 then a ninth in 苏州姑苏 within 30 days: 姑苏 sees only the ninth."""
    p, reg = f.registered()
    elsewhere = f.hospital("320102")
    earlier = [f.visit(p, reg, elsewhere, day=d) for d in f.days(D(2026, 5, 1), *range(8))]
    ninth = f.visit(p, reg, f.hospital("320508"), day=D(2026, 5, 9))
    return _scan("FREQUENT_OUTPATIENT", ninth), earlier


def drug_oversupply():
    """Four chronic-disease refills in 南京 and a fifth in 苏州姑苏 (150 days of one drug within 90)."""
    p, reg = f.registered()
    disease = ChronicDiseaseFactory(code="M03900", name="高血压")
    elsewhere, here = FacilityFactory(county="320102"), FacilityFactory(county="320508")
    for facility in (elsewhere, here):
        FacilityDiseaseFactory(facility=facility, disease=disease)
    visits = [f.visit(p, reg, elsewhere, day=d, visit_type="chronic", disease_code="M03900")
              for d in f.days(D(2026, 2, 1), 0, 20, 40, 60)]
    last = f.visit(p, reg, here, day=D(2026, 4, 22), visit_type="chronic", disease_code="M03900")
    for v in [*visits, last]:
        f.drug(v, "XC01", 30)
    return _scan("DRUG_OVERSUPPLY", last), visits


@pytest.mark.parametrize("make", [frequent_visits, drug_oversupply], ids=lambda m: m.__name__)
def test_counting_rules_tell_counts_and_dates_but_no_other_settlement(api_for, admin_client_for, make):
    flag, others = make()
    assert flag.detail  # counts and the window's dates
    response = flag_json(api_for("320508"), flag)
    assert response.json()["detail"] == flag.detail == flag_json(api_for("310000"), flag).json()["detail"]
    page = admin_client_for("320508").get(f"/admin/supervision/flag/{flag.pk}/change/").content.decode()
    for text in (response.content.decode(), page):
        for other in others:
            assert other.number not in text and other.facility_id not in text


# --- the one function ------------------------------------------------------------------------------------------

def test_whatever_else_describes_the_paired_settlement_is_withheld_and_a_missing_one_is_never_named():
    """A key a rule may add later under the paired settlement's prefix (its amount) is withheld too; a number that
    names no settlement is treated as one the reader may not open."""
    s = f.visit(f.person(), None, f.hospital("320508"))
    flag = FlagFactory(settlement=s, detail={"other": "JS-GONE-0001", "other_amount": "999.00",
                                             "other_start": "2026-01-02", "overlap_days": 2})
    evidence = visible_evidence(flag, org("000000"))
    assert evidence.detail == {"other": None, "other_amount": None, "other_start": "2026-01-02",
                               "overlap_days": 2, "withheld": ["other", "other_amount"]}
    assert "JS-GONE-0001" not in evidence.text() and "999.00" not in evidence.text()
    assert evidence.links == {}


def test_stored_text_names_no_paired_settlement_even_one_everyone_involved_may_open():
    case = duplicate()
    assert visible_evidence(case.flag, org("320508")).detail["other"] == case.hidden.number
    text = visible_evidence(case.flag, None).text()
    assert case.hidden.number not in text and "另一条普通门诊结算记录，2026-03-20" in text


# --- tickets raised before the fix -------------------------------------------------------------------------

def _as_written_before(flag) -> str:
    """The evidence line exactly as request_review wrote it before the fix: every key, raw."""
    from apps.supervision.selectors import EVIDENCE_LABELS, EVIDENCE_VALUES

    return "；".join(f"{EVIDENCE_LABELS.get(k, k)}：{EVIDENCE_VALUES.get(v, v) if isinstance(v, str) else v}"
                    for k, v in flag.detail.items() if v not in (None, ""))


def test_the_migration_rewrites_the_evidence_of_tickets_raised_before_the_fix(api_for):
    import importlib

    from django.apps import apps

    from apps.coordination.models import TicketEvent
    from apps.supervision.services import review_description

    case, plain = overlapping_stays(), f.plant_large_inpatient()[0]
    large = _scan("LARGE_INPATIENT", plain)
    tickets = {}
    for flag in (case.flag, large):
        number = api_for("310115").post(f"/api/v1/flags/{flag.pk}/request-review/", {}, format="json").json()["ticket"]
        tickets[flag.pk] = Ticket.objects.get(number=number)
    old = (f"参保地请就医地对结算 {case.flag.settlement.number} 开展费用协查。\n"
           f"规则：{case.flag.rule.name}（{case.flag.rule_id}）；证据：{_as_written_before(case.flag)}\n"
           f"说明：另见 {case.hidden.number}")
    assert case.hidden.number in old and case.hidden.facility_id in old and "320102" in old
    leaking = tickets[case.flag.pk]
    Ticket.objects.filter(pk=leaking.pk).update(description=old)
    TicketEvent.objects.filter(ticket=leaking, kind="raised").update(note=old)
    untouched = Ticket.objects.get(pk=tickets[large.pk].pk).description

    migration = importlib.import_module("apps.supervision.migrations.0004_redact_paired_settlements_in_review_tickets")
    migration.redact(apps, None)
    migration.redact(apps, None)  # a second run changes nothing more

    leaking.refresh_from_db()
    expected = review_description(case.flag, note=f"另见 {migration.HIDDEN}")
    assert leaking.description == expected
    assert TicketEvent.objects.get(ticket=leaking, kind="raised").note == expected
    for secret in (case.hidden.number, case.hidden.facility_id, "320102"):
        assert secret not in leaking.description
    assert Ticket.objects.get(pk=tickets[large.pk].pk).description == untouched
    case.flag.refresh_from_db()
    assert case.flag.detail["other"] == case.hidden.number  # the evidence itself is kept whole


def test_the_schema_still_declares_detail_as_an_object(api_for):
    schema = api_for("000000").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    flag = schema["components"]["schemas"]["Flag"]
    assert flag["properties"]["detail"]["type"] == "object" and "detail" in flag["required"]
    case = overlapping_stays()
    assert isinstance(flag_json(api_for(case.redacted), case.flag).json()["detail"], dict)


def test_a_visible_settlement_with_the_same_number_at_another_facility_does_not_unmask_the_hidden_one():
    """Numbers are unique per facility only: 姑苏 may open a 姑苏 settlement numbered like the 南京 stay that the
    flag pairs with, but the evidence still names the 南京 one, so it stays redacted for 姑苏."""
    p, reg = f.registered()
    mine = f.visit(p, reg, f.hospital("320508"), day=D(2026, 3, 1), end=D(2026, 3, 10), visit_type="inpatient")
    theirs = f.visit(p, reg, f.hospital("320102"), day=D(2026, 3, 5), end=D(2026, 3, 12), visit_type="inpatient")
    flag = _scan("INPATIENT_OVERLAP", mine)
    f.visit(f.person("310115", D(1970, 1, 1), True), None, f.hospital("320508"), day=D(2026, 5, 1),
            number=theirs.number)  # same number, another facility, inside 姑苏's scope

    evidence = visible_evidence(flag, org("320508"))

    assert "other" not in evidence.links
    assert evidence.detail["other"] is None and evidence.detail["other_facility"] is None
    assert theirs.number not in evidence.text() and theirs.facility_id not in evidence.text()
    assert visible_evidence(flag, org("320000")).links["other"] == theirs.pk
