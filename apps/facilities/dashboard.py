"""Start-page panel: the organisation's cross-province outpatient coverage (or, for a facility, its services)."""
from django.urls import reverse

from . import selectors
from .models import DiseaseServiceStatus, Facility, FacilityDisease

TITLE = "跨省普通门诊直接结算县域覆盖"


def _level(row) -> str:
    if row.meets_100:
        return "normal"
    return "yellow" if row.meets_60 else "red"


def panels(request, org) -> list[dict]:
    if org.is_facility:
        facility = Facility.objects.filter(code=org.code).first()
        if facility is None:
            return []
        confirmed = FacilityDisease.objects.filter(facility=facility, status=DiseaseServiceStatus.CONFIRMED)
        return [{"title": "本机构跨省直接结算服务", "items": [
            {"label": "跨省住院", "value": "已开通" if facility.inpatient else "未开通"},
            {"label": "跨省普通门诊", "value": "已开通" if facility.outpatient else "未开通"},
            {"label": "已确认门诊慢特病", "value": "、".join(confirmed.values_list("disease_id", flat=True)) or "无"},
        ]}]
    url = reverse("admin:facilities_coverage")
    row = selectors.organisation_coverage(org)
    items = [{"label": f"{row.name} 县级行政区覆盖率", "value": f"{row.share}%（{row.covered}/{row.counties}）",
              "url": url, "level": _level(row)}]
    if org.is_national:
        provinces = selectors.provinces_coverage()
        items.append({"label": "达到 60% 目标的省份", "value": f"{sum(p.meets_60 for p in provinces)}/{len(provinces)}",
                      "url": url})
        items.append({"label": "达到 100% 目标的省份", "value": f"{sum(p.meets_100 for p in provinces)}/{len(provinces)}",
                      "url": url})
    pending = selectors.pending_services_count(org)
    if pending:
        items.append({"label": "待确认的门诊慢特病开通", "value": pending, "level": "yellow",
                      "url": reverse("admin:facilities_facilitydisease_changelist") + "?status=pending"})
    return [{"title": TITLE, "items": items}]
