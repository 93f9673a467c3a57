"""Supervision test data: people with valid registrations, their visits, and the planted anomalies of every rule.

``plant_anomalies()`` and ``clean_population()`` are used by the tests and by the demo alike: the first makes
settlements each rule must flag, the second ordinary care and near misses just under every threshold that no
rule may flag."""
import datetime as dt
import importlib
import itertools
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.supervision.models import Flag, FlagStatus, Rule
from tests.facilities.factories import ChronicDiseaseFactory, FacilityDiseaseFactory, FacilityFactory
from tests.factories import id_number_for
from tests.registration.factories import InsuredPersonFactory, RegistrationFactory
from tests.settlement.factories import SettlementFactory, SettlementItemFactory

D = dt.date
_people = itertools.count()
_BIRTHPLACES = ["310115", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113",
                "310114", "310116", "310117", "310118", "310120", "310151", "320102", "320104", "320105"]


def person(insured="310115", born=D(1960, 5, 17), male=True):
    """An insured person (上海浦东 by default) with a unique, valid ID number.

    ``make_id_number`` bumps an odd/even sequence to the sex's parity, so consecutive sequences can collide;
    even sequences (and another birthplace every 500 people) keep the numbers apart."""
    n = next(_people)
    birthplace = _BIRTHPLACES[(n // 500) % len(_BIRTHPLACES)]
    return InsuredPersonFactory(id_number=id_number_for(birthplace, born, male, seq=2 * (n % 500)),
                                insured=insured)


def registered(insured="310115", born=D(1960, 5, 17), male=True, destination="320000", **kwargs):
    """A person with an approved long-term registration to 江苏 from 2026-01-01: ``(person, registration)``."""
    p = person(insured, born, male)
    return p, RegistrationFactory(person=p, destination=destination, **kwargs)


def visit(p, reg=None, facility=None, day=D(2026, 3, 10), end=None, **kwargs):
    """A settlement of person ``p`` (matched to ``reg``) at ``facility`` (a new 姑苏区 hospital by default)."""
    kwargs.setdefault("insured", p.insured_region_id)
    if facility is not None:
        kwargs["facility"] = facility
    return SettlementFactory(id_number=p.id_number, name=p.name, registration=reg, service_start=day,
                             service_end=end or day, **kwargs)


def drug(settlement, code="XA01", days=30):
    return SettlementItemFactory(settlement=settlement, code=code, category="drug", days_supply=days)


def item(settlement, code, category="service"):
    return SettlementItemFactory(settlement=settlement, code=code, name="限定项目", category=category,
                                 days_supply=None)


def hospital(county="320508", level="3", **kwargs):
    return FacilityFactory(county=county, level=level, **kwargs)


def chronic_hospital(*codes, status="confirmed"):
    """A hospital with the given chronic-disease services (confirmed unless told otherwise)."""
    f = hospital()
    for code in codes:
        FacilityDiseaseFactory(facility=f, disease=ChronicDiseaseFactory(code=code, name=f"病种{code}"),
                               status=status)
    return f


def days(start, *offsets):
    return [start + dt.timedelta(days=o) for o in offsets]


# --- planted anomalies, by rule ------------------------------------------------------------------------------

def plant_no_registration():
    p = person()                                                     # holds no registration
    cancelled = RegistrationFactory(person=person(), status="cancelled")
    late = RegistrationFactory(person=person(), start_date=D(2026, 3, 1))
    return [
        visit(p, None),                                              # no registration at all
        visit(cancelled.person, cancelled),                          # matched a cancelled one
        visit(late.person, late, day=D(2026, 2, 20)),                # treated before the registration began
    ]


def plant_inpatient_overlap():
    p, reg = registered()
    a = visit(p, reg, hospital(), day=D(2026, 3, 1), end=D(2026, 3, 10), visit_type="inpatient")
    b = visit(p, reg, hospital(), day=D(2026, 3, 5), end=D(2026, 3, 12), visit_type="inpatient")
    return [a, b]


def plant_same_day_cities():
    p, reg = registered()
    return [visit(p, reg, hospital("320508"), day=D(2026, 4, 2)),    # 苏州
            visit(p, reg, hospital("320102"), day=D(2026, 4, 2))]    # 南京


def plant_frequent_outpatient():
    p, reg = registered()
    f = hospital()
    visits = [visit(p, reg, f, day=d) for d in days(D(2026, 5, 1), *range(9))]
    return visits[-1:]                                               # the ninth visit within 30 days


def plant_drug_oversupply():
    p, reg = registered()
    f = chronic_hospital("M03900")
    visits = [visit(p, reg, f, day=d, visit_type="chronic", disease_code="M03900")
              for d in days(D(2026, 2, 1), 0, 20, 40, 60, 80)]
    for v in visits:
        drug(v, "XC01", 30)
    return visits[-1:]                                               # 150 days of supply within 90 days


def plant_duplicate():
    p, reg = registered()
    f = hospital()
    return [visit(p, reg, f, day=D(2026, 3, 20), total_amount=Decimal("321.50")),
            visit(p, reg, f, day=D(2026, 3, 20), total_amount=Decimal("321.50"))]


def plant_readmission():
    p, reg = registered()
    f = hospital()
    visit(p, reg, f, day=D(2026, 6, 1), end=D(2026, 6, 10), visit_type="inpatient")
    again = visit(p, reg, f, day=D(2026, 6, 24), end=D(2026, 6, 30), visit_type="inpatient")   # 14 days on
    return [again]


def plant_service_not_opened():
    p, reg = registered()
    return [
        visit(p, reg, hospital(inpatient=False), day=D(2026, 7, 1), end=D(2026, 7, 3), visit_type="inpatient"),
        visit(p, reg, hospital(outpatient=False), day=D(2026, 7, 5)),
        visit(p, reg, chronic_hospital("M07803", status="pending"), day=D(2026, 7, 6), visit_type="chronic",
              disease_code="M07803"),
        visit(p, reg, chronic_hospital("M03900"), day=D(2026, 7, 7), visit_type="chronic", disease_code="M01600"),
    ]


def plant_peer_outlier():
    """40 ordinary visits of ¥100 at level-2 hospitals, one of ¥5,000 (planted) and one of ¥600 (a near miss)."""
    f = hospital(level="2")
    for _ in range(40):
        p, reg = registered()
        visit(p, reg, f, day=D(2026, 8, 3))
    p, reg = registered()
    visit(p, reg, f, day=D(2026, 8, 4), total_amount=Decimal("600.00"))
    p, reg = registered()
    return [visit(p, reg, f, day=D(2026, 8, 5), total_amount=Decimal("5000.00"))]


def plant_restricted_item():
    cases = [
        ("250403021", D(1970, 1, 1), False),     # 前列腺特异性抗原 for a woman
        ("311201001", D(1970, 1, 1), True),      # 宫颈细胞学 for a man
        ("410000009", D(1996, 1, 1), True),      # 小儿推拿 at 30
        ("250309008", D(2006, 1, 1), False),     # 骨密度（老年） at 20
        ("311300003", D(1966, 1, 1), False),     # 产前检查 at 60
    ]
    out = []
    for code, born, male in cases:
        p, reg = registered(born=born, male=male)
        s = visit(p, reg, day=D(2026, 3, 10))
        item(s, code)
        out.append(s)
    return out


def plant_large_inpatient():
    p, reg = registered()
    return [visit(p, reg, day=D(2026, 9, 1), end=D(2026, 9, 12), visit_type="inpatient",
                  total_amount=Decimal("30000.01"), eligible_amount=Decimal("28000.00"))]


PLANTERS = {
    "NO_REGISTRATION": plant_no_registration,
    "INPATIENT_OVERLAP": plant_inpatient_overlap,
    "SAME_DAY_CITIES": plant_same_day_cities,
    "FREQUENT_OUTPATIENT": plant_frequent_outpatient,
    "DRUG_OVERSUPPLY": plant_drug_oversupply,
    "DUPLICATE": plant_duplicate,
    "READMISSION": plant_readmission,
    "SERVICE_NOT_OPENED": plant_service_not_opened,
    "PEER_OUTLIER": plant_peer_outlier,
    "RESTRICTED_ITEM": plant_restricted_item,
    "LARGE_INPATIENT": plant_large_inpatient,
}


def plant_anomalies() -> dict:
    """Every rule's planted cases: ``{rule code: [settlements it must flag]}``."""
    return {code: plant() for code, plant in PLANTERS.items()}


# --- the clean control population -----------------------------------------------------------------------------

def clean_population() -> list:
    """Ordinary care plus near misses just under every threshold; no rule may flag any of it."""
    made = []
    add = made.append

    # Registration: valid ones, the last day of validity, and emergency care without a matched registration.
    p, reg = registered()
    add(visit(p, reg, day=D(2026, 3, 10)))
    last_day = RegistrationFactory(person=person(), category="referral", start_date=D(2026, 1, 1),
                                   end_date=D(2026, 6, 30))
    add(visit(last_day.person, last_day, day=D(2026, 6, 30)))
    emergency = RegistrationFactory(person=person(), category="emergency", start_date=D(2026, 3, 12),
                                    end_date=D(2026, 9, 11), retroactive_reason="急诊后补办")
    add(visit(emergency.person, None, day=D(2026, 3, 12), end=D(2026, 3, 15), visit_type="inpatient"))
    er = visit(person(), None, day=D(2026, 3, 13))
    item(er, "110200003")                                            # 急诊诊查费: emergency care
    add(er)

    # Inpatient: a transfer (discharged and admitted the same day, another hospital); readmission on day 15;
    # a readmission within 14 days but at another hospital.
    p, reg = registered()
    add(visit(p, reg, hospital(), day=D(2026, 4, 1), end=D(2026, 4, 10), visit_type="inpatient"))
    add(visit(p, reg, hospital(), day=D(2026, 4, 10), end=D(2026, 4, 15), visit_type="inpatient"))
    p, reg = registered()
    f = hospital()
    add(visit(p, reg, f, day=D(2026, 5, 1), end=D(2026, 5, 5), visit_type="inpatient"))
    add(visit(p, reg, f, day=D(2026, 5, 20), end=D(2026, 5, 22), visit_type="inpatient"))
    add(visit(p, reg, hospital(), day=D(2026, 5, 27), end=D(2026, 5, 29), visit_type="inpatient"))

    # Same day in two counties of one city (苏州 姑苏/虎丘); two cities on consecutive days.
    p, reg = registered()
    add(visit(p, reg, hospital("320508"), day=D(2026, 4, 2)))
    add(visit(p, reg, hospital("320505"), day=D(2026, 4, 2)))
    add(visit(p, reg, hospital("320102"), day=D(2026, 4, 3)))

    # Exactly 8 visits in 30 days; 9 visits spread so that no 30 days hold more than 8.
    p, reg = registered()
    f = hospital()
    made.extend(visit(p, reg, f, day=d) for d in days(D(2026, 5, 1), 0, 3, 6, 9, 12, 15, 18, 29))
    p, reg = registered()
    made.extend(visit(p, reg, f, day=d) for d in days(D(2026, 5, 1), *range(0, 36, 4)))

    # Drug supply: monthly refills; exactly window + tolerance (120 days in 90); two drugs in one visit.
    f = chronic_hospital("M03900", "M07800")
    p, reg = registered()
    for d in days(D(2026, 2, 1), 0, 30, 60, 90, 120):
        s = visit(p, reg, f, day=d, visit_type="chronic", disease_code="M03900")
        drug(s, "XC01", 30)
        add(s)
    p, reg = registered()
    for d in days(D(2026, 2, 1), 0, 20, 40, 60):
        s = visit(p, reg, f, day=d, visit_type="chronic", disease_code="M03900")
        drug(s, "XC01", 30)
        add(s)
    # A 透析 visit where the hospital opened the whole M078 family.
    p, reg = registered()
    s = visit(p, reg, f, day=D(2026, 3, 3), visit_type="chronic", disease_code="M07803")
    drug(s, "XC02", 60)
    drug(s, "XC03", 60)
    add(s)

    # Duplicates that are not: one cent apart; the same amount the next day.
    p, reg = registered()
    f = hospital()
    add(visit(p, reg, f, day=D(2026, 3, 20), total_amount=Decimal("321.50")))
    add(visit(p, reg, f, day=D(2026, 3, 20), total_amount=Decimal("321.49")))
    add(visit(p, reg, f, day=D(2026, 3, 21), total_amount=Decimal("321.50")))

    # Restricted items given to the right people, ages exactly at the limits.
    for code, born, male in [("250403021", D(1970, 1, 1), True), ("311201001", D(1970, 1, 1), False),
                             ("410000009", D(2012, 3, 10), True), ("250309008", D(1986, 3, 10), False),
                             ("311300003", D(1971, 3, 11), False)]:
        p, reg = registered(born=born, male=male)
        s = visit(p, reg, day=D(2026, 3, 10))
        item(s, code)
        add(s)

    # Large claims: exactly the threshold; an in-province stay above it (江苏 insured, treated in 苏州).
    p, reg = registered()
    add(visit(p, reg, day=D(2026, 9, 1), end=D(2026, 9, 10), visit_type="inpatient",
              total_amount=Decimal("30000.00")))
    p, reg = registered(insured="320102", destination="320500")
    add(visit(p, reg, day=D(2026, 9, 1), end=D(2026, 9, 10), visit_type="inpatient",
              total_amount=Decimal("45000.00")))

    # Peers: 35 ordinary visits at level-1 hospitals and one just under three times their mean.
    f = hospital(level="1")
    for _ in range(35):
        p, reg = registered()
        add(visit(p, reg, f, day=D(2026, 8, 3), total_amount=Decimal("100.00")))
    p, reg = registered()
    add(visit(p, reg, f, day=D(2026, 8, 4), total_amount=Decimal("300.00")))
    return made


# --- flags ----------------------------------------------------------------------------------------------------

def seed_rules():
    """The rule set and the restricted-item catalogue as migration 0003 seeds them (idempotent): a transactional
    test's flush empties them."""
    from django.apps import apps

    importlib.import_module("apps.supervision.migrations.0003_seed_rules_and_scan_indexes").seed(apps, None)


class FlagFactory(DjangoModelFactory):
    """A flag of a settlement (a new 上海 → 苏州 outpatient visit) by the large-claim rule."""

    class Meta:
        model = Flag

    settlement = factory.SubFactory(SettlementFactory)
    rule = factory.LazyFunction(lambda: Rule.objects.get(code="LARGE_INPATIENT"))
    evidence_key = ""
    score = Decimal("1.00")
    detail = factory.LazyAttribute(lambda o: {"total_amount": str(o.settlement.total_amount)})
    status = FlagStatus.NEW
    insured_region = factory.LazyAttribute(lambda o: o.settlement.insured_region)
    treatment_region = factory.LazyAttribute(lambda o: o.settlement.treatment_region)
    facility = factory.LazyAttribute(lambda o: o.settlement.facility)
