"""Demo settlements over last year and this year (through the ingest service), some refunded, monthly clearing
through its statuses with late adjustments, local policies and this year's prepayments."""
import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.core import idnumbers
from apps.core.money import money

from .models import Clearing, ClearingStatus, Policy, Settlement, month_start, next_month

PREFIX = "YD-DEMO-"
INSURED_COUNTIES = ["310115", "310115", "310104", "320508", "320205", "330106", "330203", "440106", "510104",
                    "420102", "110105"]
DELTA = {"31", "32", "33"}
FALLBACK_FACILITY_COUNTIES = ["320508", "310115", "330106", "440106", "510104", "420102", "110105"]
PER_MONTH = 70

# (pooling area, insurance type, visit type, deductible, ratios 3/2/1/0, cap, referral/emergency, other temp,
#  unregistered rule, value) — local figures of the kind the pooling areas publish
LOCAL_POLICIES = [
    ("310000", "employee", "inpatient", "1500.00", (85, 90, 92, 92), "590000.00", 10, 20, "reduce", 20),
    ("310000", "employee", "outpatient", "1500.00", (65, 70, 75, 75), "10000.00", 10, 20, "reduce", 20),
    ("320500", "employee", "inpatient", "900.00", (88, 92, 95, 95), "400000.00", 5, 15, "reduce", 30),
    ("320500", "resident", "inpatient", "700.00", (65, 75, 85, 85), "300000.00", 10, 20, "fixed", 40),
    ("330100", "employee", "inpatient", "800.00", (85, 90, 93, 93), "350000.00", 10, 20, "reduce", 25),
    ("110000", "employee", "inpatient", "1300.00", (85, 90, 95, 95), "500000.00", 10, 20, "reduce", 20),
    ("440100", "employee", "inpatient", "1000.00", (85, 90, 95, 95), "450000.00", 10, 20, "reduce", 30),
]


