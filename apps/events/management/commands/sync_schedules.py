"""manage.py sync_schedules [--reset]: create the scheduled duties (apps/events/schedules.py) that are missing."""
from django.core.management.base import BaseCommand

from apps.events.schedules import DUTIES, install


class Command(BaseCommand):
    help = "创建缺少的定时任务（celery beat，可在管理后台修改）；--reset 恢复全部默认时间并启用。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="恢复默认时间并启用（覆盖后台的修改）")

    def handle(self, *args, reset=False, **opts):
        created, updated = install(reset=reset)
        self.stdout.write(f"定时任务 {len(DUTIES)} 项：新建 {created}，恢复默认 {updated}。")
