"""Supervision reads: flags in an organisation's scope, flags of one settlement, and recovery totals."""
from decimal import Decimal

from django.db.models import Count, Q, Sum

from apps.regions.scope import scoped

from .models import Flag, FlagStatus


def flags_for(org):
    """Flags ``org`` may see, with what a list shows."""
    return scoped(Flag.objects.all(), org).select_related("rule", "settlement", "insured_region",
                                                          "treatment_region", "facility", "ticket")


def flags_for_settlement(settlement, org=None):
    """Why a settlement was flagged: its flags, newest first, with rule and ticket (for the settlement page).

    Pass ``org`` to limit to what that organisation may see (the settlement page is already scoped)."""
    qs = Flag.objects.filter(settlement=settlement).select_related("rule", "ticket").order_by("-id")
    return scoped(qs, org) if org is not None else qs


def evidence_numbers(flag) -> list[str]:
    """The other settlements a flag's evidence names (pair rules put the paired number in the evidence)."""
    detail = flag.detail or {}
    return [detail[k] for k in ("other", "previous") if detail.get(k)]


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


def evidence_items(detail: dict | None) -> list[tuple[str, str, object]]:
    """A flag's evidence as ``(key, Chinese label, value)``, empty values left out, codes spelled out."""
    out = []
    for key, value in (detail or {}).items():
        if value in (None, ""):
            continue
        shown = EVIDENCE_VALUES.get(value, value) if isinstance(value, str) else value
        out.append((key, EVIDENCE_LABELS.get(key, key), shown))
    return out


def evidence_text(detail: dict | None) -> str:
    """The evidence on one line, for ticket descriptions and the settlement page."""
    return "；".join(f"{label}：{value}" for _, label, value in evidence_items(detail))


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
