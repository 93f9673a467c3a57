"""manage.py compute_prepayments --year YYYY: set each province pair's prepayment from last year's clearing."""
from django.core.management.base import BaseCommand

from apps.settlement import services


class Command(BaseCommand):
    help = "按上年度清算数据核定各省份组合的年度预付金。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, year, **opts):
        pairs = services.compute_prepayments(year=year)
        self.stdout.write(f"{year} 年度：核定 {pairs} 个省份组合的预付金。")
