"""Time build_clearing over 1,000,000 settlements of one month on PostgreSQL.

    .venv/bin/python bench/build_clearing.py [--rows 1000000] [--database yidi_bench_set]

Uses its own database (created if missing, migrated, regions loaded). The settlements are generated in the
database with one INSERT … SELECT … FROM generate_series (about 1 in 50 reversed within the month, 1 in 97 a
late one from the month before), once; later runs reuse them. Then the month is built twice (the second is a
rebuild of the draft) and the totals are checked against a direct SUM over the settlements."""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PERIOD = "2025-06-01"


def generate(rows: int):
    from django.db import connection, transaction

    from apps.facilities.models import Facility
    from apps.settlement.models import Settlement

    have = Settlement.objects.filter(number__startswith="BC-").count()
    if have >= rows:
        print(f"reusing {have:,} generated settlements")
        return
    facilities = list(Facility.objects.filter(code__startswith="H", name__startswith="压测医院").values_list(
        "code", "region_id"))
    insured = ["310115", "320205", "330203", "440303", "510107", "420106", "120101", "110105", "370102",
               "610113", "350203", "430104"]
    codes = ",".join(f"'{c}'" for c, _ in facilities)
    regions = ",".join(f"'{r}'" for _, r in facilities)
    ins = ",".join(f"'{c}'" for c in insured)
    table = Settlement._meta.db_table
    sql = f"""
        INSERT INTO {table} (number, id_number, name, insured_region_id, insured_province, facility_id,
            treatment_region_id, treatment_province, visit_type, disease_code, service_start, service_end,
            total_amount, eligible_amount, fund_paid, account_paid, cash_paid, settled_at, content_hash,
            created_at, clearing_period, reversed_at, reversal_reason, reversal_period)
        SELECT 'BC-' || lpad(g::text, 9, '0'), '11010519600517' || lpad((g % 10000)::text, 4, '0'), '压测',
               ins, substr(ins, 1, 2) || '0000', fac, reg, substr(reg, 1, 2) || '0000',
               CASE WHEN g % 4 = 0 THEN 'inpatient' ELSE 'outpatient' END, '', day, day,
               total, round(total * 0.9, 2), round(total * 0.6, 2), 0, total - round(total * 0.6, 2),
               day + time '10:00' - interval '8 hours', md5(g::text), now(), DATE '{PERIOD}',
               CASE WHEN g % 50 = 0 THEN now() END, CASE WHEN g % 50 = 0 THEN '压测退费' ELSE '' END,
               CASE WHEN g % 50 = 0 THEN DATE '{PERIOD}' END
        FROM (
            SELECT g, (ARRAY[{ins}])[1 + g % {len(insured)}] AS ins,
                   (ARRAY[{codes}])[1 + g % {len(facilities)}] AS fac,
                   (ARRAY[{regions}])[1 + g % {len(facilities)}] AS reg,
                   CASE WHEN g % 97 = 0 THEN DATE '{PERIOD}' - 3 ELSE DATE '{PERIOD}' + (g % 30) END AS day,
                   (100 + (g % 20000))::numeric(14, 2) AS total
            FROM generate_series({have + 1}, {rows}) AS g
        ) AS s
    """
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
        cur.execute(f"ANALYZE {table}")
    print(f"generated {rows - have:,} settlements in {time.perf_counter() - started:.1f} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="yidi_bench_set")
    args = parser.parse_args()
    import settlement_bulk

    settlement_bulk.setup(args.database)
    settlement_bulk.fixtures("bc", people=10)  # the bench hospitals
    generate(args.rows)

    import datetime as dt

    from django.db.models import Count, Q, Sum

    from apps.settlement import services
    from apps.settlement.models import Clearing, Settlement

    period = dt.date.fromisoformat(PERIOD)
    Clearing.objects.filter(period=period).exclude(status="draft").update(status="draft")
    for label in ("build  ", "rebuild"):
        started = time.perf_counter()
        pairs = services.build_clearing(period=period)
        print(f"{label}: {pairs} province pairs in {time.perf_counter() - started:.2f} s")
    rows = Clearing.objects.filter(period=period)
    built = rows.aggregate(n=Sum("settlement_count"), fund=Sum("fund_paid"))
    direct = Settlement.objects.filter(clearing_period=period).filter(
        Q(reversal_period__isnull=True) | ~Q(reversal_period=period)).aggregate(n=Count("id"), fund=Sum("fund_paid"))
    counted = Settlement.objects.filter(clearing_period=period).count()
    print(f"settlements counted in {period:%Y-%m}: {counted:,}; clearing rows: {rows.count()}")
    print(f"clearing totals {built['n']:,} / {built['fund']}  ==  direct sums {direct['n']:,} / {direct['fund']}: "
          f"{built['n'] == direct['n'] and built['fund'] == direct['fund']}")


if __name__ == "__main__":
    main()
