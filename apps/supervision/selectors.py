"""Supervision reads: flags in an organisation's scope, flags of one settlement, what a reader may see of a flag's
evidence, and recovery totals."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Count, Exists, OuterRef, Q, Sum, Value

from apps.regions.scope import scoped

from .models import Flag, FlagStatus


class _Unrestricted:
    """The reader who may open every settlement: a superuser who acts for no organisation (as the admin's scope
    treats one). Only the admin passes it; everything else passes the reader's organisation."""

    def __repr__(self):
        return "UNRESTRICTED"


UNRESTRICTED = _Unrestricted()


def flags_for(org):
    """Flags ``org`` may see, with what a list shows."""
    return scoped(Flag.objects.all(), org).select_related("rule", "settlement", "insured_region",
                                                          "treatment_region", "facility", "ticket")


def flags_for_settlement(settlement, org=None):
    """Why a settlement was flagged: its flags, newest first, with rule and ticket (for the settlement page).

    Pass ``org`` to limit to what that organisation may see (the settlement page is already scoped)."""
    qs = Flag.objects.filter(settlement=settlement).select_related("rule", "ticket").order_by("-id")
    return scoped(qs, org) if org is not None and org is not UNRESTRICTED else qs


# The evidence keys that name another settlement by its number (the pair rules: overlapping stays, same day in two
# cities, duplicate, readmission). Every key under the same prefix (``other_facility``, ``previous_discharge``)
# describes that settlement.
RELATED_KEYS = ("other", "previous")
# What anyone who may read the flag may know of the related settlement: what kind of record it is and its dates.
# Every other key describing it — its number, facility, region, amounts, and whatever a rule adds later under the
# prefix — is withheld from a reader who may not open that settlement (it would answer them 404).
RELATED_SAFE_KEYS = frozenset({"other_start", "other_end", "previous_discharge"})


def _describes(key: str, related_key: str) -> bool:
    return key == related_key or key.startswith(f"{related_key}_")


@dataclass(frozen=True)
class Related:
    """A settlement named in some evidence, and whether the reader may open it."""

    number: str
    pk: int
    visit_type: str
    start: dt.date
    end: dt.date
    may_open: bool


def related_settlements(flags, org) -> dict[tuple[str, str], Related]:
    """The settlements the evidence of ``flags`` names, by (facility code, number) — numbers are unique per facility
    only — each with whether ``org`` may open it, in one query however many flags (a list page), decided by the
    scope mechanism itself (``scoped``).

    ``org`` None opens none of them (what any reader may know); :data:`UNRESTRICTED` opens all."""
    from apps.settlement.models import Settlement

    refs = {ref for flag in flags for ref in evidence_refs(flag).values() if isinstance(ref[1], str)}
    if not refs:
        return {}
    if org is UNRESTRICTED:
        may_open = Value(True, output_field=BooleanField())
    elif org is None:
        may_open = Value(False, output_field=BooleanField())
    else:
        may_open = Exists(scoped(Settlement.objects.filter(pk=OuterRef("pk")), org))
    rows = (Settlement.objects.filter(number__in={n for _, n in refs}).annotate(may_open=may_open)
            .values_list("facility_id", "number", "pk", "visit_type", "service_start", "service_end", "may_open"))
    return {(row[0], row[1]): Related(*row[1:]) for row in rows if (row[0], row[1]) in refs}


@dataclass(frozen=True)
class Evidence:
    """A flag's evidence as one reader may see it.

    ``detail``: the evidence object for the API (the stored evidence, with what the reader may not see set to null,
    those keys listed under ``withheld``, and the related settlement's kind as ``<key>_visit_type``);
    ``items``: ``(key, Chinese label, shown value)`` for people; ``links``: related settlement pks the reader may
    open, by evidence key."""

    detail: dict
    items: list = field(default_factory=list)
    links: dict = field(default_factory=dict)

    def text(self) -> str:
        """The evidence on one line, for ticket descriptions and the settlement page."""
        return "；".join(f"{label}：{value}" for _, label, value in self.items)


def _dates(start, end) -> str:
    if start is None:
        return ""
    return f"{start:%Y-%m-%d}" if end in (None, start) else f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


def _unseen_record(row: Related | None, org) -> str:
    """What may be said of a related settlement the reader may not open: its kind and dates, never its number,
    facility or amounts."""
    kind = EVIDENCE_VALUES.get(row.visit_type, "") if row else ""
    when = _dates(row.start, row.end) if row else ""
    why = "此处不显示其编号和机构" if org is None else "不在本机构查看范围内，不显示其编号和机构"
    return f"另一条{kind}结算记录" + (f"，{when}" if when else "") + f"（{why}）"


