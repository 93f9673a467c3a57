"""The scheduled duties (apps/events/schedules.py) as django-celery-beat PeriodicTasks, editable in the admin."""
from django.db import migrations


def install(apps, schema_editor):
    from apps.events.schedules import install

    install({name: apps.get_model("django_celery_beat", name)
             for name in ("PeriodicTask", "CrontabSchedule", "IntervalSchedule", "PeriodicTasks")})


class Migration(migrations.Migration):
    dependencies = [("events", "0002_sms_templates"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
