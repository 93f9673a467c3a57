"""The beat schedule is data: every duty is a PeriodicTask after migrating, its task exists, celery beat's
database scheduler serves it, and installing again keeps what national staff changed."""
import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

from apps.events.schedules import DUTIES, install
from config.celery import app

pytestmark = pytest.mark.django_db

EXPECTED = {
    "registration.expire_registrations", "coordination.escalate_overdue", "supervision.run_scan",
    "settlement.remind_clearing_deadlines", "registration.remind_expiring", "registration.remind_documents_due",
    "settlement.prepayment_warnings", "coordination.remind_due_soon", "events.sweep",
}


def test_the_beat_schedule_lists_every_duty():
    assert {d.task for d in DUTIES} == EXPECTED
    stored = {t.task: t for t in PeriodicTask.objects.filter(task__in=EXPECTED)}
    assert set(stored) == EXPECTED and all(t.enabled for t in stored.values())
    escalate = stored["coordination.escalate_overdue"]
    assert (escalate.interval.every, escalate.interval.period) == (900, "seconds")
    nightly = stored["registration.expire_registrations"].crontab
    assert (nightly.minute, nightly.hour, str(nightly.timezone)) == ("30", "0", "Asia/Shanghai")
    assert stored["events.sweep"].interval.every == 60


def test_every_scheduled_task_is_registered_with_celery():
    app.loader.import_default_modules()
    assert EXPECTED <= set(app.tasks)


def test_celery_beats_database_scheduler_reads_each_duty_as_a_schedule():
    entries = {t.task: ModelEntry(t, app=app) for t in PeriodicTask.objects.filter(task__in=EXPECTED)}
    assert set(entries) == EXPECTED
    assert entries["events.sweep"].schedule.run_every.total_seconds() == 60
    nightly = entries["supervision.run_scan"].schedule
    assert nightly.hour == {2} and nightly.minute == {0}
    assert DatabaseScheduler.Entry is ModelEntry and app.conf.beat_scheduler.endswith("DatabaseScheduler")


def test_installing_again_is_idempotent_and_keeps_staff_edits():
    PeriodicTask.objects.filter(task="supervision.run_scan").update(enabled=False)
    assert install() == (0, 0)
    assert PeriodicTask.objects.filter(task__in=EXPECTED).count() == len(EXPECTED)
    assert not PeriodicTask.objects.get(task="supervision.run_scan").enabled


def test_a_deleted_duty_is_created_again_and_reset_restores_defaults(capsys):
    PeriodicTask.objects.filter(task="settlement.prepayment_warnings").delete()
    PeriodicTask.objects.filter(task="supervision.run_scan").update(enabled=False)
    call_command("sync_schedules")
    assert "新建 1" in capsys.readouterr().out
    assert not PeriodicTask.objects.get(task="supervision.run_scan").enabled
    call_command("sync_schedules", "--reset")
    assert PeriodicTask.objects.get(task="supervision.run_scan").enabled
