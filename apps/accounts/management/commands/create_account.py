"""manage.py create_account --org CODE --username NAME [--password PW] [--staff] [--auditor] [--token]

A password must pass Django's password validators (AUTH_PASSWORD_VALIDATORS); the refusal says why, in Chinese."""
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import create_account
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "创建属于某机构的账户；--token 时最后一行输出 API 令牌。"

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="区划代码或定点医药机构编码")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password")
        parser.add_argument("--staff", action="store_true", help="可登录管理后台")
        parser.add_argument("--superuser", action="store_true")
        parser.add_argument("--auditor", action="store_true",
                            help="加入“审计员”组：可查看本机构管辖范围内的审计记录（仅医疗保障局账户）")
        parser.add_argument("--token", action="store_true", help="创建 API 令牌并作为最后一行输出")

    def handle(self, *args, **opts):
        try:
            user, key = create_account(
                org_code=opts["org"], username=opts["username"], password=opts["password"],
                staff=opts["staff"], superuser=opts["superuser"], token=opts["token"],
                auditor=opts["auditor"],
            )
        except DomainError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"已创建账户 {user.username}（{user.organisation.name}）")
        if key:
            self.stdout.write(key)
