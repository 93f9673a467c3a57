"""Scheduled duties and long jobs of the registration area (the schedule: apps/events/schedules.py).

The nightly expiry calls the same services as ``manage.py expire_registrations``; the reminders record a
``registration.expiring`` / ``registration.documents_due`` event once per registration and date, which
tells the insured person by SMS (the template is data) and the subscribers by webhook."""
import csv
import datetime as dt
import io

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.events.jobs import job_kind
from apps.events.services import record_event
from apps.registration import selectors, services
from apps.registration.api.serializers import RegistrationSerializer
from apps.registration.models import Registration, Status

# Reminders look back this many days too, so a night the schedule missed is made up the next day.
CATCH_UP_DAYS = 3
EXPIRY_NOTICE_DAYS = 30
DOCUMENTS_NOTICE_DAYS = 7


def _day(today) -> dt.date:
    if today is None:
        return timezone.localdate()
    return today if isinstance(today, dt.date) else dt.date.fromisoformat(today)


@shared_task(name="registration.expire_registrations")
def expire_registrations(today=None) -> dict:
    """Nightly: approved registrations past their end date expire; persons with overdue owed documents lose
    the commitment route (the same two services as the command)."""
    day = _day(today)
    return {"expired": services.expire_registrations(day), "banned": services.ban_overdue_commitments(day)}


def _remind(queryset, *, event: str, due_field: str) -> int:
    """One event per registration and due date (the dedupe key), each in its own short transaction."""
    recorded = 0
    rows = queryset.select_related("person").prefetch_related("events__organisation").order_by("pk")
    for registration in rows.iterator(chunk_size=500):
        due = getattr(registration, due_field)
        with transaction.atomic():
            row = record_event(
                event, obj=registration, regions=[registration.insured_region_id, registration.destination_region_id],
                data=RegistrationSerializer(registration).data, sms_to=registration.person.phone,
                summary=f"{registration.reference}：{due:%Y-%m-%d}", dedupe_key=f"{event}:{registration.pk}:{due}")
        recorded += row is not None
    return recorded


@shared_task(name="registration.remind_expiring")
def remind_expiring(today=None) -> int:
    """Daily: approved registrations whose validity ends in 30 days (or a few days less, if missed)."""
    day = _day(today)
    last = day + dt.timedelta(days=EXPIRY_NOTICE_DAYS)
    rows = Registration.objects.filter(status=Status.APPROVED,
                                       end_date__range=(last - dt.timedelta(days=CATCH_UP_DAYS), last))
    return _remind(rows, event="registration.expiring", due_field="end_date")


@shared_task(name="registration.remind_documents_due")
def remind_documents_due(today=None) -> int:
    """Daily: registrations whose owed documents (容缺后补) fall due in 7 days (or a few days less)."""
    day = _day(today)
    last = day + dt.timedelta(days=DOCUMENTS_NOTICE_DAYS)
    rows = (Registration.objects.filter(documents_due__range=(last - dt.timedelta(days=CATCH_UP_DAYS), last),
                                        documents_supplied_at__isnull=True,
                                        status__in=[Status.SUBMITTED, Status.APPROVED])
            .exclude(documents_owed=""))
    return _remind(rows, event="registration.documents_due", due_field="documents_due")


# --- long jobs -----------------------------------------------------------------------------------------

EXPORT_COLUMNS = ["备案编号", "状态", "类别", "身份证号码（脱敏）", "姓名", "参保地", "就医地", "有效期开始", "有效期结束",
                  "提交时间"]


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@job_kind("registration.export", "导出备案（CSV）", allowed=lambda org: not org.is_facility)
def export_registrations(job, progress):
    """The registrations in the organisation's scope (optionally of one ``status``), ID numbers masked."""
    from apps.core.errors import DomainError

    rows = selectors.registrations_for(job.organisation).order_by("pk")
    status = job.params.get("status")
    if status:
        if status not in Status.values:
            raise DomainError("导出条件中的状态无效。")
        rows = rows.filter(status=status)
    total = rows.count()
    progress(0, total)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for done, r in enumerate(rows.iterator(chunk_size=2000), start=1):
        writer.writerow([_cell(v) for v in (
            r.reference, r.get_status_display(), r.get_category_display(), r.person.masked_id, r.person.name,
            r.insured_region.name, r.destination_region.name, r.start_date, r.end_date or "长期",
            timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"))])
        progress(done, total)
    return f"registrations-{timezone.localdate():%Y%m%d}.csv", ("\ufeff" + out.getvalue()).encode("utf-8")
