"""manage.py load_regions: the full GB/T 2260 list, pooling areas and the bureaus of four tiers."""
from django.core.management.base import BaseCommand

from apps.regions.models import Level, Region
from apps.regions.services import load_regions


class Command(BaseCommand):
    help = "载入全国行政区划（省、地市、县区）、统筹区及各级医保经办机构；可重复运行。"

    def handle(self, *args, **opts):
        result = load_regions()
        counts = {lvl: Region.objects.filter(level=lvl).count() for lvl in Level.values}
        self.stdout.write(
            f"区划：新增 {result['created']}，更新 {result['updated']}；经办机构新增 {result['bureaus_created']}。"
            f" 现有 省 {counts['province']}、地市 {counts['city']}、县区 {counts['county']}。"
        )
