"""Benchmark: the full supervision scan over 1,000,000 settlements next to one sequential scan of the table.

    .venv/bin/python bench/supervision.py [--rows 1000000] [--keep]

Uses its own PostgreSQL database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/yidi_bench_sup),
created if missing, migrated, regions loaded. Data is generated in the database (INSERT … SELECT
generate_series): 250,000 registered people, one hospital per county (one in 500 without inpatient settlement), four visits a person a year, ordinary
amounts — then every rule's anomaly is planted in small numbers. The scan runs all rules over all settlements.
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yidi_bench_sup")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PEOPLE = 250_000


def ensure_database():
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def insert_select(cursor, model, provided: dict, tail: str):
    """``INSERT INTO <model> (…) SELECT <provided> … <tail>``; columns not provided get the model's default,
    so fields other areas add later (nullable or with a default) do not break the generator."""
    from django.db import connection, models

    cols, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.AutoField) or f.primary_key and f.column not in provided:
            continue
        if f.column in provided:
            cols.append(f.column)
            exprs.append(provided[f.column])
        elif f.null:
            continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            cols.append(f.column)
            exprs.append("now()")
        elif not f.has_default() and f.empty_strings_allowed:
            cols.append(f.column)
            exprs.append("''")
        elif f.has_default():
            cols.append(f.column)
            exprs.append("%s")
            params.append(f.get_db_prep_save(f.get_default(), connection))
        else:
            raise RuntimeError(f"bench: no value for {model.__name__}.{f.column}")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(exprs)} {tail}"
    cursor.execute(sql, params)
    return cursor.rowcount


def clone(cursor, model, overrides: dict, where: str):
    """Copy settlement rows chosen by ``where`` with some columns overridden (planted anomalies)."""
    cols = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    exprs = [overrides.get(c, f"s.{c}") for c in cols]
    cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) "
                   f"SELECT {', '.join(exprs)} FROM {model._meta.db_table} s WHERE s.number LIKE 'B%%' AND {where}", [])
    return cursor.rowcount


def generate(rows: int):
    from django.db import connection, transaction

    from apps.facilities.models import Facility
    from apps.registration.models import InsuredPerson, Registration
    from apps.settlement.models import Settlement, SettlementItem

    people = min(PEOPLE, max(rows // 4, 1))
    with transaction.atomic(), connection.cursor() as c:
        c.execute("TRUNCATE supervision_flagevent, supervision_flag, supervision_scanrun RESTART IDENTITY CASCADE")
        c.execute("TRUNCATE settlement_settlementitem, settlement_settlement, registration_registration, "
                  "registration_insuredperson RESTART IDENTITY CASCADE")
        c.execute("DELETE FROM facilities_facilitydisease")
        c.execute("DELETE FROM facilities_facility WHERE code LIKE 'B%%'", [])
        t = time.monotonic()
        # One facility per county-level region, levels mixed; one in 500 has not opened inpatient settlement.
        n_fac = insert_select(c, Facility, {
            "code": "'B' || r.code || '00001'", "name": "r.name || '人民医院'", "kind": "'hospital'",
            "level": "(ARRAY['3','2','1','0'])[1 + (row_number() OVER (ORDER BY r.code)) %% 4]",
            "region_id": "r.code", "address": "''", "status": "'active'",
            "inpatient": "(row_number() OVER (ORDER BY r.code)) %% 500 <> 7", "outpatient": "true",
        }, "FROM regions_region r WHERE r.level = 'county' ORDER BY r.code")
        c.execute("CREATE TEMP TABLE bench_fac AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, code, region_id "
                  "FROM facilities_facility WHERE code LIKE 'B%%'", [])
        c.execute("CREATE UNIQUE INDEX ON bench_fac (n)")
        c.execute("INSERT INTO facilities_chronicdisease (code, name, is_national_five, active) "
                  "VALUES ('M03900', '高血压', true, true) ON CONFLICT (code) DO NOTHING")
        c.execute("INSERT INTO facilities_facilitydisease (facility_id, disease_id, status) "
                  "SELECT code, 'M03900', 'confirmed' FROM bench_fac")
        # People insured in 上海/北京/浙江 counties; birth dates 1940–2008; sex from the sequence.
        insert_select(c, InsuredPerson, {
            "id_number": "ins.code || to_char(DATE '1940-01-01' + ((g / 1000) * 97 %% 25000), 'YYYYMMDD') "
                         "|| lpad((g %% 1000)::text, 3, '0') || '0'",
            "name": "'参保人' || g", "phone": "''", "sex": "CASE WHEN g %% 2 = 1 THEN 'M' ELSE 'F' END",
            "birth_date": "DATE '1940-01-01' + ((g / 1000) * 97 %% 25000)", "insurance_type": "'employee'",
            "insured_region_id": "ins.code", "insured_pooling_area_id": "coalesce(ins.pooling_area_id, ins.code)",
        }, f"""FROM generate_series(0, {people - 1}) g
               JOIN (SELECT row_number() OVER (ORDER BY code) - 1 AS n, code, pooling_area_id FROM regions_region
                     WHERE level = 'county' AND substr(code, 1, 2) IN ('31', '11', '33')) ins
                 ON ins.n = g %% 40 ORDER BY g""")
        # each to the province of the one facility the person's visits go to (see the settlements below)
        insert_select(c, Registration, {
            "reference": "'BB' || lpad(p.id::text, 10, '0')", "person_id": "p.id",
            "insured_region_id": "p.insured_region_id", "insured_pooling_area_id": "p.insured_pooling_area_id",
            "category": "'long_term_resident'", "destination_region_id": "substr(f.region_id, 1, 2) || '0000'",
            "scope": "'cross_province'", "start_date": "DATE '2024-01-01'", "commitment_signed": "true",
            "channel": "'api'", "status": "'approved'",
        }, f"""FROM registration_insuredperson p
               JOIN bench_fac f ON f.n = ((p.id - 1) * 31) %% {n_fac} ORDER BY p.id""")
        print(f"  {n_fac} facilities, {people} people and registrations: {time.monotonic() - t:.1f}s")

        t = time.monotonic()
        # Visit k of person i: every 90 days, the same facility; 20% inpatient (≤ 9 days), 10% chronic.
        vt = "CASE WHEN g %% 10 < 2 THEN 'inpatient' WHEN g %% 10 = 2 THEN 'chronic' ELSE 'outpatient' END"
        start = f"(DATE '2025-01-01' + (g / {people}) * 90 + (g %% {people}) %% 60)"
        amount = ("CASE WHEN g %% 10 < 2 THEN 5000 + ((g::bigint * 7919) %% 20000) WHEN g %% 10 = 2 THEN 300 + (g %% 500) "
                  "ELSE 100 + (g * 31 %% 400) END")
        n = insert_select(c, Settlement, {
            "number": "'B' || lpad(g::text, 12, '0')", "id_number": "p.id_number", "name": "p.name",
            "insured_region_id": "p.insured_region_id", "insured_province": "substr(p.insured_region_id, 1, 2) || '0000'",
            "facility_id": "f.code", "treatment_region_id": "f.region_id",
            "treatment_province": "substr(f.region_id, 1, 2) || '0000'", "visit_type": vt,
            "disease_code": "CASE WHEN g %% 10 = 2 THEN 'M03900' ELSE '' END",
            "service_start": start,
            "service_end": f"{start} + CASE WHEN g %% 10 < 2 THEN (g %% {people}) %% 10 ELSE 0 END",
            "total_amount": f"({amount})::numeric(14,2)", "eligible_amount": f"({amount} * 0.9)::numeric(14,2)",
            "fund_paid": f"({amount} * 0.6)::numeric(14,2)", "account_paid": "0",
            "cash_paid": f"({amount})::numeric(14,2) - ({amount} * 0.6)::numeric(14,2)",
            "settled_at": f"{start} + TIME '10:00'", "registration_id": "p.id",
            "content_hash": "md5(g::text)", "clearing_period": f"date_trunc('month', {start})::date",
        }, f"""FROM generate_series(0, {rows - 1}) g
               JOIN registration_insuredperson p ON p.id = 1 + g %% {people}
               JOIN bench_fac f ON f.n = ((g %% {people}) * 31) %% {n_fac}""")
        insert_select(c, SettlementItem, {
            "settlement_id": "s.id", "code": "'XC01'", "name": "'缬沙坦胶囊'", "category": "'drug'",
            "quantity": "1", "unit_price": "30", "amount": "30", "days_supply": "30",
        }, "FROM settlement_settlement s WHERE s.visit_type = 'chronic'")
        print(f"  {n} settlements and their drug items: {time.monotonic() - t:.1f}s")

        t = time.monotonic()
        planted = plant(c, Settlement, SettlementItem, people)
        print(f"  planted {planted}: {time.monotonic() - t:.1f}s")
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE settlement_settlement")
        c.execute("VACUUM ANALYZE settlement_settlementitem")
        c.execute("ANALYZE")


def plant(c, Settlement, SettlementItem, people) -> dict:
    """A few hundred cases of every rule, cloned from ordinary rows so they look like the rest."""
    S = Settlement._meta.db_table
    out = {}
    out["duplicate"] = clone(c, Settlement, {"number": "'D' || s.number"},
                             "s.visit_type = 'outpatient' AND s.id %% 2003 = 5")
    out["overlap"] = clone(c, Settlement, {
        "number": "'O' || s.number", "service_start": "s.service_start - 1", "service_end": "s.service_end + 2",
        "facility_id": "(SELECT f.code FROM bench_fac f WHERE f.n = (s.id * 7) %% 2000)",
        "treatment_region_id": "(SELECT f.region_id FROM bench_fac f WHERE f.n = (s.id * 7) %% 2000)",
    }, "s.visit_type = 'inpatient' AND s.id %% 2003 = 11")
    out["readmission"] = clone(c, Settlement, {
        "number": "'R' || s.number", "service_start": "s.service_end + 7", "service_end": "s.service_end + 12",
    }, "s.visit_type = 'inpatient' AND s.id %% 2003 = 17")
    out["same_day_cities"] = clone(c, Settlement, {
        "number": "'C' || s.number", "total_amount": "s.total_amount + 1",
        "facility_id": "(SELECT f.code FROM bench_fac f WHERE f.n = (s.id * 13) %% 2000)",
        "treatment_region_id": "(SELECT f.region_id FROM bench_fac f WHERE f.n = (s.id * 13) %% 2000)",
    }, "s.visit_type = 'outpatient' AND s.id %% 2003 = 23")
    frequent = 0
    for k in range(1, 10):
        frequent += clone(c, Settlement, {"number": f"'F{k}' || s.number", "service_start": f"s.service_start + {k}",
                                          "service_end": f"s.service_start + {k}"},
                          "s.visit_type = 'outpatient' AND s.id %% 4001 = 29")
    out["frequent"] = frequent
    c.execute(f"SELECT max(id) FROM {S}")
    last = c.fetchone()[0]
    out["oversupply"] = clone(c, Settlement, {"number": "'X' || s.number", "service_start": "s.service_start + 10",
                                              "service_end": "s.service_start + 10"},
                              "s.visit_type = 'chronic' AND s.id %% 2003 = 31")
    c.execute(f"INSERT INTO {SettlementItem._meta.db_table} (settlement_id, code, name, category, quantity, "
              f"unit_price, amount, days_supply) SELECT s.id, 'XC01', '缬沙坦胶囊', 'drug', 4, 30, 120, 120 "
              f"FROM {S} s WHERE s.id > %s", [last])
    before = "DATE '2023-12-01' + CAST(s.id %% 28 AS INTEGER)"  # a visit before the registration began (2024-01-01)
    out["no_registration"] = clone(c, Settlement, {
        "number": "'U' || s.number", "registration_id": "NULL", "service_start": before, "service_end": before,
    }, "s.visit_type = 'outpatient' AND s.id %% 1999 = 3")
    c.execute(f"UPDATE {S} SET total_amount = 40000, eligible_amount = 36000, fund_paid = 24000, "
              f"cash_paid = 16000 WHERE visit_type = 'inpatient' AND id %% 1999 = 7", [])
    out["large_inpatient"] = c.rowcount
    c.execute(f"UPDATE {S} SET total_amount = total_amount * 40 WHERE visit_type = 'outpatient' AND id %% 3001 = 9", [])
    out["peer_outlier"] = c.rowcount
    c.execute(f"INSERT INTO {SettlementItem._meta.db_table} (settlement_id, code, name, category, quantity, "
              f"unit_price, amount, days_supply) SELECT s.id, '250403021', '前列腺特异性抗原测定', 'service', 1, 80, 80, "
              f"NULL FROM {S} s WHERE s.id %% 2999 = 13 AND substr(s.id_number, 17, 1) IN ('0','2','4','6','8')", [])
    out["restricted_item"] = c.rowcount
    c.execute(f"UPDATE {S} SET disease_code = 'M01600' WHERE visit_type = 'chronic' AND id %% 2999 = 19", [])
    out["disease_not_confirmed"] = c.rowcount
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the data of the last run")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.regions.models import Region
    from apps.regions.services import load_regions
    from apps.supervision.models import Flag
    from apps.supervision.services import run_scan

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(level="county").exists():
        load_regions()
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM settlement_settlement")
        have = c.fetchone()[0]
    if not (args.keep and have >= args.rows):
        print(f"generating {args.rows:,} settlements …")
        began = time.monotonic()
        generate(args.rows)
        print(f"generated in {time.monotonic() - began:.1f}s")

    with connection.cursor() as c:
        c.execute("TRUNCATE supervision_flagevent, supervision_flag, supervision_scanrun RESTART IDENTITY")
        c.execute("DELETE FROM settlement_settlement WHERE number LIKE 'N%%'", [])  # a previous run's arrivals
        c.execute("SELECT count(*) FROM settlement_settlement")
        total = c.fetchone()[0]
        began = time.monotonic()
        c.execute("SELECT count(*), sum(total_amount) FROM settlement_settlement")
        c.fetchone()
        seq = time.monotonic() - began

    print(f"\nfull scan of {total:,} settlements, rule by rule:")
    began = time.monotonic()
    run = run_scan(all_settlements=True,
                   report=lambda code, n, s: print(f"  {code:<20} {n:>7,} flags  {s:6.2f}s"))
    scan = time.monotonic() - began
    again = time.monotonic()
    second = run_scan(all_settlements=True)
    rerun = time.monotonic() - again
    print(f"\nsequential scan (count + sum over all rows): {seq:.2f}s")
    print(f"full supervision scan (11 rules):            {scan:.2f}s  → {run.flags_created:,} flags "
          f"({Flag.objects.count():,} in table)")
    print(f"ratio scan / sequential scan:                {scan / seq:.1f}×")
    print(f"second full scan (idempotent):               {rerun:.2f}s  → {second.flags_created} new flags")
    print("target: full scan within 60 s —", "met" if scan <= 60 else "NOT met")

    # A day's arrivals: 10,000 new settlements (copies of old visits a year later, some overlapping old stays).
    from django.db import transaction
    from django.utils import timezone

    from apps.settlement.models import Settlement

    cut = timezone.now()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM supervision_flag WHERE settlement_id IN "
                  "(SELECT id FROM settlement_settlement WHERE number LIKE 'N%%')", [])
        c.execute("DELETE FROM settlement_settlement WHERE number LIKE 'N%%'", [])
        clone(c, Settlement, {"number": "'N' || s.number", "created_at": "now()",
                              "service_start": "s.service_start + 365", "service_end": "s.service_end + 365"},
              "s.id %% 100 = 1")
    began = time.monotonic()
    inc = run_scan(since=cut, report=lambda code, n, s: print(f"  {code:<20} {n:>7,} flags  {s:6.2f}s"))
    print(f"incremental scan of the 10,000 settlements received since the last scan: "
          f"{time.monotonic() - began:.2f}s → {inc.flags_created} flags")


if __name__ == "__main__":
    main()
