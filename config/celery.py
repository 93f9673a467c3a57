"""The Celery app: background jobs and the schedules (celery beat), configured from Django's settings.

With ``CELERY_BROKER_URL`` set (Redis in production) tasks go to ``celery -A config worker`` and the
schedules run from ``celery -A config beat``. Without it every task runs in-process, right after the
transaction that asked for it commits (``apps.events.queue``), so the quick start needs nothing else."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
