"""Start-page panel of the operations engine: unread notifications and running jobs of the signed-in user
(collected once "events" is listed in apps/core/admin_site.py DASHBOARD_AREAS)."""
from django.urls import reverse

from .models import Job, JobStatus, Notification


def panels(request, org) -> list[dict]:
    user = request.user
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    running = Job.objects.filter(user=user, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).count()
    return [{"title": "消息与任务", "items": [
        {"label": "未读通知", "value": unread, "url": reverse("admin:events_notification_changelist"),
         "level": "yellow" if unread else "normal"},
        {"label": "进行中的任务", "value": running, "url": reverse("admin:events_job_changelist")},
    ]}]
