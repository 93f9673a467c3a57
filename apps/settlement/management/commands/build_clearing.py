"""manage.py build_clearing --period YYYY-MM: (re)build that month's draft clearing rows from the settlements."""
import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from apps.settlement import services


class Command(BaseCommand):
    help = "生成（或重新生成）某月的清算草稿：每个（参保省，就医省）一行；已申报的行不变。"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="清算月份，格式 YYYY-MM")

    def handle(self, *args, period, **opts):
        try:
            month = dt.datetime.strptime(period, "%Y-%m").date()
        except ValueError as exc:
            raise CommandError("月份格式应为 YYYY-MM，例如 2026-03。") from exc
        started = time.perf_counter()
        pairs = services.build_clearing(period=month)
        self.stdout.write(f"{month:%Y-%m}：{pairs} 个省份组合，用时 {time.perf_counter() - started:.2f} 秒。")
