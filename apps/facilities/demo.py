"""Demo facilities: some provinces meet the coverage targets and some do not, with confirmed and pending
chronic-disease services. Loaded through the same import service as the admin and the command."""
from apps.regions.models import Organisation, Region, code_range

from . import services
from .models import DiseaseServiceStatus, FacilityDisease

# Share of county-level units given a covering hospital, per demo province (the rest get a pharmacy,
# a suspended hospital or nothing, none of which count).
TARGET_SHARE = {"320000": 1.0, "310000": 1.0, "110000": 1.0, "330000": 0.8, "420000": 0.65, "440000": 0.5,
                "510000": 0.4}
FIVE_ALL = ["M03900", "M01600", "M00503", "M07800", "M08300"]
FIVE_SOME = ["M03900", "M01600"]
LEVELS = ["3", "2", "1", "2", "0"]


def seed(ctx):
    made, pharmacies, pending = {}, {}, []
    created = updated = unchanged = 0
    for province in ctx.provinces:
        rows = []
        share = TARGET_SHARE.get(province, 0.6)
        units = list(
            Region.objects.county_level().filter(code__range=code_range(province[:2]))
            .order_by("code").values_list("code", "name", "pooling_area_id")
        )
        first_in_area: set = set()
        made[province], pharmacies[province] = [], []
        for i, (code, name, area) in enumerate(units):
            covered = int((i + 1) * share) > int(i * share)  # spread evenly over the cities
            if covered:
                hospital = f"H{code}00001"
                diseases = []
                if area not in first_in_area:
                    first_in_area.add(area)
                    diseases = FIVE_ALL if share >= 0.8 else FIVE_SOME
                rows.append(_row(hospital, f"{name}人民医院", "hospital", LEVELS[i % len(LEVELS)], "active",
                                 True, True, diseases))
                made[province].append(hospital)
                if i % 7 == 3:
                    pending.append((hospital, "M08300" if "M08300" not in diseases else "M07804"))
            elif i % 3 == 0:
                rows.append(_row(f"P{code}00001", f"{name}大药房", "pharmacy", "0", "active", False, True, []))
                pharmacies[province].append(f"P{code}00001")
            elif i % 3 == 1:
                rows.append(_row(f"H{code}00002", f"{name}中心卫生院", "hospital", "1", "suspended", True, True, []))
            if covered and i % 5 == 0:
                rows.append(_row(f"P{code}00002", f"{name}连锁药房", "pharmacy", "0", "active", False, True,
                                 ["M03900"]))
                pharmacies[province].append(f"P{code}00002")
        # loaded by the province bureau: the listed diseases count as its confirmation
        report = services.import_facilities(rows=rows, by=Organisation.objects.get(code=province))
        if report.refused:
            raise RuntimeError("; ".join(str(e) for e in report.errors[:5]))
        created, updated = created + len(report.created), updated + len(report.updated)
        unchanged += len(report.unchanged)
    have = set(FacilityDisease.objects.filter(facility_id__in=[f for f, _ in pending])
               .values_list("facility_id", "disease_id"))
    for facility, disease in pending:
        if (facility, disease) not in have:
            services.request_disease(by=None, facility_code=facility, disease_code=disease)
    ctx.made["facilities"] = made
    ctx.made["pharmacies"] = pharmacies
    ctx.made["chronic_facilities"] = {
        code: list(FacilityDisease.objects.filter(disease_id=code, status=DiseaseServiceStatus.CONFIRMED)
                   .order_by("facility_id").values_list("facility_id", flat=True)[:20])
        for code in FIVE_ALL
    }
    _facility_account(made)
    ctx.say(f"定点医药机构：新增 {created}，更新 {updated}，未变 {unchanged}")


def _row(code, name, kind, level, status, inpatient, outpatient, diseases):
    return {"code": code, "name": name, "kind": kind, "level": level, "region": code[1:7], "address": f"{name}路1号",
            "status": status, "inpatient": "true" if inpatient else "false",
            "outpatient": "true" if outpatient else "false", "chronic_diseases": ";".join(diseases)}


def _facility_account(made):
    """A staff account for one hospital, so the fifth tier can be tried in the demo."""
    from apps.accounts.models import User
    from apps.accounts.services import create_account
    from apps.core.demo import DEMO_PASSWORD

    code = next((c for c in made.get("320000", []) if c.startswith("H320508")), None)
    if code and not User.objects.filter(username="gusu-hospital").exists():
        create_account(org_code=code, username="gusu-hospital", password=DEMO_PASSWORD, staff=True)
