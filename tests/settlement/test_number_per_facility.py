"""Settlement numbers are unique per reporting facility, not nationally.

Facility B reusing facility A's number simply creates B's own settlement: no 409, nothing that tells B the number
exists elsewhere, no way to squat A's numbers. A facility always addresses its own settlement by number; a bureau
that sees the same number at two facilities names the facility (``?facility=CODE``)."""
import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.coordination.models import Ticket
from apps.coordination.services import raise_ticket
from apps.core.errors import NotFound, ValidationFailed
from apps.core.models import AuditEntry
from apps.regions.models import Organisation
from apps.settlement import services
from apps.settlement.models import Settlement
from apps.settlement.selectors import settlement_by_number, settlements_by_keys
from tests.facilities.factories import FacilityFactory
from tests.settlement.factories import SettlementFactory, settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"
NUMBER = "ZY-2026-000123"


@pytest.fixture
def a(db):
    return FacilityFactory(county="320508")


@pytest.fixture
def b(db):
    return FacilityFactory(county="320508")


@pytest.fixture
def both(api_for, a, b):
    """A and B (both in 苏州姑苏区) each reported a settlement numbered NUMBER, with different content."""
    assert api_for(a.code).post(URL, settlement_payload(number=NUMBER, facility=a.code),
                                format="json").status_code == 201
    assert api_for(b.code).post(URL, settlement_payload(number=NUMBER, facility=b.code, total_amount="200.00",
                                                        cash_paid="130.00"), format="json").status_code == 201
    return Settlement.objects.get(facility=a), Settlement.objects.get(facility=b)


def snapshot():
    return sorted(Settlement.objects.values_list("facility_id", "number", "total_amount", "reversed_at"))


# --- reporting ---------------------------------------------------------------------------------------------------

def test_another_facility_reporting_the_same_number_gets_its_own_settlement_not_a_409(api_for, a, b):
    first = api_for(a.code).post(URL, settlement_payload(number=NUMBER, facility=a.code), format="json")
    assert first.status_code == 201
    body_b = settlement_payload(number=NUMBER, facility=b.code, total_amount="200.00", cash_paid="130.00")
    response = api_for(b.code).post(URL, body_b, format="json")
    assert response.status_code == 201
    assert response.data["facility"] == b.code and response.data["total_amount"] == "200.00"
    assert snapshot() == sorted([(a.code, NUMBER, 100, None), (b.code, NUMBER, 200, None)])


def test_a_bulk_of_another_facility_reusing_a_number_creates_its_own(api_for, a, b):
    api_for(a.code).post(URL, settlement_payload(number=NUMBER, facility=a.code), format="json")
    response = api_for(b.code).post(f"{URL}bulk/", {"settlements": [
        settlement_payload(number=NUMBER, facility=b.code)]}, format="json")
    assert response.data["results"] == [{"number": NUMBER, "outcome": "created"}]
    assert Settlement.objects.filter(number=NUMBER).count() == 2


def test_retries_stay_idempotent_per_facility(api_for, both):
    _, settlement_b = both
    client_b = api_for(settlement_b.facility_id)
    same = settlement_payload(number=NUMBER, facility=settlement_b.facility_id, total_amount="200.00",
                              cash_paid="130.00")
    same["id_number"], same["name"] = settlement_b.id_number, settlement_b.name
    retry = client_b.post(URL, same, format="json")
    assert retry.status_code == 200 and retry.data["facility"] == settlement_b.facility_id
    before = snapshot()
    changed = client_b.post(URL, {**same, "total_amount": "300.00", "cash_paid": "230.00"}, format="json")
    assert changed.status_code == 409
    assert snapshot() == before


def test_the_database_refuses_a_second_row_of_one_facility_and_number(a):
    SettlementFactory(facility=a, number=NUMBER)
    SettlementFactory(number=NUMBER)  # another facility: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementFactory(facility=a, number=NUMBER)


# --- addressing by number ---------------------------------------------------------------------------------------

