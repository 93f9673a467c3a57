"""Start-page panel: registrations waiting for this organisation, each linking to the filtered admin list."""
from django.urls import reverse
from django.utils import timezone

from .models import Registration, Status
from .selectors import as_insured_side, documents_overdue_q

LIMIT = 10000  # counts are bounded: "10000+" is enough to know the queue is long


def _bounded_count(qs) -> str:
    n = qs[: LIMIT + 1].count()
    return f"{LIMIT}+" if n > LIMIT else str(n)


def panels(request, org) -> list[dict]:
    if org is None or org.is_facility:
        return []
    url = reverse("admin:registration_registration_changelist")
    today = timezone.localdate()
    mine = as_insured_side(Registration.objects.all(), org)
    waiting = _bounded_count(mine.filter(status=Status.SUBMITTED))
    overdue = _bounded_count(mine.filter(documents_overdue_q(today)))
    return [{
        "title": "异地就医备案",
        "items": [
            {"label": "待审核（本机构为参保地）", "value": waiting,
             "url": f"{url}?status__exact=submitted&side=insured", "level": "yellow" if waiting != "0" else None},
            {"label": "补交材料已逾期", "value": overdue, "url": f"{url}?documents=overdue&side=insured",
             "level": "red" if overdue != "0" else None},
        ],
    }]
