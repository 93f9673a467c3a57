"""Scheduled duty of the supervision area (the schedule: apps/events/schedules.py): the nightly rule scan,
the same service as ``manage.py run_supervision``."""
from celery import shared_task

from apps.supervision import services


@shared_task(name="supervision.run_scan")
def run_scan() -> dict:
    """Nightly: the enabled rules over settlements received since the last full scan (idempotent)."""
    run = services.run_scan()
    return {"scan": run.pk, "flags_created": run.flags_created}