def test_a_facility_account_addresses_its_own_settlement_by_number(api_for, both):
    settlement_a, settlement_b = both
    assert api_for(settlement_a.facility_id).get(f"{URL}{NUMBER}/").data["total_amount"] == "100.00"
    assert api_for(settlement_b.facility_id).get(f"{URL}{NUMBER}/").data["total_amount"] == "200.00"
    response = api_for(settlement_b.facility_id).post(f"{URL}{NUMBER}/reverse/", {"reason": "退费"}, format="json")
    assert response.status_code == 200 and response.data["facility"] == settlement_b.facility_id
    settlement_a.refresh_from_db()
    settlement_b.refresh_from_db()
    assert settlement_a.reversed_at is None and settlement_b.reversed_at is not None


def test_a_facility_without_that_number_gets_the_plain_404(api_for, both):
    other = FacilityFactory(county="320508")
    client = api_for(other.code)
    before = snapshot()
    for response in (client.get(f"{URL}{NUMBER}/"),
                     client.get(f"{URL}{NUMBER}/", {"facility": both[0].facility_id}),
                     client.post(f"{URL}{NUMBER}/reverse/", {"reason": "退费"}, format="json")):
        assert response.status_code == 404
        assert "facility" not in response.data  # nothing hints that the number exists elsewhere
    assert client.get(f"{URL}NO-SUCH-NUMBER/").data == client.get(f"{URL}{NUMBER}/").data
    assert snapshot() == before


def test_a_bureau_seeing_the_number_at_two_facilities_must_name_the_facility(api_for, both):
    settlement_a, settlement_b = both
    suzhou = api_for("320500")
    ambiguous = suzhou.get(f"{URL}{NUMBER}/")
    assert ambiguous.status_code == 400 and "facility" in ambiguous.data
    assert suzhou.get(f"{URL}{NUMBER}/", {"facility": settlement_a.facility_id}).data["total_amount"] == "100.00"
    assert suzhou.get(f"{URL}{NUMBER}/", {"facility": settlement_b.facility_id}).data["total_amount"] == "200.00"
    english = suzhou.get(f"{URL}{NUMBER}/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.data["facility"] == [("Several facilities use this settlement number; name the facility's code "
                                         "in facility.")]


def test_a_bureau_reversal_without_the_facility_reverses_nothing(api_for, both):
    settlement_a, settlement_b = both
    suzhou = api_for("320500")
    before = snapshot()
    response = suzhou.post(f"{URL}{NUMBER}/reverse/", {"reason": "退费"}, format="json")
    assert response.status_code == 400 and "facility" in response.data
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="settlement.reverse").exists()
    done = suzhou.post(f"{URL}{NUMBER}/reverse/?facility={settlement_b.facility_id}", {"reason": "退费"},
                       format="json")
    assert done.status_code == 200 and done.data["facility"] == settlement_b.facility_id
    assert Settlement.objects.get(pk=settlement_a.pk).reversed_at is None
    assert Settlement.objects.get(pk=settlement_b.pk).reversed_at is not None


def test_a_bureau_that_sees_one_of_them_needs_no_facility_and_learns_nothing_of_the_other(api_for, both):
    hangzhou = FacilityFactory(county="330106")
    assert api_for(hangzhou.code).post(URL, settlement_payload(number=NUMBER, facility=hangzhou.code),
                                       format="json").status_code == 201
    zhejiang = api_for("330000")
    response = zhejiang.get(f"{URL}{NUMBER}/")
    assert response.status_code == 200 and response.data["facility"] == hangzhou.code
    assert zhejiang.get(f"{URL}{NUMBER}/", {"facility": both[0].facility_id}).status_code == 404
    # 苏州's bureau still chooses between its own two only
    assert api_for("320500").get(f"{URL}{NUMBER}/", {"facility": hangzhou.code}).status_code == 404


def test_a_malformed_facility_parameter_is_a_400(api_for, both):
    response = api_for("320500").get(f"{URL}{NUMBER}/", {"facility": "H32\x00"})
    assert response.status_code == 400 and "facility" in response.data


