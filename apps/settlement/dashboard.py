"""Start-page panels: clearing rows waiting on a province bureau, and the year's prepayments with their use."""
from django.urls import reverse
from django.utils import timezone

from apps.core.money import money

from .selectors import clearing_work_for, prepayments_for, share_of, usage_level


def panels(request, org) -> list[dict]:
    if org is None or not (org.tier == "province" or org.is_national):
        return []
    out = []
    changelist = reverse("admin:settlement_clearing_changelist")
    work = clearing_work_for(org)
    if work is not None:
        code = org.region_id
        out.append({"title": "月度清算待办", "items": [
            {"label": "待申报（本省垫付）", "value": work["to_declare"],
             "url": f"{changelist}?status__exact=draft&treatment_province={code}"},
            {"label": "逾期未申报", "value": work["overdue"], "level": "red" if work["overdue"] else None,
             "url": f"{changelist}?status__exact=draft&treatment_province={code}"},
            {"label": "待确认（本省参保）", "value": work["to_confirm"],
             "url": f"{changelist}?status__exact=declared&insured_province={code}"},
            {"label": "待拨付（本省参保）", "value": work["to_pay"],
             "url": f"{changelist}?status__exact=confirmed&insured_province={code}"},
        ]})
    year = timezone.localdate().year
    rows = list(prepayments_for(org, year))
    items = []
    for p in rows:
        share = share_of(p)
        level = usage_level(share)
        if org.is_national and level == "normal":
            continue  # national sees the warnings only
        items.append({
            "label": f"{p.insured_province.name} → {p.treatment_province.name}",
            "value": "—" if share is None else f"{share * 100:.1f}%（{money(p.used):,} / {p.amount:,}）",
            "level": None if level == "normal" else level,
            "url": reverse("admin:settlement_prepayment_changelist") + f"?year={year}",
        })
    items.sort(key=lambda i: {"red": 0, "yellow": 1}.get(i["level"], 2))
    out.append({"title": f"{year}年度预付金使用（黄≥70%，红≥90%）", "items": items[:20]})
    return out