def seed(ctx):
    from apps.regions.models import Organisation

    from . import services

    if Settlement.objects.filter(number__startswith=PREFIX).exists():
        ctx.say("结算：演示结算已存在，未重复生成。")
        return
    _policies()
    facilities = _facilities(ctx)
    rng, today = ctx.rng, ctx.today
    start = dt.date(today.year - 1, 1, 1)
    bodies = []
    seq = 0
    # chronic visits go only where the disease service is confirmed (the facilities demo says where)
    confirmed: dict[str, list[str]] = {}
    for code, where in ctx.made.get("chronic_facilities", {}).items():
        for facility_code in where:
            confirmed.setdefault(facility_code, []).append(code)

    def body(person_id, name, insured, facility, day):
        nonlocal seq
        seq += 1
        kind = rng.random()
        visit = "pharmacy" if facility.kind == "pharmacy" else (
            "inpatient" if kind < 0.12 else "chronic" if kind < 0.3 else "outpatient")
        disease = ""
        if visit == "chronic":
            if facility.code in confirmed:
                disease = rng.choice(confirmed[facility.code])
            else:
                visit = "outpatient"
        if visit == "inpatient":
            total = Decimal(rng.randint(5000, 12000)) + Decimal(rng.randint(0, 99)) / 100
            end = min(day + dt.timedelta(days=rng.randint(2, 12)), today)
        else:
            total = Decimal(rng.randint(60, 900 if visit != "chronic" else 1600)) + Decimal(rng.randint(0, 99)) / 100
            end = day
        eligible = money(total * Decimal(rng.randint(75, 95)) / 100)
        fund = money(eligible * Decimal(rng.randint(50, 85)) / 100)
        account = money(min(total - fund, Decimal(rng.randint(0, 200))))
        settled = timezone.make_aware(dt.datetime.combine(end, dt.time(rng.randint(8, 17), rng.randint(0, 59))))
        settled = min(settled, timezone.now() - dt.timedelta(minutes=1))
        return {
            "number": f"{PREFIX}{seq:07d}", "id_number": person_id, "name": name, "insured_region": insured,
            "facility": facility.code, "visit_type": visit,
            "disease_code": disease,
            "service_start": day.isoformat(), "service_end": end.isoformat(), "total_amount": str(total),
            "eligible_amount": str(eligible), "fund_paid": str(fund), "account_paid": str(account),
            "cash_paid": str(total - fund - account), "settled_at": settled.isoformat(),
            "items": [{"code": "XA01", "name": "演示药品", "category": "drug", "quantity": "1",
                       "unit_price": str(money(total / 4)), "amount": str(money(total / 4)), "days_supply": 30}]
            if visit == "chronic" else [],
        }

    # treatment of registered persons where their registration lets them go
    for r in ctx.made.get("registrations", []):
        if r.status not in ("approved", "expired"):
            continue
        prefix = services._destination_prefix(r.destination_region_id)
        here = [f for f in facilities if f.region_id.startswith(prefix)]
        last = min(r.end_date or today, today)
        if not here or r.start_date > last:
            continue
        for _ in range(rng.randint(1, 3)):
            day = r.start_date + dt.timedelta(days=rng.randint(0, (last - r.start_date).days))
            bodies.append(body(r.person.id_number, r.person.name, r.insured_region_id, rng.choice(here), day))

    # a pool of people who live or travel away from home: most registered to the city they are treated in
    pool = _people(ctx, facilities, start)
    month = start
    while month <= today:
        for _ in range(PER_MONTH):
            pid, name, insured, here = rng.choice(pool)
            day = month + dt.timedelta(days=rng.randint(0, 27))
            if day <= today:
                bodies.append(body(pid, name, insured, rng.choice(here), day))
        month = next_month(month)

    bodies.sort(key=lambda b: b["settled_at"])
    national = Organisation.objects.get(code="000000")
    made = []
    for i in range(0, len(bodies), 500):
        outcomes = services.ingest_settlements(actor=None, organisation=national, items=bodies[i:i + 500])
        bad = [o for o in outcomes if o.outcome != "created"]
        if bad:
            raise RuntimeError(f"演示结算未能全部接收：{bad[0].number} {bad[0].outcome} {bad[0].errors}")
        made.extend(o.settlement for o in outcomes)

    for s in rng.sample(made, max(1, len(made) // 30)):  # ordinary refunds, before their months were built
        services.reverse_settlement(actor=None, organisation=national, number=s.number, facility=s.facility_id,
                                    reason="患者办理退费")

    this_month = month_start(today)
    last_month = month_start(this_month - dt.timedelta(days=1))
    month = start
    while month < this_month:
        services.build_clearing(period=month)
        _advance(month, this_month, last_month)
        month = next_month(month)

    # late news after declaration: a settlement reported late and a refund of a cleared one
    late_day = month_start(last_month - dt.timedelta(days=1)) + dt.timedelta(days=12)
    late_facility = next(f for f in facilities if f.region_id[:2] != "31")
    late = body(idnumbers.make_id_number("310115", dt.date(1958, 6, 6), 777), "补报人员", "310115",
                late_facility, late_day)
    late["number"] = f"{PREFIX}LATE-1"
    made.extend(o.settlement for o in services.ingest_settlements(actor=None, organisation=national, items=[late]))
    cleared = next((s for s in made if s.reversed_at is None and s.settled_at.date() < last_month - dt.timedelta(
        days=40)), None)
    if cleared is not None:
        services.reverse_settlement(actor=None, organisation=national, number=cleared.number,
                                    facility=cleared.facility_id, reason="参保地费用审核后退费")
    services.build_clearing(period=last_month)
    services.build_clearing(period=this_month)
    pairs = services.compute_prepayments(year=today.year)

    ctx.made["settlements"] = made
    reversed_count = Settlement.objects.filter(number__startswith=PREFIX, reversed_at__isnull=False).count()
    ctx.say(f"结算：{len(made)} 笔（经接收服务，含申报后补报 1 笔；冲正 {reversed_count} 笔），"
            f"清算 {Clearing.objects.count()} 行，预付金 {pairs} 个省份组合。")


def _advance(month, this_month, last_month):
    """Older months paid; last month declared for some pairs and still a draft (overdue after the 20th) for others."""
    from apps.regions.models import Organisation

    from . import services

    orgs = {o.code: o for o in Organisation.objects.filter(tier="province")}
    for c in Clearing.objects.filter(period=month, status=ClearingStatus.DRAFT):
        treatment, insured = orgs[c.treatment_province_id], orgs[c.insured_province_id]
        if month == last_month and c.pk % 2:
            continue
        services.declare_clearing(actor=None, organisation=treatment, clearing_id=c.pk)
        if month < last_month:
            services.confirm_clearing(actor=None, organisation=insured, clearing_id=c.pk)
            services.pay_clearing(actor=None, organisation=insured, clearing_id=c.pk)


def _people(ctx, facilities, since, size=240):
    """(id number, name, insured county, facilities they use); most hold a long-term registration to the
    facilities' city from ``since`` on, about one in fifteen is treated unregistered."""
    from apps.regions.models import Region
    from tests.registration.factories import InsuredPersonFactory, RegistrationFactory

    rng, people = ctx.rng, []
    by_city: dict[str, list] = {}
    parents = dict(Region.objects.filter(code__in={f.region_id for f in facilities}).values_list("code", "parent"))
    for f in facilities:  # the city (or, for 上海 and the other municipalities, the province) around the county
        by_city.setdefault(parents[f.region_id], []).append(f)
    delta = [c for c in by_city if c[:2] in DELTA]
    for n in range(1, size + 1):
        insured = rng.choice(INSURED_COUNTIES)
        # most movement is within the Yangtze delta (上海, 江苏, 浙江): a few busy province pairs
        near = [c for c in delta if c[:2] != insured[:2]] if insured[:2] in DELTA and rng.random() < 0.8 else []
        city = rng.choice(near or [c for c in by_city if c[:2] != insured[:2]])
        pid = idnumbers.make_id_number(insured, dt.date(1945 + n % 50, 1 + n % 12, 1 + n % 28), n, male=n % 2 == 0)
        name = f"演示参保人{n}"
        person = InsuredPersonFactory(id_number=pid, name=name, insured=insured,
                                      insurance_type="employee" if n % 4 else "resident")
        if rng.random() < 0.93:
            RegistrationFactory(reference=f"BA-DEMO-{n:05d}", person=person, destination=city,
                                category=rng.choice(["retiree_relocated", "long_term_resident", "stationed_worker"]),
                                start_date=since, channel="counter")
            people.append((pid, name, insured, by_city[city]))
        else:
            away = [f for f in facilities if f.region_id[:2] != insured[:2]]
            people.append((pid, name, insured, [rng.choice(away) for _ in range(3)]))
    return people


def _policies():
    for area, ins, visit, deductible, (r3, r2, r1, r0), cap, ref, tmp, rule, value in LOCAL_POLICIES:
        Policy.objects.get_or_create(
            pooling_area_id=area, insurance_type=ins, visit_type=visit, effective_from=dt.date(2025, 1, 1),
            defaults=dict(deductible=Decimal(deductible), ratio_level3=r3, ratio_level2=r2, ratio_level1=r1,
                          ratio_unrated=r0, annual_cap=Decimal(cap), referral_emergency_reduction=ref,
                          temporary_other_reduction=tmp, unregistered_rule=rule, unregistered_value=value,
                          note="演示数据"),
        )


def _facilities(ctx):
    from apps.facilities.models import Facility

    codes = [c for group in (ctx.made.get("facilities") or {}).values() for c in group]
    codes += [c for group in (ctx.made.get("pharmacies") or {}).values() for c in group[:2]]
    found = list(Facility.objects.filter(code__in=codes, status="active"))
    if len({f.region_id[:2] for f in found}) >= 3:
        return found
    from tests.facilities.factories import FacilityFactory

    return found + [FacilityFactory(county=county) for county in FALLBACK_FACILITY_COUNTIES]