def test_the_selector_never_looks_outside_the_scope(both):
    settlement_a, settlement_b = both
    gusu = Organisation.objects.get(code="320508")
    guangdong = Organisation.objects.get(code="440000")
    assert settlement_by_number(gusu, NUMBER, settlement_a.facility_id) == settlement_a
    with pytest.raises(NotFound):
        settlement_by_number(guangdong, NUMBER)
    with pytest.raises(ValidationFailed) as exc:
        settlement_by_number(guangdong, NUMBER, field="settlement")
    assert exc.value.field == "settlement"
    with pytest.raises(ValidationFailed) as exc:
        settlement_by_number(gusu, NUMBER, field="settlement")
    assert exc.value.field == "settlement_facility"
    keys = [(settlement_a.facility_id, NUMBER), (settlement_b.facility_id, NUMBER), ("H32050899999", NUMBER)]
    assert settlements_by_keys(gusu, keys) == {(settlement_a.facility_id, NUMBER): settlement_a,
                                               (settlement_b.facility_id, NUMBER): settlement_b}
    assert settlements_by_keys(guangdong, keys) == {}


# --- every other place that finds a settlement by number ----------------------------------------------------------

def test_a_ticket_names_the_facility_of_an_ambiguous_settlement(api_for, both):
    settlement_a, settlement_b = both
    suzhou = api_for("320500")
    body = {"category": "settlement_failure", "title": "结算失败", "description": "请核实", "settlement": NUMBER}
    ambiguous = suzhou.post("/api/v1/tickets/", body, format="json")
    assert ambiguous.status_code == 400 and "settlement_facility" in ambiguous.data
    assert not Ticket.objects.exists()
    linked = suzhou.post("/api/v1/tickets/", {**body, "settlement_facility": settlement_b.facility_id},
                         format="json")
    assert linked.status_code == 201
    assert (linked.data["settlement"], linked.data["settlement_facility"]) == (NUMBER, settlement_b.facility_id)
    assert Ticket.objects.get().settlement == settlement_b
    own = api_for(settlement_a.facility_id).post("/api/v1/tickets/", body, format="json")
    assert own.status_code == 201 and own.data["settlement_facility"] == settlement_a.facility_id


def test_a_ticket_cannot_link_a_settlement_outside_the_scope_by_number(api_for, both):
    response = api_for("440000").post("/api/v1/tickets/", {
        "category": "settlement_failure", "title": "结算失败", "description": "请核实", "settlement": NUMBER},
        format="json")
    assert response.status_code == 400
    assert response.data["settlement"] == ["结算不存在或不在本机构管辖范围内。"]
    assert not Ticket.objects.exists()


def test_raise_ticket_given_a_number_resolves_it_within_the_raisers_scope(both):
    """The service used to look the number up across the whole country and link whatever it found."""
    guangdong = Organisation.objects.get(code="440000")
    with pytest.raises(ValidationFailed) as exc:
        raise_ticket(actor=None, organisation=guangdong, category="settlement_failure", title="结算失败",
                     description="请核实", settlement=NUMBER)
    assert exc.value.field == "settlement"
    assert not Ticket.objects.exists()
    ticket = raise_ticket(actor=None, organisation=Organisation.objects.get(code=both[1].facility_id),
                          category="settlement_failure", title="结算失败", description="请核实", settlement=NUMBER)
    assert ticket.settlement == both[1]


def test_the_admin_ticket_form_asks_for_the_facility_of_an_ambiguous_number(admin_client_for, both):
    client = admin_client_for("320500")
    url = reverse("admin:coordination_ticket_add")
    form = {"category": "settlement_failure", "title": "结算失败", "description": "请核实", "settlement": NUMBER,
            "settlement_facility": "", "registration": ""}
    response = client.post(url, form)
    assert response.status_code == 200
    assert "多家定点医药机构使用了该结算编号" in response.content.decode()
    assert not Ticket.objects.exists()
    response = client.post(url, {**form, "settlement_facility": both[0].facility_id})
    assert response.status_code == 302
    assert Ticket.objects.get().settlement == both[0]


