"""Benchmark: registrations (备案) at national scale, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/registration.py

Uses its own database (``yidi_bench_reg``, created if missing), migrates it, loads the regions and bulk-loads
BENCH_ROWS (default 1,000,000) persons with one registration each, spread over every county, in set-based
SQL. Then times, on that table: submissions through the service (overlap check, reference, events, audit),
the partner API list for a county / a province / by ID number / valid_on, an approval through the API, the
admin changelist and start page of a province, and the daily expiry of the rows whose validity ended.
Prints the median of several runs for each, and the plan of the review-queue query."""
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import benchsetup  # noqa: E402

BENCH_DB = "yidi_bench_reg"
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "1000"))


def setup_django():
    benchsetup.setup_django(BENCH_DB)


LOAD_SQL = """
WITH c AS (
    SELECT code, pooling_area_id, (row_number() OVER (ORDER BY code) - 1) AS i
    FROM regions_region WHERE level = 'county' AND pooling_area_id IS NOT NULL
), k AS (SELECT count(*) AS n FROM c)
INSERT INTO registration_insuredperson
    (id_number, name, phone, sex, birth_date, insurance_type, insured_region_id, insured_pooling_area_id)
SELECT c.code || to_char(DATE '1940-01-01' + ((g / k.n) %% 25000)::int, 'YYYYMMDD')
           || lpad(((g / k.n / 25000) %% 1000)::text, 3, '0') || '0',
       '参保人' || g, '139' || lpad((g %% 100000000)::text, 8, '0'), CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END,
       DATE '1940-01-01' + ((g / k.n) %% 25000)::int, CASE WHEN g %% 3 = 0 THEN 'resident' ELSE 'employee' END,
       c.code, c.pooling_area_id
FROM generate_series(%(start)s, %(stop)s) AS g CROSS JOIN k JOIN c ON c.i = g %% k.n
"""

REG_SQL = """
INSERT INTO registration_registration
    (reference, person_id, insured_region_id, insured_pooling_area_id, category, destination_region_id, scope,
     start_date, end_date, commitment_signed, documents_owed, retroactive_reason, channel, status, status_reason,
     created_at)
SELECT 'BB' || lpad(p.id::text, 12, '0'), p.id, p.insured_region_id, p.insured_pooling_area_id,
       (ARRAY['retiree_relocated','long_term_resident','stationed_worker','referral','emergency',
              'temporary_other'])[1 + p.id %% 6],
       CASE WHEN left(p.insured_region_id, 2) = '31' THEN '320000' ELSE '310000' END, 'cross_province',
       CURRENT_DATE - (p.id %% 700)::int,
       CASE WHEN p.id %% 6 >= 3 THEN CURRENT_DATE - (p.id %% 700)::int + 182 END,
       true, '', '', 'api',
       CASE WHEN p.id %% 20 < 17 THEN 'approved' WHEN p.id %% 20 < 19 THEN 'submitted' ELSE 'rejected' END,
       '', now() - make_interval(secs => p.id)
FROM registration_insuredperson p
WHERE p.id BETWEEN %(lo)s AND %(hi)s AND NOT EXISTS (SELECT 1 FROM registration_registration r WHERE r.person_id = p.id)
"""


def load(rows: int):
    from django.db import connection

    from apps.registration.models import Registration

    have = Registration.objects.count()
    if have >= rows:
        print(f"表中已有 {have:,} 条备案，跳过装载。")
        return
    t = time.perf_counter()
    step = 200_000
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM registration_insuredperson")
        for start in range(have, rows, step):
            stop = min(start + step, rows) - 1
            cur.execute(LOAD_SQL, {"start": start, "stop": stop})
        cur.execute("SELECT min(id), max(id) FROM registration_insuredperson")
        lo, hi = cur.fetchone()
        for a in range(lo, hi + 1, step):
            cur.execute(REG_SQL, {"lo": a, "hi": a + step - 1})
        cur.execute("ANALYZE registration_insuredperson")
        cur.execute("ANALYZE registration_registration")
    print(f"装载 {Registration.objects.count():,} 条备案：{time.perf_counter() - t:.1f} s")


