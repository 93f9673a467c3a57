"""Run the supervision rules over settlements received since the last scan (or --since), raising flags."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.core.errors import DomainError
from apps.supervision.services import run_scan


def _since(value: str):
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"无法识别的时间：{value}（应为 YYYY-MM-DD 或 ISO 8601 时间）")
        parsed = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class Command(BaseCommand):
    help = "运行监管规则：检查自上次扫描以来接收的结算（及与之配对的早先结算），写入可疑结算标记。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--since", help="只检查此时间之后接收的结算（默认：上次完整扫描开始时间）")
        parser.add_argument("--all", action="store_true", help="检查全部结算")
        parser.add_argument("--rule", action="append", dest="rules", metavar="CODE",
                            help="只运行此规则（可重复）")

    def handle(self, *args, since=None, all=False, rules=None, **options):
        def report(code, count, seconds):
            self.stdout.write(f"  {code:<20} +{count:<8} {seconds:6.2f}s")

        try:
            run = run_scan(since=_since(since) if since else None, rule_codes=rules, all_settlements=all,
                           report=report)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        scope = f"自 {timezone.localtime(run.since):%Y-%m-%d %H:%M:%S} 起接收的结算" if run.since else "全部结算"
        self.stdout.write(self.style.SUCCESS(f"监管扫描完成（{scope}）：新增可疑结算 {run.flags_created} 条。"))
