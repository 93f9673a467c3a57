"""Supervision writes: the scan that raises flags, and the cost-review workflow new → reviewing → confirmed/dismissed."""
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext as _, gettext_lazy

from apps.core import audit
from apps.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from apps.core.inputs import parse_decimal, text_error
from apps.regions.models import Organisation
from apps.regions.scope import covers_region, scoped

from . import rules as rule_sql
from .models import Flag, FlagEvent, FlagStatus, Rule, ScanRun
from .selectors import visible_evidence


def last_full_scan() -> ScanRun | None:
    return ScanRun.objects.filter(rules="", finished_at__isnull=False).order_by("-started_at").first()


def run_scan(*, since=None, rule_codes=None, actor=None, all_settlements: bool = False, report=None) -> ScanRun:
    """Run the enabled rules (or ``rule_codes``) over settlements received since ``since``.

    ``since`` defaults to the start of the last full scan (all settlements when there was none, or with
    ``all_settlements``). Each rule is one statement in its own transaction; ``report(code, count, seconds)``
    is called after each. Safe to repeat: the unique evidence key makes the inserts idempotent."""
    codes = list(rule_codes or [])
    unknown = sorted(set(codes) - set(rule_sql.RULES))
    if unknown:
        raise ValidationFailed(_("未知的规则编码：%(codes)s。") % {"codes": "、".join(unknown)}, field="rule")
    if since is None and not all_settlements:
        previous = last_full_scan()
        since = previous.started_at if previous else None
    run = ScanRun.objects.create(started_at=timezone.now(), since=since, rules=",".join(codes))
    selected = Rule.objects.filter(enabled=True, code__in=list(rule_sql.RULES))
    if codes:
        selected = selected.filter(code__in=codes)
    counts = {}
    for rule in selected.order_by("code"):
        began = time.monotonic()
        with transaction.atomic():
            counts[rule.code] = rule_sql.run_rule(rule, since)
        if report:
            report(rule.code, counts[rule.code], time.monotonic() - began)
    run.counts = counts
    run.flags_created = sum(counts.values())
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "flags_created", "finished_at"])
    audit.record(actor=actor, action="supervision.scan", obj=run,
                 summary=f"监管扫描新增可疑结算 {run.flags_created} 条", since=str(since or ""), counts=counts)
    return run


def _locked_flag(flag_id, organisation) -> Flag:
    """The flag under row lock, if ``organisation`` may see it (else 404); only the insured side may act (403)."""
    flag = scoped(Flag.objects.select_for_update(of=("self",)), organisation).filter(pk=flag_id).first()
    if flag is None:
        raise NotFound(_("未找到该可疑结算。"))
    if not covers_region(organisation, flag.insured_region_id):
        raise NotAllowed(_("只有参保地经办机构可以发起协查或作出结论。"))
    return flag


# What a partner is told when the flag's status does not allow the step (409); the status is shown by its label
# in Chinese and by its code (new, reviewing, confirmed, dismissed) in English.
REFUSALS = {
    "request_review": gettext_lazy("该可疑结算当前为“%(status)s”，不能再发起协查。"),
    "confirm": gettext_lazy("该可疑结算当前为“%(status)s”，须经协查后才能确认违规。"),
    "dismiss": gettext_lazy("该可疑结算当前为“%(status)s”，已办结。"),
}


def _refuse(flag, step: str):
    label = flag.get_status_display() if (get_language() or "zh").startswith("zh") else flag.status
    raise Conflict(REFUSALS[step] % {"status": label})


def _note(note, field: str = "note") -> str:
    """A free-text note as given (trimmed); control characters and lone surrogates are refused (400)."""
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ValidationFailed(_("说明应为文本。"), field=field)
    problem = text_error(note, multiline=True)
    if problem:
        raise ValidationFailed(problem, field=field)
    return note.strip()


