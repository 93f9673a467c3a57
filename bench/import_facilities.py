"""Benchmark: a province's 20,000-row facility feed through the import service, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_facilities.py

Uses its own database (``yidi_bench_fac`` on the same server, created if missing), migrates it, loads the
regions, writes a CSV of 20,000 rows for 广东 (124 county-level units) and imports it twice with
``manage.py import_facilities FILE --org 440000``'s code path: once creating everything, once updating
every row. Prints rows per second for each and this process's CPU time (reading and checking the rows,
building the statements); the rest of the wall time is the database (COPY, UPDATE … FROM UNNEST, and the
deferred foreign-key checks at commit)."""
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import benchsetup  # noqa: E402

BENCH_DB = "yidi_bench_fac"
ROWS = int(os.environ.get("BENCH_ROWS", "20000"))
PROVINCE = "440000"


def setup_django():
    benchsetup.setup_django(BENCH_DB)


def write_feed(path: Path, counties: list[str], rename: bool = False):
    from apps.facilities.services import IMPORT_COLUMNS

    diseases = ["M03900", "M01600", "M00500", "M07800", "M08300", "M07803"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=IMPORT_COLUMNS)
        writer.writeheader()
        for i in range(ROWS):
            county = counties[i % len(counties)]
            hospital = i % 3 != 0
            writer.writerow({
                "code": f"{'H' if hospital else 'P'}{county}{i // len(counties) + 1:05d}",
                "name": f"{'医院' if hospital else '药房'}{i}{'（新）' if rename else ''}",
                "kind": "hospital" if hospital else "pharmacy", "level": str(i % 4), "region": county,
                "address": f"测试路{i}号", "status": "suspended" if i % 17 == 0 else "active",
                "inpatient": "true" if hospital else "false", "outpatient": "true",
                "chronic_diseases": ";".join(diseases[: i % 4]) if hospital else "",
            })


def run(path: Path, by) -> tuple[float, float, object]:
    """Wall time and this process's CPU time (reading the file, checking rows, building the statements)."""
    from apps.facilities.services import import_facilities
    from apps.facilities.tabular import read_rows

    start, cpu = time.perf_counter(), time.process_time()
    report = import_facilities(rows=read_rows(path), by=by)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if report.refused:
        sys.exit("refused: " + "; ".join(str(e) for e in report.errors[:5]))
    return elapsed, cpu, report


def main():
    setup_django()
    from apps.facilities.models import FacilityDisease
    from apps.regions.models import Organisation, Region, code_range

    # start clean, so the first run creates every row (raw SQL: the ORM's cascade collection is slow)
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("facilities_diseaseserviceevent", "facilities_facilitydisease", "facilities_facility"):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("DELETE FROM regions_organisation WHERE tier = 'facility'")

    counties = list(Region.objects.county_level().filter(code__range=code_range(PROVINCE[:2]))
                    .order_by("code").values_list("code", flat=True))
    by = Organisation.objects.get(code=PROVINCE)
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "feed.csv", Path(tmp) / "feed2.csv"
        write_feed(first, counties)
        write_feed(second, counties, rename=True)
        t1, c1, r1 = run(first, by)
        t2, c2, r2 = run(second, by)
    print(f"{ROWS} rows, {len(counties)} county-level units of {PROVINCE}, PostgreSQL database {BENCH_DB}")
    print(f"create: {len(r1.created)} created in {t1:.2f}s = {ROWS / t1:,.0f} rows/s (Python CPU {c1:.2f}s)")
    print(f"update: {len(r2.updated)} updated in {t2:.2f}s = {ROWS / t2:,.0f} rows/s (Python CPU {c2:.2f}s)")
    print(f"services: {FacilityDisease.objects.count()} disease services, "
          f"{Organisation.objects.filter(tier='facility').count()} facility organisations")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
