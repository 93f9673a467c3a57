"""manage.py seed_demo: a believable data set over several provinces, and the logins to try it."""
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import User
from apps.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed
from apps.regions.models import Region


class Command(BaseCommand):
    help = "生成演示数据（多个省份的机构、备案、结算、清算、工单与可疑结算），并输出登录账户。"

    def handle(self, *args, **opts):
        if not Region.objects.filter(level="county").exists():
            call_command("load_regions", stdout=self.stdout)
        if User.objects.filter(username="admin").exists():
            self.stdout.write("演示数据已存在，未重复生成。")
        else:
            with transaction.atomic():
                seed(self.stdout)
            self.stdout.write(self.style.SUCCESS("演示数据已生成。"))
        self.stdout.write("")
        self.stdout.write("管理后台登录（密码均为 %s）：" % DEMO_PASSWORD)
        for username, code, superuser in DEMO_ACCOUNTS:
            user = User.objects.select_related("organisation").get(username=username)
            self.stdout.write(f"  {username:<10} {user.organisation.name}{'（超级管理员）' if superuser else ''}")
