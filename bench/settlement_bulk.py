"""Settlements per second through POST /api/v1/settlements/bulk/ on PostgreSQL, next to a raw COPY of the same rows.

    .venv/bin/python bench/settlement_bulk.py [--batches 20] [--database yidi_bench_set]

Uses its own database (created if missing, migrated, regions loaded). Each batch is 1,000 settlements of
people of whom two in three hold a registration, at 60 facilities in other provinces; every one goes through
the whole ingest (validation, scope, idempotency, registration matching, policy, clearing month, bulk insert).
The same rows are then COPYed into a scratch table with the same columns and indexes: the ratio between the
two is the figure to watch."""
import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import benchsetup  # noqa: E402


def setup(database: str):
    benchsetup.setup_django(database, DEBUG="false", SECRET_KEY="bench-only-" + "x" * 50, ALLOWED_HOSTS="testserver",
                            SECURE_SSL_REDIRECT="false", THROTTLE_USER="100000/min", LOG_LEVEL="WARNING")


def fixtures(run: str, people: int = 6000):
    """60 hospitals in six provinces, and people insured elsewhere, two in three registered to where they go."""
    import datetime as dt
    import random

    from apps.core import idnumbers
    from apps.facilities.models import Facility
    from apps.regions.models import Organisation, Region, Tier
    from apps.registration.models import InsuredPerson, Registration

    rng = random.Random(7)
    counties = ["320508", "330106", "440106", "510104", "420102", "110105"]
    insured_counties = ["310115", "320205", "330203", "440303", "510107", "420106", "120101"]
    facilities = []
    for county in counties:
        for n in range(10):
            code = f"H{county}{90000 + n:05d}"
            org, _ = Organisation.objects.get_or_create(code=code, defaults=dict(
                name=f"压测医院{code}", tier=Tier.FACILITY, region_id=county,
                parent=Organisation.objects.get(code=county)))
            f, _ = Facility.objects.get_or_create(code=code, defaults=dict(
                name=f"压测医院{code}", kind="hospital", level=str(1 + n % 3), region_id=county, inpatient=True,
                outpatient=True, organisation=org))
            facilities.append(f)
    pooling = dict(Region.objects.filter(code__in=insured_counties).values_list("code", "pooling_area"))
    parents = dict(Region.objects.filter(code__in=counties).values_list("code", "parent"))
    persons, registrations, pool = [], [], []
    existing = set(InsuredPerson.objects.values_list("id_number", flat=True))
    for n in range(people):
        insured = insured_counties[n % len(insured_counties)]
        born = dt.date(1940 + n % 60, 1 + n % 12, 1 + n % 28)
        pid = idnumbers.make_id_number(insured, born, n % 1000, male=n % 2 == 0)
        here = [f for f in facilities if f.region_id[:2] != insured[:2]]
        county = rng.choice(here).region_id
        pool.append((pid, insured, [f for f in here if f.region_id == county]))
        if pid in existing:
            continue
        existing.add(pid)
        persons.append(InsuredPerson(id_number=pid, name=f"压测{n}", sex=idnumbers.sex(pid),
                                     birth_date=idnumbers.birth_date(pid), insurance_type="employee",
                                     insured_region_id=insured, insured_pooling_area_id=pooling[insured]))
    InsuredPerson.objects.bulk_create(persons, batch_size=2000)
    ids = dict(InsuredPerson.objects.filter(id_number__in=[p.id_number for p in persons]).values_list("id_number",
                                                                                                         "pk"))
    where = {pid: here[0].region_id for pid, _, here in pool}
    for i, p in enumerate(persons):
        if i % 3:
            dest = parents[where[p.id_number]]  # the city around the county they are treated in
            registrations.append(Registration(
                reference=f"BN{run}{i:06d}"[:20], person_id=ids[p.id_number], insured_region_id=p.insured_region_id,
                insured_pooling_area_id=p.insured_pooling_area_id, category="long_term_resident",
                destination_region_id=dest, scope="cross_province", start_date=dt.date(2025, 1, 1),
                commitment_signed=True, channel="api", status="approved"))
    Registration.objects.bulk_create(registrations, batch_size=2000)
    return pool