def test_the_admin_search_by_number_lists_both_and_the_reversal_takes_the_one_selected(admin_client_for, both):
    settlement_a, settlement_b = both
    client = admin_client_for("320500")
    url = reverse("admin:settlement_settlement_changelist")
    page = client.get(url, {"q": NUMBER}).content.decode()
    assert settlement_a.facility_id in page and settlement_b.facility_id in page
    response = client.post(url, {"action": "reverse_selected", "_selected_action": [settlement_b.pk],
                                 "reason": "退费"})
    assert response.status_code == 302
    assert Settlement.objects.get(pk=settlement_a.pk).reversed_at is None
    assert Settlement.objects.get(pk=settlement_b.pk).reversed_at is not None


def test_the_demo_style_reversal_by_number_and_facility_as_national(both):
    national = Organisation.objects.get(code="000000")
    with pytest.raises(ValidationFailed):
        services.reverse_settlement(actor=None, organisation=national, number=NUMBER, reason="退费")
    s = services.reverse_settlement(actor=None, organisation=national, number=NUMBER,
                                    facility=both[0].facility_id, reason="退费")
    assert s == both[0] and s.reversal_period is not None
    assert Settlement.objects.filter(reversed_at__isnull=False).count() == 1


# --- supervision: evidence names the partner by facility and number ----------------------------------------------

def _stay(facility, number, start, end, id_number):
    return SettlementFactory(facility=facility, number=number, id_number=id_number, visit_type="inpatient",
                             service_start=start, service_end=end)


def test_two_overlapping_partners_sharing_a_number_are_two_flags_each_linked_to_its_own(admin_client_for, a, b):
    from apps.supervision.models import Flag
    from apps.supervision.services import run_scan

    first = _stay(a, "ZY-1", dt.date(2026, 3, 1), dt.date(2026, 3, 10), "310115196005170014")
    other_b = _stay(b, NUMBER, dt.date(2026, 3, 5), dt.date(2026, 3, 12), first.id_number)
    other_c = _stay(FacilityFactory(county="320508"), NUMBER, dt.date(2026, 3, 6), dt.date(2026, 3, 8),
                    first.id_number)
    run_scan(rule_codes=["INPATIENT_OVERLAP"], all_settlements=True)
    flags = Flag.objects.filter(settlement=first, rule_id="INPATIENT_OVERLAP")
    assert {f.evidence_key for f in flags} == {f"{other_b.facility_id}:{NUMBER}", f"{other_c.facility_id}:{NUMBER}"}
    client = admin_client_for("000000")
    for flag in flags:
        partner = other_b if flag.detail["other_facility"] == other_b.facility_id else other_c
        page = client.get(reverse("admin:supervision_flag_change", args=[flag.pk])).content.decode()
        assert reverse("admin:settlement_settlement_change", args=[partner.pk]) in page
        wrong = other_c if partner is other_b else other_b
        assert reverse("admin:settlement_settlement_change", args=[wrong.pk]) not in page


def test_the_migration_gives_old_evidence_keys_their_facility(a, b):
    import importlib

    from django.apps import apps as django_apps
    from django.db import connection

    from apps.supervision.models import Flag, Rule
    from tests.supervision.factories import FlagFactory

    migration = importlib.import_module("apps.settlement.migrations.0005_flag_evidence_keys_name_the_facility")
    s = SettlementFactory(facility=a)
    old = FlagFactory(settlement=s, rule=Rule.objects.get(code="INPATIENT_OVERLAP"), evidence_key="ZY-9",
                      detail={"other": "ZY-9", "other_facility": b.code})
    untouched = FlagFactory(settlement=s, rule=Rule.objects.get(code="DUPLICATE"), evidence_key="ZY-8",
                            detail={"other": "ZY-8", "facility": a.code})
    with connection.schema_editor() as editor:
        migration.forwards(django_apps, editor)
        migration.forwards(django_apps, editor)  # safe to repeat
    assert Flag.objects.get(pk=old.pk).evidence_key == f"{b.code}:ZY-9"
    assert Flag.objects.get(pk=untouched.pk).evidence_key == "ZY-8"
    with connection.schema_editor() as editor:
        migration.backwards(django_apps, editor)
    assert Flag.objects.get(pk=old.pk).evidence_key == "ZY-9"
