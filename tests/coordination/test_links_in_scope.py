"""A ticket may name only a settlement or registration the raising organisation can see. ``raise_ticket`` checks it,
so the API, the admin form and any other caller get the same answer: 400 on the field, worded the same whether
the settlement is outside the scope or does not exist at all, and nothing written."""
import pytest

from apps.coordination import services
from apps.coordination.models import Ticket, TicketEvent, TicketHolding
from apps.core.errors import ValidationFailed
from apps.core.models import AuditEntry
from tests.coordination.factories import TicketFactory
from tests.facilities.factories import FacilityFactory
from tests.factories import org
from tests.registration.factories import RegistrationFactory
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/coordination/ticket/add/"
SETTLEMENT_REFUSED = "结算不存在或不在本机构管辖范围内。"
REGISTRATION_REFUSED = "备案不存在或不在本机构管辖范围内。"


@pytest.fixture
def settlement():
    """A 上海 insured person treated at a 姑苏区 hospital: seen by 上海 and 苏州's bureaus, not by 四川's."""
    return SettlementFactory(facility=FacilityFactory(county="320508"))


@pytest.fixture
def registration():
    """A 上海 insured person registered to 苏州市: seen by 上海 and 苏州市, not by 四川."""
    return RegistrationFactory()


def written():
    """Everything raising a ticket writes."""
    return (Ticket.objects.count(), TicketEvent.objects.count(), TicketHolding.objects.count(),
            AuditEntry.objects.count())


def raise_from(code, **links):
    return services.raise_ticket(actor=None, organisation=org(code), category="settlement_failure",
                                 title="跨省住院结算失败", description="出院结算提示参保地超时。", **links)


@pytest.mark.parametrize("as_number", [True, False], ids=["by number", "as object"])
def test_the_service_refuses_a_settlement_outside_the_raisers_scope_and_writes_nothing(settlement, as_number):
    before = written()
    with pytest.raises(ValidationFailed) as exc:
        raise_from("510000", settlement=settlement.number if as_number else settlement)
    assert (exc.value.field, exc.value.message) == ("settlement", SETTLEMENT_REFUSED)
    assert written() == before


@pytest.mark.parametrize("as_reference", [True, False], ids=["by reference", "as object"])
def test_the_service_refuses_a_registration_outside_the_raisers_scope_and_writes_nothing(registration,
                                                                                        as_reference):
    before = written()
    with pytest.raises(ValidationFailed) as exc:
        raise_from("510000", registration=registration.reference if as_reference else registration)
    assert (exc.value.field, exc.value.message) == ("registration", REGISTRATION_REFUSED)
    assert written() == before


def test_an_unknown_settlement_gets_the_same_answer_as_one_outside_the_scope(settlement):
    with pytest.raises(ValidationFailed) as unknown:
        raise_from("320508", settlement="JS-NO-SUCH")
    with pytest.raises(ValidationFailed) as elsewhere:
        raise_from("510000", settlement=settlement.number)
    assert unknown.value.as_dict() == elsewhere.value.as_dict() == {"settlement": [SETTLEMENT_REFUSED]}


def test_a_settlement_number_with_a_nul_is_refused_as_unknown_not_sent_to_the_database():
    with pytest.raises(ValidationFailed) as exc:
        raise_from("320508", settlement="JS\x00001")
    assert exc.value.field == "settlement" and not Ticket.objects.exists()


@pytest.mark.parametrize("code", ["320500", "320000", "310000", "000000"])
def test_the_service_links_a_settlement_and_registration_seen_from_either_side_or_above(settlement, registration, code):
    ticket = raise_from(code, settlement=settlement.number, registration=registration)
    assert (ticket.settlement_id, ticket.registration_id) == (settlement.pk, registration.pk)


def test_a_facility_may_link_its_own_settlement_but_not_another_hospitals(settlement):
    other = SettlementFactory(facility=FacilityFactory(county="320508"))
    own = settlement.facility.organisation
    ticket = services.raise_ticket(actor=None, organisation=own, category="refund", title="退费",
                                   description="请协助冲正。", settlement=settlement.number)
    assert ticket.settlement_id == settlement.pk
    with pytest.raises(ValidationFailed):
        services.raise_ticket(actor=None, organisation=own, category="refund", title="退费",
                              description="请协助冲正。", settlement=other.number)


def test_blank_links_are_no_links():
    ticket = raise_from("320508", settlement="  ", registration="")
    assert ticket.settlement_id is None and ticket.registration_id is None


def test_the_admin_form_shows_the_services_refusal_next_to_the_field_and_writes_nothing(admin_client_for,
                                                                                          settlement):
    client = admin_client_for("510000")
    before = written()
    response = client.post(ADD, {"category": "refund", "title": "退费未到账", "description": "请协助核实。",
                                 "settlement": settlement.number})
    assert response.status_code == 200
    assert response.context["form"].errors == {"settlement": [SETTLEMENT_REFUSED]}
    assert written() == before


def test_the_admin_form_links_a_settlement_and_registration_in_scope(admin_client_for, settlement, registration):
    client = admin_client_for("320500")
    response = client.post(ADD, {"category": "refund", "title": "退费未到账", "description": "请协助核实。",
                                 "settlement": f" {settlement.number} ", "registration": registration.reference})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.settlement_id, ticket.registration_id) == (settlement.pk, registration.pk)


def test_the_api_answers_an_out_of_scope_registration_with_400_on_the_field(api_for, registration):
    before = written()
    response = api_for("510000").post("/api/v1/tickets/", {
        "category": "registration", "title": "备案问题", "description": "请核实。",
        "registration": registration.reference}, format="json")
    assert response.status_code == 400
    assert response.json() == {"registration": [REGISTRATION_REFUSED]}
    assert written() == before


def test_a_cost_review_from_supervision_still_links_the_flagged_settlement(settlement):
    # the insured side's bureau raises it, about a settlement it sees, straight to the treatment side
    ticket = TicketFactory(raiser="310000", category="cost_review", holder=org("320508"), settlement=settlement)
    assert ticket.settlement_id == settlement.pk and ticket.holder.code == "320508"