def bodies(run: str, pool, count: int):
    import datetime as dt
    import random

    rng = random.Random(11)
    out = []
    for n in range(count):
        pid, insured, here = pool[rng.randrange(len(pool))]
        day = dt.date(2026, 1 + n % 10, 1 + n % 28)
        total = rng.randint(100, 30000)
        fund = total * rng.randint(40, 80) // 100
        out.append({
            "number": f"BN-{run}-{n:08d}", "id_number": pid, "name": "压测", "insured_region": insured,
            "facility": rng.choice(here).code, "visit_type": "inpatient" if n % 4 == 0 else "outpatient",
            "service_start": day.isoformat(), "service_end": day.isoformat(), "total_amount": f"{total}.00",
            "eligible_amount": f"{total * 9 // 10}.00", "fund_paid": f"{fund}.00", "account_paid": "0.00",
            "cash_paid": f"{total - fund}.00", "settled_at": f"{day.isoformat()}T10:00:00+08:00",
        })
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--database", default="yidi_bench_set")
    args = parser.parse_args()
    setup(args.database)

    import json

    from django.db import connection
    from rest_framework.test import APIClient

    from apps.accounts.models import User
    from apps.regions.models import Organisation
    from apps.settlement.models import Settlement

    run = f"{int(time.time()) % 100000:05d}"
    pool = fixtures(run)
    user, _ = User.objects.get_or_create(username="bench-national", defaults=dict(
        organisation=Organisation.objects.get(code="000000")))
    client = APIClient()
    client.force_authenticate(user=user)
    items = bodies(run, pool, args.batches * 1000)
    payloads = [json.dumps({"settlements": items[i:i + 1000]}) for i in range(0, len(items), 1000)]

    started, cpu_started = time.perf_counter(), time.process_time()
    for payload in payloads:
        response = client.post("/api/v1/settlements/bulk/", payload, content_type="application/json")
        assert response.status_code == 200 and response.data["created"] == 1000, response.data
    api_seconds = time.perf_counter() - started
    api_cpu = time.process_time() - cpu_started
    n = len(items)
    matched = Settlement.objects.filter(number__startswith=f"BN-{run}-", registration__isnull=False).count()

    table = Settlement._meta.db_table
    columns = [f.column for f in Settlement._meta.concrete_fields if f.column != "id"]
    buffer = io.BytesIO()
    with connection.cursor() as cur:
        with cur.connection.cursor().copy(
                f"COPY (SELECT {', '.join(columns)} FROM {table} WHERE number LIKE %s) TO STDOUT",
                [f"BN-{run}-%"]) as copy:
            for chunk in copy:
                buffer.write(chunk)
        cur.execute("DROP TABLE IF EXISTS bench_settlement_scratch")
        cur.execute(f"CREATE UNLOGGED TABLE bench_settlement_scratch (LIKE {table} INCLUDING ALL)")
    connection.commit() if not connection.get_autocommit() else None
    started = time.perf_counter()
    with connection.cursor() as cur:
        with cur.connection.cursor().copy(
                f"COPY bench_settlement_scratch ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
    copy_seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_settlement_scratch")

    api_rate, copy_rate = n / api_seconds, n / copy_seconds
    print(f"bulk endpoint : {n:,} settlements in {api_seconds:.2f} s = {api_rate:,.0f} /s "
          f"({matched:,} matched to a registration)")
    print(f"  (of which Python CPU in this process {api_cpu:.2f} s = {api_cpu / len(payloads):.3f} s per 1,000; "
          f"the rest is waiting on PostgreSQL and on the CPU; load average now {os.getloadavg()[0]:.1f})")
    print(f"raw COPY      : {n:,} rows in {copy_seconds:.2f} s = {copy_rate:,.0f} /s")
    print(f"ratio         : the endpoint runs at {api_rate / copy_rate:.1%} of raw COPY "
          f"(COPY is {copy_rate / api_rate:.1f}× faster)")


if __name__ == "__main__":
    main()
