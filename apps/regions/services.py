"""Loading the GB/T 2260 regions, pooling areas and the bureaus of the four region tiers."""
import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Level, Organisation, Region, Tier

DATA_FILE = Path(__file__).resolve().parent / "data" / "regions.csv"
NATIONAL_NAME = "全国"
BUREAU_SUFFIX = "医疗保障局"


def read_region_rows(path: Path = DATA_FILE) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        return list(csv.DictReader(lines))


def _pooling(rows: list[dict], province_pooling: set[str]) -> dict[str, str | None]:
    """code → pooling area code. City by default; the province where it pools; a county
    directly under a non-pooling province is its own pooling area (仙桃, 石河子 …)."""
    by_code = {r["code"]: r for r in rows}
    result: dict[str, str | None] = {}
    for r in rows:
        code, level, parent = r["code"], r["level"], r["parent"]
        province = code[:2] + "0000"
        if province in province_pooling:
            result[code] = province
        elif level == Level.PROVINCE:
            result[code] = None
        elif level == Level.CITY:
            result[code] = code
        elif by_code[parent]["level"] == Level.CITY:
            result[code] = parent
        else:
            result[code] = code
    return result


@transaction.atomic
def load_regions(path: Path = DATA_FILE, province_pooling: list[str] | None = None) -> dict[str, int]:
    """Create or update every region and its bureau; running again changes nothing.

    Returns counts of regions created and updated and of bureaus created."""
    rows = read_region_rows(path)
    pooling_set = set(province_pooling if province_pooling is not None else settings.YIDI_PROVINCE_POOLING)
    pooling = _pooling(rows, pooling_set)
    parents = {r["parent"] for r in rows if r["parent"]}
    national = settings.YIDI_NATIONAL_CODE

    wanted = {
        national: dict(name=NATIONAL_NAME, level=Level.NATIONAL, parent_id=None, pooling_area_id=None,
                       is_pooling_area=False, has_children=True)
    }
    for r in rows:
        pa = pooling[r["code"]]
        wanted[r["code"]] = dict(
            name=r["name"], level=r["level"], parent_id=r["parent"] or national, pooling_area_id=pa,
            is_pooling_area=(pa == r["code"]), has_children=r["code"] in parents,
        )

    existing = {r.code: r for r in Region.objects.all()}
    fields = ["name", "level", "parent_id", "pooling_area_id", "is_pooling_area", "has_children"]
    to_create, to_update = [], []
    for code, values in wanted.items():
        current = existing.get(code)
        if current is None:
            # created without links first, so rows can point at each other in any order
            to_create.append(Region(code=code, **{**values, "parent_id": None, "pooling_area_id": None}))
        elif any(getattr(current, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(current, f, v)
            to_update.append(current)
    Region.objects.bulk_create(to_create, batch_size=1000)
    for region in to_create:
        for f in ("parent_id", "pooling_area_id"):
            setattr(region, f, wanted[region.code][f])
    Region.objects.bulk_update(to_create + to_update, fields, batch_size=1000)

    bureaus_created = _ensure_bureaus(wanted)
    return {"created": len(to_create), "updated": len(to_update), "bureaus_created": bureaus_created}


def _ensure_bureaus(wanted: dict[str, dict]) -> int:
    have = set(Organisation.objects.exclude(tier=Tier.FACILITY).values_list("code", flat=True))
    new = [
        Organisation(code=code, name=_bureau_name(v["name"], v["level"]), tier=v["level"], region_id=code)
        for code, v in wanted.items()
        if code not in have
    ]
    Organisation.objects.bulk_create(new, batch_size=1000)
    # link each bureau to the bureau of its parent region
    orgs = {o.code: o for o in Organisation.objects.exclude(tier=Tier.FACILITY)}
    changed = []
    for code, v in wanted.items():
        org, parent_code = orgs[code], v["parent_id"]
        parent_id = orgs[parent_code].pk if parent_code else None
        if org.parent_id != parent_id:
            org.parent_id = parent_id
            changed.append(org)
    Organisation.objects.bulk_update(changed, ["parent"], batch_size=1000)
    return len(new)


def _bureau_name(region_name: str, level: str) -> str:
    if level == Level.NATIONAL:
        return "国家" + BUREAU_SUFFIX
    return region_name + BUREAU_SUFFIX
