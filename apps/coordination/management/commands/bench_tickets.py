"""Time the ticket reads that run at scale (scoped lists, inbox counts, the overdue scan) on synthetic rows.

Everything is written inside one transaction that is rolled back at the end: run it on a scratch database."""
import datetime as dt
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from apps.coordination import selectors, services
from apps.coordination.models import ACTIVE_STATUSES, Category, Status, Ticket, TicketHolding
from apps.regions.models import Organisation, Tier
from apps.regions.scope import scoped


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "在合成数据上测量工单查询耗时（数据在事务中写入并回滚）。"

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=200_000)
        parser.add_argument("--overdue-share", type=float, default=0.02)

    def handle(self, *args, **opts):
        try:
            with transaction.atomic():
                self._run(opts["tickets"], opts["overdue_share"])
                raise Rollback
        except Rollback:
            self.stdout.write("（合成数据已回滚）")

    def _time(self, label, fn, repeat=3):
        best = None
        for _ in range(repeat):
            start = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        self.stdout.write(f"{label:<42} {best * 1000:9.1f} ms   → {result}")

    def _run(self, n, overdue_share):
        rng = random.Random(7)
        bureaus = list(Organisation.objects.exclude(tier=Tier.FACILITY).select_related("parent")
                       .filter(tier=Tier.COUNTY))
        provinces = list(Organisation.objects.filter(tier=Tier.PROVINCE))
        now = timezone.now()
        t0 = time.perf_counter()
        rows, holdings = [], []
        categories = Category.values
        for i in range(n):
            raiser = rng.choice(bureaus)
            holder = raiser.parent
            late = rng.random() < overdue_share
            status = rng.choice([Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.CLOSED])
            rows.append(Ticket(
                number=f"BX{i:012d}", category=rng.choice(categories), title="合成", description="合成",
                raised_by=raiser, raiser_region_id=raiser.region_id, holder=holder,
                holder_region_id=holder.region_id, holder_tier=holder.tier,
                status=Status.OPEN if late else status,
                due_at=now - dt.timedelta(days=1) if late else now + dt.timedelta(days=rng.randint(1, 10)),
                held_since=now,
            ))
        Ticket.objects.bulk_create(rows, batch_size=5000)
        for t in rows:
            # the raiser's parent city holds it: inside its region, so not an outside-region holding
            holdings.append(TicketHolding(ticket_id=t.pk, organisation_id=t.holder_id, since=now,
                                          outside_region=False))
        for t in rng.sample(rows, min(len(rows), n // 100)):
            # one ticket in a hundred was also sent to another province's bureau and back
            other = rng.choice(provinces)
            if not t.raiser_region_id.startswith(other.region_id[:2]):
                holdings.append(TicketHolding(ticket_id=t.pk, organisation_id=other.pk, since=now,
                                              outside_region=True))
        TicketHolding.objects.bulk_create(holdings, batch_size=5000)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("ANALYZE coordination_ticket; ANALYZE coordination_ticketholding;")
        self.stdout.write(f"写入 {n} 件工单及承办记录：{time.perf_counter() - t0:.1f} s")

        jiangsu, suzhou, gusu = (Organisation.objects.get(code=c) for c in ("320000", "320500", "320508"))
        self._time("省局 scoped 列表首页（50 条，按 id 倒序）",
                   lambda: len(list(scoped(Ticket.objects.all(), jiangsu).order_by("-id")[:50])))
        self._time("县局 scoped 列表首页（50 条）",
                   lambda: len(list(scoped(Ticket.objects.all(), gusu).order_by("-id")[:50])))
        self._time("县局 scoped 计数（封顶 10001，后台分页）",
                   lambda: scoped(Ticket.objects.all(), gusu).order_by()[:10_001].count())
        self._time("省局 scoped 计数（封顶 10001，后台分页）",
                   lambda: scoped(Ticket.objects.all(), jiangsu).order_by()[:10_001].count())
        self._time("地市局“我方承办”首页（50 条）",
                   lambda: len(list(selectors.in_box(Ticket.objects.all(), suzhou, "held").order_by("-id")[:50])))
        self._time("地市局工作台计数（承办/超时/发起）", lambda: selectors.inbox_counts(suzhou))
        self._time("超时扫描候选数（全国）",
                   lambda: Ticket.objects.filter(status__in=ACTIVE_STATUSES, due_at__lt=now).count())
        start = time.perf_counter()
        result = services.escalate_overdue()
        self.stdout.write(f"{'escalate_overdue 首次运行':<42} {(time.perf_counter() - start) * 1000:9.1f} ms   → {result}")
        start = time.perf_counter()
        result = services.escalate_overdue()
        self.stdout.write(f"{'escalate_overdue 再次运行':<42} {(time.perf_counter() - start) * 1000:9.1f} ms   → {result}")
