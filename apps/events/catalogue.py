"""The events the portal emits (docs/api.md "Notifications and webhooks"), with their Chinese labels, which
tiers must see them (a user cannot turn those off), and whether an insured person may be told by SMS."""
from dataclasses import dataclass

from apps.regions.models import Tier

BUREAUS = frozenset({Tier.NATIONAL, Tier.PROVINCE, Tier.CITY, Tier.COUNTY})
EVERYONE = BUREAUS | {Tier.FACILITY}


@dataclass(frozen=True)
class EventType:
    name: str
    label: str
    required_for: frozenset = frozenset()  # tiers whose staff always get this notification
    sms: bool = False  # an SMS template may exist for it (the insured person is told)


EVENT_TYPES = [
    EventType("registration.submitted", "新的备案申请"),
    EventType("registration.approved", "备案已通过", sms=True),
    EventType("registration.rejected", "备案未通过", sms=True),
    EventType("registration.expiring", "备案将在30天内到期", sms=True),
    EventType("registration.documents_due", "待补材料即将到期", sms=True),
    EventType("ticket.assigned", "工单转至本机构", required_for=EVERYONE),
    EventType("ticket.due_soon", "工单即将超过办理时限", required_for=EVERYONE),
    EventType("ticket.overdue", "工单已超过办理时限", required_for=EVERYONE),
    EventType("ticket.escalated", "工单已上报", required_for=EVERYONE),
    EventType("ticket.resolved", "工单已办结"),
    EventType("flag.raised", "新的可疑结算"),
    EventType("flag.review_requested", "费用协查请求", required_for=EVERYONE),
    EventType("clearing.declare_due", "清算申报即将截止", required_for=frozenset({Tier.PROVINCE})),
    EventType("clearing.declared", "清算已申报，待确认", required_for=frozenset({Tier.PROVINCE})),
    EventType("clearing.disputed", "清算有异议", required_for=frozenset({Tier.PROVINCE})),
    EventType("clearing.confirmed", "清算已确认"),
    EventType("clearing.paid", "清算已拨付"),
    EventType("prepayment.warning", "预付金使用预警", required_for=frozenset({Tier.PROVINCE})),
    EventType("topup.requested", "预付金紧急调增申请", required_for=frozenset({Tier.PROVINCE})),
    EventType("topup.decided", "预付金紧急调增已决定"),
]
EVENTS = {e.name: e for e in EVENT_TYPES}
EVENT_CHOICES = [(e.name, e.label) for e in EVENT_TYPES]
SMS_EVENT_CHOICES = [(e.name, e.label) for e in EVENT_TYPES if e.sms]


def label(name: str) -> str:
    event = EVENTS.get(name)
    return event.label if event else name


def is_required(name: str, tier: str | None) -> bool:
    """Whether staff of an organisation of ``tier`` must see ``name`` (their preference cannot hide it)."""
    event = EVENTS.get(name)
    return bool(event and tier in event.required_for)
