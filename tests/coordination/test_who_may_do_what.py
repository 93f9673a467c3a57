"""The "Who may do what" table of docs/rules.md, every action × status × kind of organisation: allowed, 403 (never
for this organisation) or 409 (not in this status, or a ticket that has moved on from a former holder).
``check_action`` answers it and ``allowed_actions`` lists what it allows."""
import pytest

from apps.coordination import services
from apps.coordination.models import ACTIVE_STATUSES, Status, Ticket
from apps.core.errors import Conflict, NotAllowed
from tests.coordination.factories import TicketFactory
from tests.factories import org

pytestmark = pytest.mark.django_db

# A ticket raised by 姑苏区, handed by 苏州市 to 广东省 (an outside-region holder, so 苏州 is a former holder
# that also oversees the raiser's region).
ROLES = {"raiser": "320508", "holder": "440000", "former holder": "320500", "overseer": "320000",
         "stranger": "510000"}


def expected(role: str, status: str, action: str):
    """The table, written out on its own: None (allowed), NotAllowed or Conflict."""
    if action == "comment":
        if role == "stranger":
            return NotAllowed
        return Conflict if status == Status.CLOSED else None
    if action in ("escalate", "transfer", "resolve"):
        if role != "holder":
            return Conflict if role == "former holder" else NotAllowed
        return None if status in ACTIVE_STATUSES else Conflict
    if role != "raiser":
        return NotAllowed
    if action == "reopen":
        return None if status == Status.RESOLVED else Conflict
    return Conflict if status == Status.CLOSED else None  # close


@pytest.fixture
def ticket():
    ticket = TicketFactory(raiser="320508")
    return services.transfer_ticket(actor=None, organisation=org("320500"), ticket=ticket, to="440000")


@pytest.mark.parametrize("status", Status.values)
def test_every_action_for_every_kind_of_organisation_follows_the_table(ticket, status):
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    for role, code in ROLES.items():
        fresh = Ticket.objects.get(pk=ticket.pk)
        answers = {}
        for action in services.ACTIONS:
            try:
                services.check_action(fresh, org(code), action)
            except (NotAllowed, Conflict) as exc:
                answers[action] = type(exc)
            else:
                answers[action] = None
        assert answers == {a: expected(role, status, a) for a in services.ACTIONS}, (role, status)
        assert services.allowed_actions(fresh, org(code)) == [a for a in services.ACTIONS if answers[a] is None]


def test_an_organisation_that_is_none_may_do_nothing(ticket):
    with pytest.raises(NotAllowed):
        services.check_action(ticket, None, "comment")
    assert services.allowed_actions(ticket, None) == []


def test_national_may_do_all_a_holder_may_except_escalate():
    ticket = TicketFactory(raiser="320000")  # lands at national
    assert services.allowed_actions(ticket, org("000000")) == ["comment", "transfer", "resolve"]
    with pytest.raises(Conflict) as exc:
        services.check_action(ticket, org("000000"), "escalate")
    assert exc.value.message == "工单已在国家级承办，无法再向上报。"


def test_a_former_holder_is_told_where_the_ticket_went(ticket):
    with pytest.raises(Conflict) as exc:
        services.check_action(ticket, org("320500"), "resolve")
    assert exc.value.message == "工单已转由广东省医疗保障局承办，本机构不能再办结该工单，请刷新后查看。"