def _amount(value) -> Decimal:
    """The amount to recover as given by a form or a partner: a plain decimal string (or integer) with at most two
    places — no float, exponent, full-width digit, NaN or -0.00 (``apps.core.inputs.parse_decimal``)."""
    amount = parse_decimal(value)
    if amount is None or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(_("追回金额格式不正确，请填写最多两位小数的金额，例如 1234.50。"),
                               field="amount_recovered")
    return amount.quantize(Decimal("0.01"))


def _event(flag, *, actor, organisation, from_status, note=""):
    FlagEvent.objects.create(flag=flag, actor=actor if getattr(actor, "is_authenticated", False) else None,
                             organisation=organisation, from_status=from_status, to_status=flag.status, note=note)


@transaction.atomic
def request_review(*, flag_id, actor, organisation, note: str = "") -> Flag:
    """Open a cost-review ticket (费用协查) to the treatment region's bureau; the flag moves to ``reviewing``."""
    from apps.coordination.services import raise_ticket

    note = _note(note)
    flag = _locked_flag(flag_id, organisation)
    if flag.status != FlagStatus.NEW:
        _refuse(flag, "request_review")
    settlement = flag.settlement
    holder = Organisation.objects.filter(code=settlement.treatment_region_id).first()
    if holder is None:
        raise Conflict(_("就医地（%(region)s）没有经办机构，无法发起协查。")
                       % {"region": settlement.treatment_region_id})
    description = review_description(flag, note=note)
    ticket = raise_ticket(actor=actor, organisation=organisation, category="cost_review",
                          title=f"费用协查：{flag.rule.name} · {settlement.number}", description=description,
                          settlement=settlement, holder=holder)
    before = flag.status
    flag.status, flag.ticket = FlagStatus.REVIEWING, ticket
    flag.save(update_fields=["status", "ticket"])
    _event(flag, actor=actor, organisation=organisation, from_status=before, note=f"协查工单 {ticket.number}")
    audit.record(actor=actor, organisation=organisation, action="supervision.request_review", obj=flag,
                 summary=f"可疑结算 {settlement.number} 发起费用协查，工单 {ticket.number}", ticket=ticket.number)
    return flag


@transaction.atomic
def conclude(*, flag_id, actor, organisation, outcome: str, amount_recovered=None, note: str = "") -> Flag:
    """Conclude a flag: ``confirmed`` (after a review, with the amount to recover) or ``dismissed`` (with a note).

    A flag under review also gets its conclusion on the cost-review ticket, in the same transaction (the raiser
    closes the ticket with it; see ``_conclusion_on_ticket``)."""
    if outcome not in (FlagStatus.CONFIRMED, FlagStatus.DISMISSED):
        raise ValidationFailed(_("结论应为 confirmed（确认违规）或 dismissed（排除）。"), field="outcome")
    note = _note(note)
    given = None
    if outcome == FlagStatus.CONFIRMED and amount_recovered not in (None, ""):
        given = _amount(amount_recovered)  # a malformed amount is refused whatever the flag's status
    flag = _locked_flag(flag_id, organisation)
    if outcome == FlagStatus.CONFIRMED:
        if flag.status != FlagStatus.REVIEWING:
            _refuse(flag, "confirm")
        if given is None:
            raise ValidationFailed(_("确认违规时请填写追回金额。"), field="amount_recovered")
        amount = given
        if amount < 0 or amount > flag.settlement.total_amount:
            raise ValidationFailed(_("追回金额应在 0 至医疗总费用 %(total)s 元之间。")
                                   % {"total": flag.settlement.total_amount}, field="amount_recovered")
    else:
        if flag.status not in (FlagStatus.NEW, FlagStatus.REVIEWING):
            _refuse(flag, "dismiss")
        if not note:
            raise ValidationFailed(_("排除时请说明理由。"), field="note")
        amount = None
    before = flag.status
    flag.status, flag.amount_recovered, flag.note, flag.concluded_at = outcome, amount, note, timezone.now()
    flag.save(update_fields=["status", "amount_recovered", "note", "concluded_at"])
    trace = _conclusion_on_ticket(flag, actor=actor, organisation=organisation) if flag.ticket_id else ""
    _event(flag, actor=actor, organisation=organisation, from_status=before,
           note="\n".join(part for part in (note, trace) if part))
    audit.record(actor=actor, organisation=organisation, action=f"supervision.{outcome}", obj=flag,
                 summary=f"可疑结算 {flag.settlement.number} {flag.get_status_display()}"
                         + (f"，追回 {amount} 元" if amount is not None else ""),
                 amount_recovered=str(amount or ""), ticket=trace)
    return flag


