"""The scheduled duties, as data: what celery beat runs and when (times are China time).

``install`` creates the missing ones as django-celery-beat PeriodicTasks (the data migration and
``manage.py sync_schedules`` call it); national staff then change times or switch duties off in the admin,
and a later install leaves those edits alone (``reset=True`` restores the defaults)."""
from dataclasses import dataclass, field

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Duty:
    name: str  # the PeriodicTask's name, shown in the admin
    task: str  # the Celery task name
    description: str
    crontab: dict = field(default_factory=dict)  # minute/hour/day_of_week/day_of_month/month_of_year
    every_seconds: int | None = None


DUTIES = [
    Duty("备案到期处理", "registration.expire_registrations",
         "每晚：有效期届满的备案置为已到期；逾期未补交材料者限制承诺制备案。",
         crontab={"minute": "30", "hour": "0"}),
    Duty("超时工单自动上报", "coordination.escalate_overdue",
         "每15分钟：超过办理时限的工单按类别设置上报上一级。", every_seconds=15 * 60),
    Duty("工单即将到期提醒", "coordination.remind_due_soon",
         "每小时：一个工作日内到期的工单提醒承办机构。", crontab={"minute": "5"}),
    Duty("监管规则扫描", "supervision.run_scan",
         "每晚：对新接收的结算运行监管规则，写入可疑结算。", crontab={"minute": "0", "hour": "2"}),
    Duty("清算申报截止提醒", "settlement.remind_clearing_deadlines",
         "每日：申报截止日临近而仍为草稿的清算提醒就医省。", crontab={"minute": "0", "hour": "8"}),
    Duty("备案到期前30天提醒", "registration.remind_expiring",
         "每日：30天内到期的备案短信告知参保人。", crontab={"minute": "0", "hour": "9"}),
    Duty("待补材料到期前7天提醒", "registration.remind_documents_due",
         "每日：7天内到补交截止日的备案短信告知参保人。", crontab={"minute": "10", "hour": "9"}),
    Duty("预付金使用预警", "settlement.prepayment_warnings",
         "每日：预付金使用达到黄色或红色预警线时提醒两省。", crontab={"minute": "30", "hour": "7"}),
    Duty("事件投递巡检", "events.sweep",
         "每分钟：补发提交后未及分发的事件、到期的推送重试和未发出的短信。", every_seconds=60),
]


def _schedule(duty: Duty, models) -> dict:
    if duty.every_seconds:
        interval, _ = models["IntervalSchedule"].objects.get_or_create(every=duty.every_seconds, period="seconds")
        return {"interval": interval, "crontab": None}
    values = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*",
              **duty.crontab}
    crontab, _ = models["CrontabSchedule"].objects.get_or_create(timezone=TIMEZONE, **values)
    return {"crontab": crontab, "interval": None}


def install(models: dict | None = None, *, reset: bool = False) -> tuple[int, int]:
    """Create each duty's PeriodicTask if missing (``reset``: also restore its default schedule and switch it
    on). ``models`` are the django-celery-beat classes (historical ones from a migration). Returns
    (created, updated)."""
    if models is None:
        from django_celery_beat import models as beat

        models = {"PeriodicTask": beat.PeriodicTask, "CrontabSchedule": beat.CrontabSchedule,
                  "IntervalSchedule": beat.IntervalSchedule, "PeriodicTasks": beat.PeriodicTasks}
    created = updated = 0
    for duty in DUTIES:
        task = models["PeriodicTask"].objects.filter(name=duty.name).first()
        if task is None:
            models["PeriodicTask"].objects.create(name=duty.name, task=duty.task, description=duty.description,
                                                  enabled=True, **_schedule(duty, models))
            created += 1
        elif reset:
            for key, value in {"task": duty.task, "description": duty.description, "enabled": True,
                               **_schedule(duty, models)}.items():
                setattr(task, key, value)
            task.save()
            updated += 1
    if created or updated:
        _tell_beat(models)
    return created, updated


def _tell_beat(models) -> None:
    """Bump django-celery-beat's change marker so a running beat reloads (bulk writes bypass its signals)."""
    from django.utils import timezone

    models["PeriodicTasks"].objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
