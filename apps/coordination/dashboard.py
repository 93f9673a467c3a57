"""Start-page counts for coordination tickets: held by us, overdue, raised by us and still open."""
from django.urls import reverse

from . import selectors


def panels(request, org) -> list[dict]:
    counts = selectors.inbox_counts(org)
    shown = {box: counts[box] if counts[box] <= selectors.COUNT_CAP else selectors.show_count(counts[box])
             for box in counts}
    url = reverse("admin:coordination_ticket_changelist")
    return [{
        "title": "协同工单",
        "items": [
            {"label": "我方承办待办", "value": shown["held"], "url": f"{url}?box=held"},
            {"label": "我方承办已超时", "value": shown["overdue"], "url": f"{url}?box=overdue",
             "level": "red" if counts["overdue"] else "normal"},
            {"label": "我方发起未关闭", "value": shown["raised"], "url": f"{url}?box=raised"},
        ],
    }]