def visible_evidence(flag, org, related: dict[tuple[str, str], Related] | None = None) -> Evidence:
    """The one place that decides what ``org`` may see of ``flag``'s evidence; every renderer calls it (the flags
    API, the flag page, the settlement page's flag block, the cost-review ticket text).

    Evidence about a settlement ``org`` may open is shown whole; about one it may not (another region's claim, it
    would answer 404), only the kind of record and its dates. ``org`` None is "whoever may read it" (stored text
    such as a ticket, read by organisations that change as it is escalated or transferred): no related settlement
    is named. Pass ``related`` (from :func:`related_settlements` over a whole page) to save the query."""
    detail = dict(flag.detail or {})
    if related is None:
        related = related_settlements([flag], org)
    shown, withheld, hidden, links = dict(detail), [], {}, {}
    refs = evidence_refs(flag)
    for key in RELATED_KEYS:
        number = detail.get(key)
        if number in (None, ""):
            continue
        row = related.get(refs[key]) if isinstance(number, str) and key in refs else None
        if row is not None:
            shown[f"{key}_visit_type"] = row.visit_type
        if row is not None and row.may_open:
            links[key] = row.pk
            continue
        hidden[key] = row
        for k in detail:
            if _describes(k, key) and k not in RELATED_SAFE_KEYS:
                shown[k] = None
                withheld.append(k)
    if withheld:
        shown["withheld"] = withheld
    items = []
    for key, value in detail.items():
        if key in hidden:
            items.append((key, EVIDENCE_LABELS.get(key, key), _unseen_record(hidden[key], org)))
            continue
        if key in withheld or value in (None, ""):
            continue
        label = EVIDENCE_LABELS.get(key, key)
        items.append((key, label, EVIDENCE_VALUES.get(value, value) if isinstance(value, str) else value))
    return Evidence(detail=shown, items=items, links=links)


def visible_evidence_many(flags, org) -> dict[int, Evidence]:
    """:func:`visible_evidence` for a page of flags, by flag pk, with one query for all their related settlements."""
    flags = list(flags)
    related = related_settlements(flags, org)
    return {flag.pk: visible_evidence(flag, org, related) for flag in flags}


def evidence_refs(flag) -> dict[str, tuple[str, str]]:
    """{evidence key: (facility code, number)} of the other settlements a flag's evidence names. Numbers are unique
    per facility only, so a number alone does not name a settlement: pair rules record the partner's facility
    (``other_facility``), or the partner is at the flagged settlement's own facility (duplicate, readmission)."""
    detail = flag.detail or {}
    facility = detail.get("other_facility") or detail.get("facility") or flag.facility_id
    return {k: (facility if k == "other" else flag.facility_id, detail[k]) for k in ("other", "previous")
            if detail.get(k)}


# What each key of a flag's evidence means, in the words of the people who read it.
EVIDENCE_LABELS = {
    "reason": "原因", "registration": "备案", "registration_start": "备案开始", "registration_end": "备案结束",
    "service_start": "就诊/入院日期", "fund_paid": "统筹基金支付", "other": "关联结算", "previous": "前次结算",
    "other_start": "关联结算开始", "other_end": "关联结算结束", "overlap_days": "重叠天数", "day": "日期",
    "region": "就医地", "other_region": "关联就医地", "other_facility": "关联机构", "facility": "机构",
    "visits_in_window": "期间就诊次数", "window_days": "统计天数", "max_visits": "次数上限",
    "window_from": "统计起", "window_to": "统计止", "days_in_window": "期间天数", "drug": "药品",
    "purchases": "购药次数", "tolerance_days": "容差天数", "admission": "入院日期",
    "previous_discharge": "前次出院日期", "gap_days": "间隔天数", "max_gap_days": "间隔上限",
    "disease_code": "病种编码", "visit_type": "就诊类型", "facility_level": "机构等级", "peer_count": "同类样本数",
    "peer_mean": "同类均值", "peer_stddev": "同类标准差", "ratio": "倍数阈值", "z": "标准差阈值",
    "total_amount": "医疗总费用", "threshold": "金额阈值", "item": "项目编码", "item_name": "项目名称",
    "sex": "性别", "age": "年龄", "allowed_sex": "限定性别", "min_age": "最小年龄", "max_age": "最大年龄",
}
EVIDENCE_VALUES = {
    "no_registration": "无备案", "registration_not_approved": "备案未批准", "outside_validity": "不在备案有效期内",
    "inpatient_not_opened": "未开通跨省住院结算", "outpatient_not_opened": "未开通跨省普通门诊结算",
    "disease_not_confirmed": "该门诊慢特病未经确认", "inpatient": "住院", "outpatient": "普通门诊",
    "chronic": "门诊慢特病", "pharmacy": "药店购药", "M": "男", "F": "女",
}


def evidence_items(flag, org) -> list[tuple[str, str, object]]:
    """``flag``'s evidence as ``org`` may see it: ``(key, Chinese label, value)``, empty values left out, codes
    spelled out."""
    return visible_evidence(flag, org).items


def evidence_text(flag, org) -> str:
    """``flag``'s evidence as ``org`` may see it, on one line."""
    return visible_evidence(flag, org).text()


def status_totals(org) -> dict:
    """Counts by status and the confirmed recoveries within ``org``'s scope (one aggregate query)."""
    row = scoped(Flag.objects.all(), org).aggregate(
        new=Count("id", filter=Q(status=FlagStatus.NEW)),
        reviewing=Count("id", filter=Q(status=FlagStatus.REVIEWING)),
        confirmed=Count("id", filter=Q(status=FlagStatus.CONFIRMED)),
        recovered=Sum("amount_recovered", filter=Q(status=FlagStatus.CONFIRMED)),
    )
    row["recovered"] = row["recovered"] or Decimal("0.00")
    return row