def review_description(flag, *, note: str = "") -> str:
    """The cost-review ticket's description. It is stored and read by every organisation the ticket reaches (the
    raiser, the holder, the tiers it is escalated to, a bureau it is transferred to), so its evidence is what any
    of them may know: a related settlement by kind and dates only (``visible_evidence(flag, None)``); each reader
    sees the whole evidence their scope allows on the flag's own page."""
    settlement = flag.settlement
    return (
        f"参保地请就医地对结算 {settlement.number} 开展费用协查。\n"
        f"规则：{flag.rule.name}（{flag.rule_id}）；证据：{visible_evidence(flag, None).text()}\n"
        f"完整证据见可疑结算 #{flag.pk}（各机构按本机构查看范围显示）。"
        + (f"\n说明：{note}" if note else "")
    )


def conclusion_text(flag) -> str:
    """The conclusion as the cost-review ticket's timeline shows it: outcome, amount recovered, note."""
    text = f"费用协查结论：可疑结算 {flag.settlement.number}（{flag.rule.name}）{flag.get_status_display()}"
    if flag.amount_recovered is not None:
        text += f"，追回金额 {flag.amount_recovered} 元"
    return text + "。" + (f"说明：{flag.note}" if flag.note else "")


def _conclusion_on_ticket(flag, *, actor, organisation) -> str:
    """Put the conclusion on the flag's cost-review ticket, in the caller's transaction; what was done, for the
    flag's own event.

    The raiser (who asked for the review) closes the ticket with the conclusion: the question is answered, and
    an open ticket would keep running its time limit at the treatment side and escalate a settled matter.
    An organisation above the raiser cannot close it (coordination: only the raiser closes), so it adds the
    conclusion as a reply and leaves the closing to the raiser. An organisation that may not see the ticket
    cannot conclude (403: the conclusion would leave no trace). A ticket already closed takes no more replies;
    the conclusion then stands on the flag alone, which its event says."""
    from apps.coordination import services as coordination
    from apps.coordination.models import Status, Ticket

    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("holder", "raised_by")
              .get(pk=flag.ticket_id))
    if ticket.status == Status.CLOSED:
        return f"协查工单 {ticket.number} 已关闭，结论未写入工单。"
    try:
        coordination.check_action(ticket, organisation, "comment")
    except NotAllowed:
        raise NotAllowed(_("该可疑结算的协查工单 %(ticket)s 由%(raiser)s发起，本机构无权在工单上记录结论，"
                           "请由发起机构或其上级机构作出结论。")
                         % {"ticket": ticket.number, "raiser": ticket.raised_by.name}) from None
    text = conclusion_text(flag)
    others_pending = ticket.flags.exclude(pk=flag.pk).filter(
        status__in=(FlagStatus.NEW, FlagStatus.REVIEWING)).exists()
    if not others_pending and "close" in coordination.allowed_actions(ticket, organisation):
        coordination.close_ticket(actor=actor, organisation=organisation, ticket=ticket, note=text)
        return f"协查工单 {ticket.number} 已记录结论并关闭。"
    coordination.comment_ticket(actor=actor, organisation=organisation, ticket=ticket, note=text)
    return f"结论已记录在协查工单 {ticket.number}。"
