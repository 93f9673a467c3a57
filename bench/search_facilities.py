"""Benchmark: the facility name search (admin and ``GET /api/v1/facilities/?q=``) on a national table, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search_facilities.py

Uses its own database (``yidi_bench_search`` on the same server, created if missing), migrates it, loads the
regions and fills ``facilities_facility`` with BENCH_ROWS (default 50,000) facilities spread over every
county-level unit, with names built the way real ones are (county + two-character brand + kind: 越秀区康宁
人民医院, 天河区仁和大药房 …) plus a few well-known ones. Then, for a handful of search terms, runs the two
queries the API sends for ``?q=`` (the page's COUNT and its first 50 rows ordered by code) and the admin's
search, each with the trigram index ``facility_name_trgm`` and again with the index dropped (inside a
transaction that is rolled back). Prints the median time of several runs and the plan of each query.
Terms of one or two characters have no trigram, so the index cannot serve them (they scan)."""
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import benchsetup  # noqa: E402

BENCH_DB = "yidi_bench_search"
ROWS = int(os.environ.get("BENCH_ROWS", "50000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
TERMS = ["协和医院", "华西医院", "越秀区", "仁和大药房", "康宁人民医院", "h44010400007", "医院"]
FAMOUS = ["北京协和医院", "四川大学华西医院", "复旦大学附属中山医院", "中山大学附属第一医院", "华中科技大学同济医学院附属协和医院",
          "浙江大学医学院附属第一医院", "中南大学湘雅医院", "山东大学齐鲁医院", "西安交通大学第一附属医院"]
KINDS_H = ["人民医院", "第一人民医院", "第二人民医院", "中医医院", "中西医结合医院", "妇幼保健院", "骨科医院", "眼科医院",
           "口腔医院", "肿瘤医院", "儿童医院", "社区卫生服务中心", "中心卫生院", "精神卫生中心", "康复医院"]
KINDS_P = ["大药房", "药房", "药店", "医药连锁店", "国药堂", "百姓大药房"]
SYLLABLES = "康宁仁和同济济民华安泰福寿益德广惠明仁慈爱心众生天一百信永春长青瑞金博爱新华东方中联正大九州万家协和"


def setup_django():
    benchsetup.setup_django(BENCH_DB)


def fill(rows: int):
    """``rows`` facilities over every county-level unit, written with COPY (the table is emptied first)."""
    from django.db import connection
    from django.utils import timezone

    from apps.regions.models import Region

    counties = list(Region.objects.county_level().order_by("code").values_list("code", "name"))
    rnd = random.Random(2260)
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM facilities_facility")
        columns = "code, name, kind, level, region_id, address, status, inpatient, outpatient, created_at, updated_at"
        with cur.cursor.copy(f"COPY facilities_facility ({columns}) FROM STDIN") as copy:
            for i in range(rows):
                county, county_name = counties[i % len(counties)]
                hospital = i % 3 != 0
                brand = "".join(rnd.sample(SYLLABLES, 2))
                if i < len(FAMOUS):
                    name = FAMOUS[i]
                else:
                    name = county_name + brand + rnd.choice(KINDS_H if hospital else KINDS_P)
                code = f"{'H' if hospital else 'P'}{county}{i // len(counties) + 1:05d}"
                copy.write_row([code, name, "hospital" if hospital else "pharmacy", str(i % 4), county,
                                f"{county_name}{brand}路{i % 500 + 1}号", "active", hospital, True, now, now])


def queries(term: str):
    """The querysets the API (COUNT + first page) and the admin changelist run for ``term``."""
    from apps.facilities.admin import _search
    from apps.facilities.api.filters import FacilityFilter
    from apps.facilities.models import Facility

    api = FacilityFilter({"q": term}, queryset=Facility.objects.order_by("code")).qs
    admin_qs, _ = _search(Facility.objects.order_by("code"), term)
    return {"API COUNT": ("count", api), "API page 1": ("page", api), "admin page 1": ("page", admin_qs)}


def execute(kind: str, qs):
    return qs.count() if kind == "count" else list(qs.values_list("code", "name")[:50])


def run(kind: str, qs) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        execute(kind, qs)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def plan(kind: str, qs) -> str:
    """EXPLAIN ANALYZE of the very statement Django sends (captured, parameters inlined by the driver)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        execute(kind, qs)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + ctx.captured_queries[-1]["sql"])
        return "\n".join("      " + r[0] for r in cur.fetchall() if not r[0].startswith("Planning"))


def measure(label: str, show_plans: bool) -> dict:
    results = {}
    for term in TERMS:
        for name, (kind, qs) in queries(term).items():
            ms = run(kind, qs)
            results[(term, name)] = ms
            if show_plans:
                print(f"  [{label}] {name} q={term!r}: {ms:.2f} ms (median of {RUNS})")
                print(plan(kind, qs))
    return results


def main():
    setup_django()
    from django.db import connection, transaction

    from apps.facilities.models import Facility

    if Facility.objects.count() != ROWS:
        start = time.perf_counter()
        fill(ROWS)
        print(f"filled {ROWS:,} facilities in {time.perf_counter() - start:.1f}s")
    with connection.cursor() as cur:  # as autovacuum would: fresh statistics, the GIN pending list merged
        cur.execute("VACUUM ANALYZE facilities_facility")
    from apps.facilities.admin import _search

    matches = {t: _search(Facility.objects.all(), t)[0].count() for t in TERMS}
    print(f"{Facility.objects.count():,} facilities, PostgreSQL database {BENCH_DB}")
    print("\n== with the trigram index facility_name_trgm ==")
    with_index = measure("index", show_plans=True)
    print("\n== without it (DROP INDEX inside a transaction, rolled back) ==")
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DROP INDEX facility_name_trgm")
        without = measure("no index", show_plans=True)
        transaction.set_rollback(True)
    names = ("API COUNT", "API page 1", "admin page 1")
    print(f"\n{'term':<16}{'matches':>8}  " + "  ".join(f"{n:>24}" for n in names))
    for term in TERMS:
        cells = [f"{with_index[(term, n)]:8.2f} ms vs {without[(term, n)]:8.2f} ms"
                 for n in names]
        print(f"{term:<16}{matches[term]:>8}  " + "  ".join(cells))
    print("(each cell: with the index vs without it; median of", RUNS, "runs)")


if __name__ == "__main__":
    main()
