"""Escalate overdue tickets one tier where their category says so; run it from cron, as often as you like."""
from django.core.management.base import BaseCommand

from apps.coordination.services import escalate_overdue


class Command(BaseCommand):
    help = "将超过办理时限的工单按类别设置自动上报上一级（每个超时期间仅一次，可重复运行）。"

    def handle(self, *args, **options):
        result = escalate_overdue()
        self.stdout.write(f"检查超时工单 {result['checked']} 件，自动上报 {result['escalated']} 件。")