def timed(label, fn, runs=7):
    fn()  # warm
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    print(f"{label:<44} 中位数 {statistics.median(samples):8.1f} ms   最大 {max(samples):8.1f} ms")


def main():
    setup_django()
    load(ROWS)
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from rest_framework.test import APIClient

    from apps.accounts.models import User
    from apps.core import idnumbers
    from apps.regions.models import Organisation
    from apps.registration import services
    from apps.registration.models import Registration

    today = timezone.localdate()

    def user(code, staff=True):
        u, _ = User.objects.get_or_create(username=f"bench-{code}", defaults={
            "organisation": Organisation.objects.get(code=code), "is_staff": staff})
        return u

    # submissions through the service on the loaded table
    t = time.perf_counter()
    org = Organisation.objects.get(code="320508")
    start_seq = Registration.objects.filter(channel="counter").count()
    for i in range(SUBMISSIONS):
        n = start_seq + i
        services.submit_registration(actor=None, organisation=org, channel="counter", data={
            "id_number": idnumbers.make_id_number("320508", dt.date(1961, 1, 1) + dt.timedelta(days=n // 450),
                                                  (n % 450) * 2 + 1),
            "name": "压测", "phone": "13900000000", "insurance_type": "employee", "insured_region": "320508",
            "category": "referral", "destination_region": "330000", "commitment_signed": True})
    elapsed = time.perf_counter() - t
    print(f"提交备案（经服务，逐条事务） {SUBMISSIONS} 条：{elapsed:.1f} s，{SUBMISSIONS / elapsed:,.0f} 条/秒")

    county, province = APIClient(), APIClient()
    county.force_authenticate(user("320508"))
    province.force_authenticate(user("320000"))
    sample = Registration.objects.filter(insured_region__gte="320500", insured_region__lte="320599").select_related("person").first()

    def ok(resp):
        assert resp.status_code == 200, resp.content[:300]
        return resp

    timed("API 列表：县，待审核，首页", lambda: ok(county.get("/api/v1/registrations/?status=submitted")))
    timed("API 列表：省，全部，首页（游标）", lambda: ok(province.get("/api/v1/registrations/")))
    timed("API 列表：省，valid_on=今天", lambda: ok(province.get(f"/api/v1/registrations/?valid_on={today}")))
    timed("API 列表：省，按身份证号码", lambda: ok(province.get(
        f"/api/v1/registrations/?id_number={sample.person.id_number}")))
    timed("API 详情：省", lambda: ok(province.get(f"/api/v1/registrations/{sample.reference}/")))

    waiting = list(Registration.objects.filter(status="submitted", insured_region__gte="320000", insured_region__lte="329999")
                   .values_list("reference", flat=True)[:8])
    it = iter(waiting)
    timed("API 批准（省为参保地）", lambda: province.post(f"/api/v1/registrations/{next(it)}/approve/"), runs=7)

    admin = Client()
    admin.force_login(user("320000"))
    timed("后台列表：省（计数封顶）", lambda: ok(admin.get("/admin/registration/registration/")))
    timed("后台列表：省，待审核+参保地", lambda: ok(admin.get(
        "/admin/registration/registration/?status__exact=submitted&side=insured")))
    timed("后台搜索：完整身份证号码", lambda: ok(admin.get(
        f"/admin/registration/registration/?q={sample.person.id_number}")))
    timed("后台工作台：省", lambda: ok(admin.get("/admin/")))

    with connection.cursor() as cur:
        cur.execute("EXPLAIN SELECT count(*) FROM (SELECT 1 FROM registration_registration WHERE status = 'submitted'"
                    " AND insured_region_id BETWEEN '320000' AND '329999' LIMIT 10001) s")
        print("待审核计数的执行计划：", " / ".join(r[0].strip() for r in cur.fetchall()[:4]))

    due = Registration.objects.filter(status="approved", end_date__lt=today).count()
    t = time.perf_counter()
    expired = services.expire_registrations(today)
    elapsed = time.perf_counter() - t
    print(f"到期处理：{expired:,} 条（应为 {due:,}）{elapsed:.1f} s，{expired / max(elapsed, 1e-9):,.0f} 条/秒")


if __name__ == "__main__":
    main()
