"""manage.py expire_registrations: the daily job — approved registrations past their end date expire, and
persons whose owed documents (容缺后补) are overdue lose the commitment route for the configured months."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.registration import services


class Command(BaseCommand):
    help = "将有效期届满的备案置为已到期，并对逾期未补交材料的人员限制承诺制备案（每日运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按该日期处理（YYYY-MM-DD），默认今天")

    def handle(self, *args, today=None, **opts):
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError("--today 日期格式应为 YYYY-MM-DD。") from None
        expired = services.expire_registrations(day)
        banned = services.ban_overdue_commitments(day)
        self.stdout.write(f"{day}：{expired} 条备案到期；{banned} 名人员因逾期未补交材料限制承诺制备案。")
