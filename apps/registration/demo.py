"""Demo registrations: every category and every status in each demo province, made through the services."""
import datetime as dt

from apps.core import idnumbers
from apps.regions.models import Level, Organisation, Region

from . import services
from .models import Category, Channel, InsuranceType, Registration, Status

# The county each demo province's insured people live in (the demo accounts' own counties where there are).
INSURED_COUNTY = {"320000": "320508", "310000": "310115", "330000": "330106", "440000": "440106",
                  "510000": "510104", "420000": "420106", "110000": "110105"}
INSTANT_APPROVAL_AREAS = ["330100"]  # 杭州 shows 即申即享
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超"]


def _insured_county(province: str) -> str:
    code = INSURED_COUNTY.get(province)
    if code and Region.objects.filter(code=code).exists():
        return code
    return Region.objects.county_level().filter(code__startswith=province[:2]).order_by("code").values_list(
        "code", flat=True).first()


def _other_city(county: Region) -> str | None:
    """A city of the same province outside the county's pooling area (for in-province registrations)."""
    pooling = county.pooling_area
    if pooling.level == Level.PROVINCE:
        return None
    return (Region.objects.filter(level=Level.CITY, code__startswith=county.code[:2]).exclude(code=pooling.code)
            .order_by("code").values_list("code", flat=True).first())


def seed(ctx) -> None:
    rng, today = ctx.rng, ctx.today
    Region.objects.filter(code__in=INSTANT_APPROVAL_AREAS).update(instant_approval=True)
    made: list[Registration] = []
    seq = 0

    def person(county: str) -> dict:
        nonlocal seq
        seq += 1
        born = dt.date(rng.randint(1945, 1998), rng.randint(1, 12), rng.randint(1, 28))
        return {
            "id_number": idnumbers.make_id_number(county, born, 100 + seq, male=rng.random() < 0.5),
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN), "phone": f"139{rng.randint(0, 99999999):08d}",
            "insurance_type": rng.choice(InsuranceType.values), "insured_region": county,
        }

    def submit(bureau, county, category, destination, *, on=None, **extra):
        on = on or today
        data = {**person(county), "category": category, "destination_region": destination, "start_date": on,
                "commitment_signed": True, **extra}
        registration = services.submit_registration(actor=None, organisation=bureau, channel=Channel.COUNTER,
                                                    data=data, today=on)
        made.append(registration)
        return registration

    def approve(bureau, registration):
        if registration.status == Status.SUBMITTED:
            services.approve_registration(actor=None, organisation=bureau, reference=registration.reference)

    provinces = ctx.provinces
    for i, province in enumerate(provinces):
        county_code = _insured_county(province)
        if county_code is None:
            continue
        county = Region.objects.select_related("pooling_area").get(code=county_code)
        bureau = Organisation.objects.get(code=county_code)
        away = provinces[(i + 1) % len(provinces)]
        away2 = provinces[(i + 2) % len(provinces)]

        approve(bureau, submit(bureau, county_code, Category.LONG_TERM_RESIDENT, away))              # approved
        submit(bureau, county_code, Category.RETIREE_RELOCATED, away2)                               # submitted
        owed = submit(bureau, county_code, Category.STATIONED_WORKER, away2, on=today - dt.timedelta(days=60),
                      documents_owed="居住证明（容缺后补）")                                     # documents overdue
        approve(bureau, owed)
        approve(bureau, submit(bureau, county_code, Category.REFERRAL, away, documents_provided=True))  # approved
        approve(bureau, submit(bureau, county_code, Category.EMERGENCY, away,
                               start_date=today - dt.timedelta(days=3),
                               retroactive_reason="急诊入院后补办备案"))                           # retroactive
        rejected = submit(bureau, county_code, Category.TEMPORARY_OTHER, away2)
        if rejected.status == Status.SUBMITTED:
            services.reject_registration(actor=None, organisation=bureau, reference=rejected.reference,
                                         reason="就医地信息与转诊材料不一致，请核实后重新申请。")  # rejected
        cancelled = submit(bureau, county_code, Category.LONG_TERM_RESIDENT, away2,
                           on=today - dt.timedelta(days=240))
        approve(bureau, cancelled)
        services.cancel_registration(actor=None, organisation=bureau, reference=cancelled.reference,
                                     reason="参保人员已返回参保地居住。", today=today)            # cancelled
        approve(bureau, submit(bureau, county_code, Category.TEMPORARY_OTHER, away,
                               on=today - dt.timedelta(days=300)))                              # to expire
        in_province = _other_city(county)
        if in_province:
            submit(bureau, county_code, Category.REFERRAL, in_province)                              # in-province

    expired = services.expire_registrations(today)
    services.ban_overdue_commitments(today)
    ids = [r.pk for r in made]
    ctx.made["registrations"] = list(
        Registration.objects.filter(pk__in=ids).select_related("person", "destination_region").order_by("id"))
    ctx.say(f"备案：{len(ids)} 条（含 {expired} 条已到期），覆盖全部类别与状态。")
