"""manage.py sweep_events: one pass of the outbox sweeper (beat runs it every minute; without a broker, run it
from cron to get webhook retries and the dispatch of events a crashed process left behind)."""
from django.core.management.base import BaseCommand

from apps.events.tasks import sweep


class Command(BaseCommand):
    help = "补发未分发的事件、到期的推送重试和未发出的短信（每分钟由 celery beat 运行；也可由 cron 运行）。"

    def handle(self, *args, **opts):
        result = sweep()
        self.stdout.write(f"事件 {result['events']}，推送 {result['deliveries']}，短信 {result['sms']}。")
