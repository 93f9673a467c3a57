"""Scheduled duties of the settlement area (the schedule: apps/events/schedules.py): the clearing deadline
reminder to the treatment province, and the prepayment warning to both provinces of a pair."""
import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.events.services import record_event
from apps.settlement.api.serializers import ClearingSerializer, PrepaymentSerializer
from apps.settlement.models import Clearing, ClearingStatus, Prepayment
from apps.settlement.selectors import share_of, usage_level, with_usage

CLEARING_NOTICE_DAYS = 3
WARNING_LABELS = {"yellow": "黄色", "red": "红色"}


def _day(today) -> dt.date:
    if today is None:
        return timezone.localdate()
    return today if isinstance(today, dt.date) else dt.date.fromisoformat(today)


@shared_task(name="settlement.remind_clearing_deadlines")
def remind_clearing_deadlines(today=None) -> int:
    """Daily: a ``clearing.declare_due`` event to the treatment province for each draft clearing row whose
    declaration is due within three days — once per row and due date."""
    day = _day(today)
    rows = (Clearing.objects.filter(status=ClearingStatus.DRAFT,
                                    declare_due__range=(day, day + dt.timedelta(days=CLEARING_NOTICE_DAYS)))
            .select_related("insured_province", "treatment_province").order_by("pk"))
    recorded = 0
    for row in rows.iterator(chunk_size=500):
        with transaction.atomic():
            event = record_event(
                "clearing.declare_due", obj=row, organisation=row.treatment_province_id,
                regions=[row.insured_province_id, row.treatment_province_id], data=ClearingSerializer(row).data,
                summary=f"{row.period:%Y-%m} {row.insured_province.name}→{row.treatment_province.name}："
                        f"申报截止 {row.declare_due:%Y-%m-%d}",
                dedupe_key=f"clearing.declare_due:{row.pk}:{row.declare_due}")
        recorded += event is not None
    return recorded


@shared_task(name="settlement.prepayment_warnings")
def prepayment_warnings(today=None) -> int:
    """Daily: a ``prepayment.warning`` event to both provinces when a pair's use of this year's prepayment
    reaches the yellow or the red line — once per prepayment and level."""
    day = _day(today)
    rows = with_usage(Prepayment.objects.filter(year=day.year)
                      .select_related("insured_province", "treatment_province")).order_by("pk")
    recorded = 0
    for prepayment in rows:
        share = share_of(prepayment)
        level = usage_level(share)
        if level not in WARNING_LABELS:
            continue
        pair = [prepayment.insured_province_id, prepayment.treatment_province_id]
        with transaction.atomic():
            event = record_event(
                "prepayment.warning", obj=prepayment, organisation=pair, regions=pair,
                data=PrepaymentSerializer(prepayment).data,
                summary=f"{prepayment.year} 年 {prepayment.insured_province.name}→{prepayment.treatment_province.name}"
                        f" 预付金已使用 {share:.0%}（{WARNING_LABELS[level]}预警）",
                dedupe_key=f"prepayment.warning:{prepayment.pk}:{level}")
        recorded += event is not None
    return recorded
