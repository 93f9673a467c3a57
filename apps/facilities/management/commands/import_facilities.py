"""``manage.py import_facilities FILE [--dry-run] [--org CODE]``: the scheduled feed of facilities and services."""
from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.regions.models import Organisation
from apps.facilities.services import IMPORT_COLUMNS, import_facilities
from apps.facilities.tabular import read_rows


class Command(BaseCommand):
    help = (
        "导入定点医药机构及其跨省直接结算服务（CSV 或 XLSX），列：" + ", ".join(IMPORT_COLUMNS)
        + "。一行有误则整个文件不导入。以 --org 指定的经办机构导入时，文件所列门诊慢特病视为该机构确认。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV（UTF-8）或 XLSX 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--org", help="导入机构（经办机构区划代码）；不指定时所列病种为待确认")

    def handle(self, *args, file, dry_run=False, org=None, **options):
        by = None
        if org:
            by = Organisation.objects.filter(code=org).select_related("region").first()
            if by is None:
                raise CommandError(f"机构代码 {org} 不存在。")
        try:
            rows = read_rows(file)
            report = import_facilities(rows=rows, by=by, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(f"文件 {file} 不存在。")
        except DomainError as exc:
            raise CommandError(exc.message)
        for error in report.errors:
            self.stderr.write(str(error))
        refused = len(report.bad_lines)
        prefix = "（试运行，未写入）" if dry_run else ""
        self.stdout.write(
            f"{prefix}新增 created: {len(report.created)}，更新 updated: {len(report.updated)}，"
            f"未变 unchanged: {len(report.unchanged)}，拒绝 refused: {refused}"
        )
        if report.refused:
            raise CommandError(f"文件被拒绝：{refused} 行有误，整个文件未导入。")
