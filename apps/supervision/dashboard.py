"""Start-page panel: flags waiting in scope and the confirmed recoveries (one aggregate query)."""
from django.urls import reverse

from apps.core.money import money

from .selectors import status_totals


def panels(request, org) -> list[dict]:
    totals = status_totals(org)
    url = reverse("admin:supervision_flag_changelist")
    return [{
        "title": "监管：可疑结算",
        "items": [
            {"label": "待处理", "value": totals["new"], "url": f"{url}?status__exact=new",
             "level": "yellow" if totals["new"] else "normal"},
            {"label": "协查中", "value": totals["reviewing"], "url": f"{url}?status__exact=reviewing"},
            {"label": "已确认违规", "value": totals["confirmed"], "url": f"{url}?status__exact=confirmed"},
            {"label": "已确认追回金额（元）", "value": f"{money(totals['recovered']):,}"},
        ],
    }]
