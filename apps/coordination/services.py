"""Ticket routing through the five tiers: raise, comment, escalate, transfer, resolve, reopen, close.

Who may do what (checked here, whatever the caller — admin, API, command):
- the **holder** comments (moving open/reopened → in_progress), escalates one tier up, transfers to any
  other organisation, and resolves;
- the **raiser** comments, reopens a resolved ticket and closes the ticket (accepting the answer, or
  withdrawing it) — the holder resolves but does not close, so the raiser always has the last word;
- any other organisation that can see the ticket (has held it, or oversees the raiser's or the holder's
  region) may add a comment, which changes nothing else.
Refusals: an action this organisation may never take on this ticket → ``NotAllowed`` (403); one its role
allows but the status does not, or a holder's action on a ticket that has meanwhile moved on from it (the loser
of two clicks at once) → ``Conflict`` (409). Each check runs on the ticket row locked with ``select_for_update``
and read again after the lock, and a refused action changes nothing.

Bounds on what people write (refused, never cut): title ≤ 200 characters on one line, description ≤ 5,000 and
notes ≤ 2,000 (several lines allowed); no control characters, NUL or lone surrogates anywhere.

A ticket may name a settlement and/or a registration the raising organisation can see (``scoped``); one it cannot
see is refused exactly like one that does not exist. The time limits per category are changed by national staff
only (``update_category_setting``), audited with the old and new values.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, Callable

from django.apps import apps as django_apps
from django.db import transaction
from django.db.models import Case, F, Model, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core import audit
from apps.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from apps.core.inputs import text_error
from apps.regions.models import Organisation
from apps.regions.scope import covers_region, scoped

from .models import (
    ACTIVE_STATUSES,
    ALLOWED_ATTACHMENT_TYPES,
    DEFAULT_TIME_LIMITS,
    MAX_ATTACHMENT_BYTES,
    TIME_LIMIT_MAX,
    TIME_LIMIT_MIN,
    Category,
    CategorySetting,
    EventKind,
    Status,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketHolding,
)
from .workdays import add_working_days

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.utils.functional import _StrPromise

    from apps.accounts.models import User
    from apps.registration.models import Registration
    from apps.settlement.models import Settlement

    Rules = dict[str, tuple[int, bool]]

ACTIONS = ("comment", "escalate", "transfer", "resolve", "reopen", "close")
# Business bounds on what people write (characters): refused with a message, never cut silently.
TITLE_MAX = Ticket._meta.get_field("title").max_length  # 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 2000
ATTACHMENT_NAME_MAX = TicketAttachment._meta.get_field("name").max_length  # 200
ORG_CODE_MAX = Organisation._meta.get_field("code").max_length  # 12
# The action names inside partner messages (``pgettext`` context "ticket action": English with Accept-Language: en).
ACTION_LABELS = {
    "comment": pgettext_lazy("ticket action", "回复"), "escalate": pgettext_lazy("ticket action", "上报上级"),
    "transfer": pgettext_lazy("ticket action", "转办"), "resolve": pgettext_lazy("ticket action", "办结"),
    "reopen": pgettext_lazy("ticket action", "重开"), "close": pgettext_lazy("ticket action", "关闭"),
}
# The status names inside partner messages (the model labels stay as they are for the admin and the data).
STATUS_LABELS = {
    Status.OPEN: pgettext_lazy("ticket status", "待处理"),
    Status.IN_PROGRESS: pgettext_lazy("ticket status", "处理中"),
    Status.RESOLVED: pgettext_lazy("ticket status", "已解决"),
    Status.CLOSED: pgettext_lazy("ticket status", "已关闭"),
    Status.REOPENED: pgettext_lazy("ticket status", "已重开"),
}


def _status_label(ticket: Ticket) -> str:
    label = STATUS_LABELS.get(ticket.status)
    return str(label) if label is not None else ticket.get_status_display()


# ---- settings and due times -------------------------------------------------------------------------

def category_rules(category: str) -> tuple[int, bool]:
    """(time limit in working days, auto-escalate?) for ``category``: the admin setting, else the default."""
    row = CategorySetting.objects.filter(category=category).values_list("time_limit_days", "auto_escalate").first()
    if row:
        return row
    return DEFAULT_TIME_LIMITS.get(category, 5), True


def all_category_rules() -> Rules:
    """``category_rules`` for every category in one query (for batch runs)."""
    rows = dict((c, (d, a)) for c, d, a in
                CategorySetting.objects.values_list("category", "time_limit_days", "auto_escalate"))
    return {c: rows.get(c, (DEFAULT_TIME_LIMITS.get(c, 5), True)) for c in Category.values}


def due_time(category: str, start: dt.datetime, rules: Rules | None = None) -> dt.datetime:
    """When a ticket of ``category`` that reached its holder at ``start`` is due."""
    days = (rules[category] if rules else category_rules(category))[0]
    return add_working_days(start, days)


def parent_holder(organisation: Organisation) -> Organisation | None:
    """The organisation one tier above ``organisation`` (a facility's county bureau); None at national."""
    if organisation.parent_id:
        return organisation.parent
    if organisation.is_facility:
        return Organisation.objects.filter(code=organisation.region_id).first()
    return None


def may_change_category_settings(actor: User | None, organisation: Organisation | None) -> bool:
    """Whether the time limits per category may be changed: by national staff (and a superuser)."""
    return (organisation is not None and organisation.is_national) or bool(getattr(actor, "is_superuser", False))


@transaction.atomic
def update_category_setting(*, actor: User | None, organisation: Organisation | None, category: str,
                            time_limit_days: int, auto_escalate: bool) -> CategorySetting:
    """Set ``category``'s time limit (1–60 working days) and whether its overdue tickets escalate on their own.

    National staff only (``may_change_category_settings``). Tickets already running keep their due time; the new
    limit applies from the next time a ticket lands with a holder. Audited with the old and new values; saving the
    values it already has writes nothing."""
    if not may_change_category_settings(actor, organisation):
        raise NotAllowed(_("只有国家医疗保障局可以修改工单类别设置。"))
    if category not in Category.values:
        raise ValidationFailed(_("工单类别无效。"), field="category")
    if isinstance(time_limit_days, bool) or not isinstance(time_limit_days, int) \
            or not TIME_LIMIT_MIN <= time_limit_days <= TIME_LIMIT_MAX:
        raise ValidationFailed(_("办理时限应为 %(min)s 至 %(max)s 个工作日。")
                               % {"min": TIME_LIMIT_MIN, "max": TIME_LIMIT_MAX}, field="time_limit_days")
    if not isinstance(auto_escalate, bool):
        raise ValidationFailed(_("超时自动上报应为是或否。"), field="auto_escalate")
    setting = CategorySetting.objects.select_for_update().filter(category=category).first()
    if setting is None:  # never saved: the defaults were in force
        days, auto = DEFAULT_TIME_LIMITS.get(category, 5), True
        setting = CategorySetting(category=category, time_limit_days=days, auto_escalate=auto)
    old = {"time_limit_days": setting.time_limit_days, "auto_escalate": setting.auto_escalate}
    new = {"time_limit_days": time_limit_days, "auto_escalate": auto_escalate}
    changes = {k: {"old": old[k], "new": new[k]} for k in new if old[k] != new[k]}
    if not changes and not setting._state.adding:
        return setting
    setting.time_limit_days, setting.auto_escalate = time_limit_days, auto_escalate
    setting.save()
    audit.record(actor=actor, organisation=organisation, action="coordination.category_setting", obj=setting,
                 summary=f"{setting.get_category_display()}：{time_limit_days} 个工作日，"
                         f"自动上报{'开' if auto_escalate else '关'}",
                 time_limit_days=time_limit_days, auto_escalate=auto_escalate, changes=changes)
    return setting


# ---- the rules ----------------------------------------------------------------------------------------

def _is_holder(ticket: Ticket, organisation: Organisation | None) -> bool:
    return organisation is not None and ticket.holder_id == organisation.pk


def _is_raiser(ticket: Ticket, organisation: Organisation | None) -> bool:
    return organisation is not None and ticket.raised_by_id == organisation.pk


def _has_held(ticket: Ticket, organisation: Organisation | None) -> bool:
    """Whether ``organisation`` holds or has held ``ticket`` (asked once per ticket object and organisation)."""
    if organisation is None:
        return False
    memo = ticket.__dict__.setdefault("_held_by", {})
    if organisation.pk not in memo:
        memo[organisation.pk] = TicketHolding.objects.filter(ticket_id=ticket.pk,
                                                             organisation_id=organisation.pk).exists()
    return memo[organisation.pk]


def can_see(ticket: Ticket, organisation: Organisation | None) -> bool:
    """The scope rule for one ticket (``Ticket.extra_scope_q`` plus the region subtree)."""
    if organisation is None:
        return False
    if organisation.is_national or _is_raiser(ticket, organisation) or _is_holder(ticket, organisation):
        return True
    if covers_region(organisation, ticket.raiser_region_id) or covers_region(organisation, ticket.holder_region_id):
        return True
    return _has_held(ticket, organisation)


NOT_CLOSED = (Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.REOPENED)
ONLY_HOLDER = gettext_lazy("只有当前承办机构可以%(action)s该工单。")
WRONG_STATUS = gettext_lazy("工单状态为“%(status)s”，不能%(action)s。")
# Who may take each action and when (the table of docs/rules.md "Who may do what"):
# action → (the role that may, the statuses it may be taken in, refusal for anyone else (403), refusal in
# another status (409)). Messages may name the action and the status.
ACTION_RULES: dict[str, tuple[str, tuple[str, ...], _StrPromise, _StrPromise]] = {
    "comment": ("viewer", NOT_CLOSED, gettext_lazy("本机构无权查看或回复该工单。"),
                gettext_lazy("工单已关闭，不能再回复。")),
    "escalate": ("holder", ACTIVE_STATUSES, ONLY_HOLDER, WRONG_STATUS),
    "transfer": ("holder", ACTIVE_STATUSES, ONLY_HOLDER, WRONG_STATUS),
    "resolve": ("holder", ACTIVE_STATUSES, ONLY_HOLDER, WRONG_STATUS),
    "reopen": ("raiser", (Status.RESOLVED,), gettext_lazy("只有发起机构可以重开该工单。"),
               gettext_lazy("只有已解决的工单可以重开，当前状态为“%(status)s”。")),
    "close": ("raiser", NOT_CLOSED, gettext_lazy("只有发起机构可以关闭该工单。"), gettext_lazy("工单已关闭。")),
}
ROLES: dict[str, Callable[[Ticket, Organisation | None], bool]] = {
    "viewer": can_see, "holder": _is_holder, "raiser": _is_raiser,
}


def check_action(ticket: Ticket, organisation: Organisation | None, action: str) -> None:
    """Raise NotAllowed (never for this organisation) or Conflict (not in this status) unless ``organisation`` may
    take ``action`` on ``ticket`` now (``ACTION_RULES``)."""
    role, statuses, not_yours, not_now = ACTION_RULES[action]
    words = {"action": ACTION_LABELS[action], "status": _status_label(ticket)}
    if not ROLES[role](ticket, organisation):
        if role == "holder" and _has_held(ticket, organisation):
            # it was ours and has moved on (often a moment ago: a colleague or a partner system acted
            # first) — a state the caller can look up again, not a right it never had
            raise Conflict(_("工单已转由%(holder)s承办，本机构不能再%(action)s该工单，请刷新后查看。")
                           % {"holder": ticket.holder.name, "action": words["action"]})
        raise NotAllowed(not_yours % words)
    if ticket.status not in statuses:
        raise Conflict(not_now % words)
    if action == "escalate" and parent_holder(ticket.holder) is None:
        raise Conflict(_("工单已在国家级承办，无法再向上报。"))


def allowed_actions(ticket: Ticket, organisation: Organisation | None) -> list[str]:
    """The actions ``organisation`` may take on ``ticket`` now, in display order."""
    allowed = []
    for action in ACTIONS:
        try:
            check_action(ticket, organisation, action)
        except (NotAllowed, Conflict):
            continue
        allowed.append(action)
    return allowed


# ---- writing ------------------------------------------------------------------------------------------

def _text(value: object, *, field: str, limit: int, too_long: str, multiline: bool) -> str:
    """``value`` stripped, or ValidationFailed on ``field``: not text, a control character (NUL included) or a
    lone surrogate (``apps.core.inputs.text_error``), or more than ``limit`` characters (``too_long`` names the
    limit). Whoever calls — API, admin, command — gets the same answer, before anything is written."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(_("请填写文字。"), field=field)
    value = value.strip()
    problem = text_error(value, multiline=multiline)
    if problem:
        raise ValidationFailed(problem, field=field)
    if len(value) > limit:
        raise ValidationFailed(too_long % {"max": limit, "length": len(value)}, field=field)
    return value


def _note(note: object) -> str:
    return _text(note, field="note", limit=NOTE_MAX, multiline=True,
                 too_long=_("说明不能超过 %(max)s 个字符（现有 %(length)s 个）。"))


def _need_note(note: object) -> str:
    note = _note(note)
    if not note:
        raise ValidationFailed(_("请填写说明。"), field="note")
    return note


def _locked(ticket: Ticket) -> Ticket:
    """The ticket row, locked, read again after the lock: the ticket alone (``FOR UPDATE OF`` with no join), so
    a concurrent action that moved it is seen as it is now — a join on the holder would make PostgreSQL re-check
    the old holder against the new row and drop it. The holder and raiser are read afterwards."""
    locked = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket.pk).first()
    if locked is None:
        raise NotFound(_("工单不存在。"))
    return locked


def _land(ticket: Ticket, target: Organisation, now: dt.datetime) -> None:
    """Hand ``ticket`` to ``target``: the due time restarts and ``target`` keeps seeing it from now on."""
    ticket.holder = target
    ticket.holder_region_id = target.region_id
    ticket.holder_tier = target.tier
    ticket.held_since = now
    ticket.due_at = due_time(ticket.category, now)
    TicketHolding.objects.bulk_create(
        [TicketHolding(ticket=ticket, organisation=target, since=now,
                       outside_region=TicketHolding.is_outside_region(ticket, target))],
        ignore_conflicts=True)


def _event(ticket: Ticket, *, kind: str, actor: User | None, organisation: Organisation | None, note: str = "",
           from_holder: Organisation | None = None, to_holder: Organisation | None = None, from_status: str = "",
           due_at: dt.datetime | None = None) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation=organisation, note=note, from_holder=from_holder, to_holder=to_holder,
        from_status=from_status, to_status=ticket.status, due_at=due_at,
    )
    audit.record(actor=actor, organisation=organisation, action=f"coordination.ticket.{kind}", obj=ticket,
                 summary=f"{ticket.number} {event.get_kind_display()}", note=note[:200],
                 holder=ticket.holder.code, status=ticket.status)
    return event


# A link the raiser cannot see is refused exactly like one that does not exist (existence is not revealed).
LINK_REFUSALS = {
    "settlement": gettext_lazy("结算不存在或不在本机构管辖范围内。"),
    "registration": gettext_lazy("备案不存在或不在本机构管辖范围内。"),
}


def _resolve_link(model_path: str, value: Model | str | None, field: str, key: str, *,
                  organisation: Organisation) -> Any:
    """The settlement or registration a ticket names — the object, or its ``key`` (number, reference) — provided
    ``organisation`` can see it (``scoped``); else ValidationFailed on ``field``. Empty: no link."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    model = django_apps.get_model(model_path)
    visible = scoped(model._default_manager.all(), organisation)
    if isinstance(value, model):
        found = value if visible.filter(pk=value.pk).exists() else None
    elif isinstance(value, str) and not text_error(value.strip()):
        found = visible.filter(**{key: value.strip()}).first()
    else:
        found = None
    if found is None:
        raise ValidationFailed(LINK_REFUSALS[field], field=field)
    return found


def _resolve_settlement(value: Settlement | str | None, facility: str | None, *,
                        organisation: Organisation) -> Settlement | None:
    """A settlement object (checked to be visible) or a number, resolved within ``organisation``'s scope by the
    settlement area (``settlement_by_number``: ValidationFailed on ``settlement`` / ``settlement_facility``)."""
    if isinstance(value, str) and value.strip():
        from apps.settlement.selectors import settlement_by_number

        return settlement_by_number(organisation, value.strip(), facility, field="settlement")
    return _resolve_link("settlement.Settlement", value, "settlement", "number", organisation=organisation)


@transaction.atomic
def raise_ticket(*, actor: User | None, organisation: Organisation | None, category: str, title: str,
                 description: str, settlement: Settlement | str | None = None,
                 registration: Registration | str | None = None, holder: Organisation | None = None,
                 settlement_facility: str | None = None) -> Ticket:
    """Raise a ticket from ``organisation``; it lands one tier up (a facility's at its county bureau, national's
    stays at national), or with ``holder`` when given (e.g. a cost review to the treatment region's bureau).

    ``settlement`` / ``registration`` (the object, or its number / reference) must be visible to ``organisation``;
    otherwise ValidationFailed on that field, the same answer as for one that does not exist. Settlement numbers
    are unique per facility: ``settlement_facility`` names the facility when the number alone is ambiguous."""
    if organisation is None:
        raise NotAllowed(_("账户未关联机构，不能发起工单。"))
    if category not in Category.values:
        raise ValidationFailed(_("工单类别无效。"), field="category")
    title = _text(title, field="title", limit=TITLE_MAX, multiline=False,
                  too_long=_("标题不能超过 %(max)s 个字符（现有 %(length)s 个）。"))
    description = _text(description, field="description", limit=DESCRIPTION_MAX, multiline=True,
                        too_long=_("问题描述不能超过 %(max)s 个字符（现有 %(length)s 个）。"))
    if not title:
        raise ValidationFailed(_("请填写标题。"), field="title")
    if not description:
        raise ValidationFailed(_("请填写问题描述。"), field="description")
    linked_settlement = _resolve_settlement(settlement, settlement_facility, organisation=organisation)
    linked_registration = _resolve_link("registration.Registration", registration, "registration", "reference",
                                        organisation=organisation)
    if holder is None:
        holder = parent_holder(organisation) or organisation
    now = timezone.now()
    ticket = Ticket(
        number=uuid.uuid4().hex[:20], category=category, title=title, description=description,
        raised_by=organisation, raiser_region_id=organisation.region_id, status=Status.OPEN,
        settlement=linked_settlement, registration=linked_registration,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ticket.holder, ticket.holder_region_id, ticket.holder_tier = holder, holder.region_id, holder.tier
    ticket.held_since, ticket.due_at = now, due_time(category, now)
    ticket.save()
    ticket.number = f"XT{timezone.localtime(now):%Y%m%d}{ticket.pk:08d}"
    Ticket.objects.filter(pk=ticket.pk).update(number=ticket.number)
    TicketHolding.objects.create(ticket=ticket, organisation=holder, since=now,
                                 outside_region=TicketHolding.is_outside_region(ticket, holder))
    _event(ticket, kind=EventKind.RAISED, actor=actor, organisation=organisation, note=description,
           to_holder=holder, due_at=ticket.due_at)
    return ticket


@transaction.atomic
def comment_ticket(*, actor: User | None, organisation: Organisation | None, ticket: Ticket, note: str) -> Ticket:
    """Add a reply to the timeline; the holder's first reply takes the ticket in hand (in_progress)."""
    ticket = _locked(ticket)
    check_action(ticket, organisation, "comment")
    note = _need_note(note)
    before = ticket.status
    if _is_holder(ticket, organisation) and ticket.status in (Status.OPEN, Status.REOPENED):
        ticket.status = Status.IN_PROGRESS
        ticket.save(update_fields=["status", "updated_at"])
    _event(ticket, kind=EventKind.COMMENT, actor=actor, organisation=organisation, note=note, from_status=before)
    return ticket


MOVE_FIELDS = ["holder", "holder_region", "holder_tier", "held_since", "due_at", "status",
               "escalated_for_due_at", "updated_at"]


def _move(ticket: Ticket, *, kind: str, actor: User | None, organisation: Organisation | None,
          target: Organisation, note: str) -> Ticket:
    before_status, before_holder = ticket.status, ticket.holder
    now = timezone.now()
    _land(ticket, target, now)
    ticket.status = Status.OPEN
    ticket.save(update_fields=MOVE_FIELDS)
    _event(ticket, kind=kind, actor=actor, organisation=organisation, note=note, from_holder=before_holder,
           to_holder=target, from_status=before_status, due_at=ticket.due_at)
    return ticket


@transaction.atomic
def escalate_ticket(*, actor: User | None, organisation: Organisation | None, ticket: Ticket, note: str) -> Ticket:
    """The holder hands the ticket one tier up (facility → county → city → province → national)."""
    ticket = _locked(ticket)
    check_action(ticket, organisation, "escalate")
    note = _need_note(note)
    return _move(ticket, kind=EventKind.ESCALATE, actor=actor, organisation=organisation,
                 target=parent_holder(ticket.holder), note=note)


@transaction.atomic
def transfer_ticket(*, actor: User | None, organisation: Organisation | None, ticket: Ticket,
                    to: Organisation | str, note: str = "") -> Ticket:
    """The holder hands the ticket to the organisation that can act (any bureau or facility code)."""
    note = _note(note)
    code = to.code if isinstance(to, Organisation) else to
    if code is None or (isinstance(code, str) and not code.strip()):
        raise ValidationFailed(_("请填写转办目标机构代码。"), field="to")
    if not isinstance(code, str) or text_error(code) or len(code.strip()) > ORG_CODE_MAX:
        raise ValidationFailed(_("机构代码格式错误：应为 6 位区划代码（经办机构）或 12 位定点医药机构编码。"),
                               field="to")
    code = code.strip()
    target = Organisation.objects.filter(code=code).first()
    if target is None:
        raise ValidationFailed(_("机构代码 %(code)s 不存在。") % {"code": code}, field="to")
    ticket = _locked(ticket)
    check_action(ticket, organisation, "transfer")
    if target.pk == ticket.holder_id:
        raise ValidationFailed(_("不能转办给当前承办机构自己。"), field="to")
    return _move(ticket, kind=EventKind.TRANSFER, actor=actor, organisation=organisation, target=target,
                 note=note or f"转办至{target.name}")


@transaction.atomic
def resolve_ticket(*, actor: User | None, organisation: Organisation | None, ticket: Ticket, note: str) -> Ticket:
    ticket = _locked(ticket)
    check_action(ticket, organisation, "resolve")
    note = _need_note(note)
    before = ticket.status
    ticket.status = Status.RESOLVED
    ticket.save(update_fields=["status", "updated_at"])
    _event(ticket, kind=EventKind.RESOLVE, actor=actor, organisation=organisation, note=note, from_status=before)
    return ticket


@transaction.atomic
def reopen_ticket(*, actor: User | None, organisation: Organisation | None, ticket: Ticket, note: str) -> Ticket:
    """The raiser is not satisfied: back to the last holder, with a fresh time limit."""
    ticket = _locked(ticket)
    check_action(ticket, organisation, "reopen")
    note = _need_note(note)
    before = ticket.status
    now = timezone.now()
    ticket.status = Status.REOPENED
    ticket.due_at = due_time(ticket.category, now)
    ticket.save(update_fields=["status", "due_at", "updated_at"])
    _event(ticket, kind=EventKind.REOPEN, actor=actor, organisation=organisation, note=note, from_status=before,
           due_at=ticket.due_at)
    return ticket


@transaction.atomic
def close_ticket(*, actor: User | None, organisation: Organisation | None, ticket: Ticket, note: str) -> Ticket:
    ticket = _locked(ticket)
    check_action(ticket, organisation, "close")
    note = _need_note(note)
    before = ticket.status
    ticket.status = Status.CLOSED
    ticket.save(update_fields=["status", "updated_at"])
    _event(ticket, kind=EventKind.CLOSE, actor=actor, organisation=organisation, note=note, from_status=before)
    return ticket


ACTION_SERVICES: dict[str, Callable[..., Ticket]] = {
    "comment": comment_ticket, "escalate": escalate_ticket, "transfer": transfer_ticket,
    "resolve": resolve_ticket, "reopen": reopen_ticket, "close": close_ticket,
}


# ---- time limits --------------------------------------------------------------------------------------

ESCALATE_BATCH = 500


def escalate_overdue(*, now: dt.datetime | None = None, batch_size: int = ESCALATE_BATCH) -> dict[str, int]:
    """Escalate every overdue ticket whose category auto-escalates; safe to run again at once.

    Batch-wise: up to ``batch_size`` tickets per transaction (see ``_auto_escalate_batch``), each still with its
    own AUTO_ESCALATE event, holding and audit entry. Candidates come holder by holder, so a batch mostly moves
    tickets to the same parent in one UPDATE."""
    now = now or timezone.now()
    rules = all_category_rules()
    auto_categories = [c for c, (_days, auto) in rules.items() if auto]
    candidates = (
        Ticket.objects.overdue(now)
        .filter(category__in=auto_categories)
        .exclude(escalated_for_due_at=F("due_at"))
        .order_by("holder_id", "pk")
        .values_list("pk", flat=True)
    )
    moved = checked = 0
    batch = []
    for pk in candidates.iterator(chunk_size=2000):
        checked += 1
        batch.append(pk)
        if len(batch) >= batch_size:
            moved += _auto_escalate_batch(batch, now=now, rules=rules)
            batch = []
    if batch:
        moved += _auto_escalate_batch(batch, now=now, rules=rules)
    return {"checked": checked, "escalated": moved}


@transaction.atomic
def _auto_escalate_batch(pks: list[int], *, now: dt.datetime, rules: Rules) -> int:
    """Escalate the overdue tickets ``pks`` one tier in one transaction; returns how many moved.

    Checked on rows locked FOR UPDATE (in id order, the ticket rows only): a ticket that meanwhile was resolved,
    moved, taken or escalated by a concurrent run no longer matches the locked query (PostgreSQL re-evaluates it
    on the new row version) and is left alone; ``escalated_for_due_at`` takes the due time it was overdue for, so
    each overdue period escalates once, and a ticket already at national is only marked. Each ticket moved gets
    its AUTO_ESCALATE event (no actor), holding and audit entry. Writes are set-based: one UPDATE per target
    organisation, and bulk inserts of the holdings, events and audit entries."""
    from apps.core.models import AuditEntry

    auto_categories = [c for c, (_days, auto) in rules.items() if auto]
    tickets = list(
        Ticket.objects.select_for_update(of=("self",)).select_related("holder__parent__region")
        .filter(pk__in=pks, status__in=ACTIVE_STATUSES, due_at__lt=now, category__in=auto_categories)
        .exclude(escalated_for_due_at=F("due_at"))
        .order_by("pk")
    )
    tickets = [t for t in tickets if t.is_overdue(now) and t.escalated_for_due_at != t.due_at]
    if not tickets:
        return 0
    # a facility's parent is the county bureau of its region: one query for the whole batch
    county_codes = {t.holder.region_id for t in tickets if not t.holder.parent_id and t.holder.is_facility}
    counties = {o.code: o for o in Organisation.objects.filter(code__in=county_codes).select_related("region")} if county_codes else {}
    due = {c: due_time(c, now, rules) for c in {t.category for t in tickets}}

    at_top, by_target, holdings, events, audits = [], {}, [], [], []
    for t in tickets:
        holder = t.holder
        target = holder.parent if holder.parent_id else counties.get(holder.region_id) if holder.is_facility \
            else None
        if target is None:
            at_top.append(t.pk)
            continue
        by_target.setdefault(target, []).append(t.pk)
        new_due = due[t.category]
        note = (f"超过办理时限（{timezone.localtime(t.due_at):%Y-%m-%d %H:%M}）未办结，"
                f"由{holder.name}自动上报至{target.name}。")
        holdings.append(TicketHolding(ticket_id=t.pk, organisation=target, since=now,
                                      outside_region=TicketHolding.is_outside_region(t, target)))
        events.append(TicketEvent(ticket_id=t.pk, kind=EventKind.AUTO_ESCALATE, note=note, from_holder=holder,
                                  to_holder=target, from_status=t.status, to_status=Status.OPEN, due_at=new_due))
        audits.append(AuditEntry(
            action=f"coordination.ticket.{EventKind.AUTO_ESCALATE}", object_type=Ticket._meta.label_lower,
            object_id=str(t.pk), summary=f"{t.number} {EventKind.AUTO_ESCALATE.label}"[:255],
            data={"note": note[:200], "holder": target.code, "status": Status.OPEN},
        ))
    # SET escalated_for_due_at = due_at, due_at = …: the right-hand sides read the row before the update
    if at_top:
        Ticket.objects.filter(pk__in=at_top).update(escalated_for_due_at=F("due_at"), updated_at=now)
    new_due = Case(*(When(category=c, then=Value(d)) for c, d in due.items()),
                   output_field=Ticket._meta.get_field("due_at"))
    for target, ids in by_target.items():
        Ticket.objects.filter(pk__in=ids).update(
            escalated_for_due_at=F("due_at"), due_at=new_due, holder=target, holder_region_id=target.region_id,
            holder_tier=target.tier, held_since=now, status=Status.OPEN, updated_at=now,
        )
    TicketHolding.objects.bulk_create(holdings, ignore_conflicts=True)
    TicketEvent.objects.bulk_create(events)
    AuditEntry.objects.bulk_create(audits)
    return len(events)


# ---- attachments --------------------------------------------------------------------------------------

@transaction.atomic
def attach_file(*, actor: User | None, organisation: Organisation | None, ticket: Ticket,
                upload: UploadedFile) -> TicketAttachment:
    """Attach an uploaded file (≤ 5 MB; pdf, jpg, png, xlsx, docx, checked by name and content).

    The name as sent is kept for display and download (one line of at most 200 characters, no control
    characters); the stored file gets a name of our own, so an odd name (NUL, a lone surrogate, 200 Chinese
    characters = 600 bytes, more than a file system takes) never reaches the disk."""
    name = (getattr(upload, "name", "") or "")
    name = (name if isinstance(name, str) else "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    problem = text_error(name)
    if problem:
        raise ValidationFailed(_("文件名：%(problem)s") % {"problem": problem}, field="file")
    if len(name) > ATTACHMENT_NAME_MAX:
        raise ValidationFailed(_("文件名不能超过 %(max)s 个字符（现有 %(length)s 个）。")
                               % {"max": ATTACHMENT_NAME_MAX, "length": len(name)}, field="file")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationFailed(_("只能上传 PDF、JPG、PNG、XLSX、DOCX 文件。"), field="file")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(_("附件不能超过 5 MB。"), field="file")
    content_type, magics = ALLOWED_ATTACHMENT_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise ValidationFailed(_("文件内容与扩展名不符。"), field="file")
    ticket = _locked(ticket)
    check_action(ticket, organisation, "comment")
    attachment = TicketAttachment(ticket=ticket, name=name, size=upload.size, content_type=content_type,
                                  organisation=organisation,
                                  uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    attachment.file.save(f"{uuid.uuid4().hex}.{ext}", upload, save=False)
    attachment.save()
    _event(ticket, kind=EventKind.ATTACH, actor=actor, organisation=organisation, note=name,
           from_status=ticket.status)
    return attachment


__all__ = [
    "raise_ticket", "comment_ticket", "escalate_ticket", "transfer_ticket", "resolve_ticket", "reopen_ticket",
    "close_ticket", "escalate_overdue", "attach_file", "allowed_actions", "check_action", "can_see",
    "category_rules", "due_time", "parent_holder", "update_category_setting", "may_change_category_settings",
]
