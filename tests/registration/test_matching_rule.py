"""The one rule "which registration covers this treatment" (apps/registration/matching.py): its Python form and its
SQL form agree on every person, day and county of a population built to hold each case, and ingest and the
supervision scan both decide by it."""
import datetime as dt
import itertools

import pytest
from django.db import connection
from django.utils import timezone

from apps.regions.models import Organisation, Region
from apps.registration import matching
from apps.registration.models import RegistrationEvent
from apps.registration.services import cancel_registration
from apps.settlement.models import Settlement
from apps.settlement.services import ingest_settlements
from apps.supervision.models import Flag, Rule
from apps.supervision.rules import run_rule
from tests.facilities.factories import FacilityFactory
from tests.registration.factories import InsuredPersonFactory, RegistrationFactory
from tests.settlement.factories import SettlementFactory, settlement_payload

pytestmark = pytest.mark.django_db
D = dt.date
START, END = D(2026, 3, 1), D(2026, 8, 31)
TODAY = timezone.localdate()
# 苏州 姑苏区 and 虎丘区, 南京 玄武区 (same province, other city), 杭州 西湖区 (another province)
COUNTIES = ["320508", "320505", "320102", "330106"]
DAYS = [D(2025, 12, 31), D(2026, 2, 28), START, D(2026, 4, 30), D(2026, 5, 1), D(2026, 5, 15), D(2026, 5, 16),
        D(2026, 5, 17), D(2026, 6, 10), D(2026, 6, 11), END, D(2026, 9, 1),
        TODAY - dt.timedelta(days=1), TODAY, TODAY + dt.timedelta(days=1)]


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def cancelled_at(registration, moment: dt.datetime):
    """Cancel as the service records it (an event; the row keeps its end date), at a chosen moment."""
    registration.status = "cancelled"
    registration.save(update_fields=["status"])
    event = RegistrationEvent.objects.create(registration=registration, from_status="approved",
                                             to_status="cancelled", reason="本人申请撤销")
    RegistrationEvent.objects.filter(pk=event.pk).update(at=moment)
    return registration


def temporary(person, **kw):
    kw.setdefault("category", "temporary_other")
    kw.setdefault("start_date", START)
    kw.setdefault("end_date", END)
    return RegistrationFactory(person=person, **kw)


def population() -> dict:
    """One person per case (some with several registrations, for the ranking): ``{case: person}``."""
    people = {}

    def person(case):
        people[case] = InsuredPersonFactory()
        return people[case]

    temporary(person("approved, to the city"), destination="320500")
    temporary(person("approved, to the province"), destination="320000")
    temporary(person("approved, to another city of the province"), destination="320100")
    temporary(person("approved, to another province"), destination="330000")
    temporary(person("submitted"), destination="320500", status="submitted")
    temporary(person("rejected"), destination="320500", status="rejected")
    temporary(person("rejected emergency"), destination="320500", status="rejected", category="emergency")
    temporary(person("expired"), destination="320500", status="expired", start_date=D(2025, 11, 1),
              end_date=D(2026, 4, 30))
    temporary(person("emergency, retroactive, approved"), destination="320500", category="emergency",
              retroactive_reason="急诊入院后补办")
    temporary(person("emergency, retroactive, under review"), destination="320000", category="emergency",
              status="submitted", retroactive_reason="急诊入院后补办")
    # cancelled: up to the cancellation day or the end, whichever is earlier; the day is the local one
    cancelled_at(RegistrationFactory(person=person("cancelled long-term, 23:30 local"), destination="320000",
                                     start_date=START), local(D(2026, 5, 15), 23, 30))
    cancelled_at(temporary(person("cancelled temporary, 00:30 local"), destination="320500"),
                 local(D(2026, 5, 16), 0, 30))
    cancelled_at(temporary(person("cancelled after its end"), destination="320500", end_date=D(2026, 4, 30)),
                 local(D(2026, 6, 10), 9))
    temporary(person("cancelled, not on record, with end"), destination="320500", status="cancelled")
    RegistrationFactory(person=person("cancelled, not on record, long-term"), status="cancelled", start_date=START)
    # cancelled through the service, today
    real = temporary(person("cancelled today by the service"), category="referral", destination="320500",
                     start_date=TODAY - dt.timedelta(days=40), end_date=TODAY + dt.timedelta(days=140))
    cancel_registration(actor=None, organisation=None, reference=real.reference, reason="本人申请撤销")
    # ranking
    both = person("long-term and temporary both valid")
    temporary(both, destination="320500", start_date=D(2026, 5, 1))
    RegistrationFactory(person=both, destination="320000", start_date=D(2025, 1, 1))
    two = person("two temporaries")
    temporary(two, destination="320000")
    temporary(two, destination="320500", start_date=D(2026, 5, 1), category="referral")
    tie = person("two long-term, same start")
    RegistrationFactory(person=tie, destination="320000", start_date=START)
    RegistrationFactory(person=tie, destination="320500", start_date=START)
    pending = person("emergency under review and an approved temporary")
    temporary(pending, destination="320500", start_date=D(2026, 5, 16), category="emergency", status="submitted")
    temporary(pending, destination="320000")
    person("no registration")
    return people


def grid(people):
    return list(itertools.product(people.values(), COUNTIES, DAYS))


def sql_answers(keys) -> dict:
    """{(id number, county, day): (best id or None, exists)} from the SQL form, one query for all."""
    best = matching.best_covering_sql(id_number="k.id_number", region="k.region", day="k.day")
    exists = matching.covering_exists_sql(id_number="k.id_number", region="k.region", day="k.day")
    with connection.cursor() as cur:
        cur.execute(f"SELECT k.id_number, k.region, k.day, {best}, {exists} "
                    "FROM unnest(%s::text[], %s::text[], %s::date[]) AS k(id_number, region, day)",
                    [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]])
        return {(n, r, d): (b, e) for n, r, d, b, e in cur.fetchall()}


def python_answers(keys) -> dict:
    candidates = matching.candidates_for({k[0] for k in keys})
    out = {}
    for n, r, d in keys:
        found = matching.covering_registration(candidates.get(n, ()), r, d)
        out[(n, r, d)] = found.id if found else None
    return out


def test_the_python_and_the_sql_form_agree_on_every_person_day_and_county():
    people = population()
    keys = [(p.id_number, county, day) for p, county, day in grid(people)]
    python, sql = python_answers(keys), sql_answers(keys)
    disagree = [(case, county, day, python[(p.id_number, county, day)], sql[(p.id_number, county, day)])
                for case, p in people.items() for county in COUNTIES for day in DAYS
                if (python[(p.id_number, county, day)], python[(p.id_number, county, day)] is not None)
                != sql[(p.id_number, county, day)]]
    assert disagree == []
    # and the population is not trivially empty: some covered, some not, in each county
    assert {c for (_, c, _), v in python.items() if v} == set(COUNTIES)
    assert {c for (_, c, _), v in python.items() if v is None} == set(COUNTIES)


def covered_days(person, county) -> list:
    """The days of DAYS on which the rule (Python form, loaded by ID number) finds a covering registration."""
    return [d for d in DAYS if matching.covering_registration(person.id_number, county, d) is not None]


def test_the_rule_case_by_case():
    people = population()
    valid = [START, D(2026, 4, 30), D(2026, 5, 1), D(2026, 5, 15), D(2026, 5, 16), D(2026, 5, 17),
             D(2026, 6, 10), D(2026, 6, 11), END]
    assert covered_days(people["approved, to the city"], "320508") == valid           # day before / after: no
    assert covered_days(people["approved, to the city"], "320505") == valid           # another county, same city
    assert covered_days(people["approved, to the city"], "320102") == []              # another city
    assert covered_days(people["approved, to the province"], "320102") == valid
    assert covered_days(people["approved, to the province"], "330106") == []
    assert covered_days(people["approved, to another city of the province"], "320508") == []
    assert covered_days(people["approved, to another city of the province"], "320102") == valid
    assert covered_days(people["approved, to another province"], "330106") == valid
    assert covered_days(people["submitted"], "320508") == []
    assert covered_days(people["rejected"], "320508") == []
    assert covered_days(people["rejected emergency"], "320508") == []
    assert covered_days(people["expired"], "320508") == [D(2025, 12, 31), D(2026, 2, 28), START, D(2026, 4, 30)]
    assert covered_days(people["emergency, retroactive, approved"], "320508") == valid
    assert covered_days(people["emergency, retroactive, under review"], "320102") == valid
    assert covered_days(people["cancelled long-term, 23:30 local"], "320508") == valid[:4]   # to 05-15
    assert covered_days(people["cancelled temporary, 00:30 local"], "320508") == valid[:5]   # to 05-16
    assert covered_days(people["cancelled after its end"], "320508") == valid[:2]            # to its end 04-30
    assert covered_days(people["cancelled, not on record, with end"], "320508") == []
    assert covered_days(people["cancelled, not on record, long-term"], "320508") == []
    assert covered_days(people["cancelled today by the service"], "320508") == [TODAY - dt.timedelta(days=1),
                                                                                TODAY]
    assert covered_days(people["no registration"], "320508") == []


def test_long_term_first_then_the_latest_start_then_the_latest_made():
    people = population()
    regs = {case: list(people[case].registrations.order_by("id")) for case in people}
    short, long_term = regs["long-term and temporary both valid"]
    assert matching.covering_registration(long_term.person.id_number, "320508", D(2026, 5, 10)).id == long_term.pk
    first, later = regs["two temporaries"]
    assert matching.covering_registration(first.person.id_number, "320508", D(2026, 5, 10)).id == later.pk
    assert matching.covering_registration(first.person.id_number, "320508", D(2026, 4, 10)).id == first.pk
    assert matching.covering_registration(first.person.id_number, "320102", D(2026, 5, 10)).id == first.pk
    older, newer = regs["two long-term, same start"]
    assert matching.covering_registration(older.person.id_number, "320508", D(2026, 5, 10)).id == newer.pk
    assert matching.covering_registration(older.person.id_number, "320102", D(2026, 5, 10)).id == older.pk
    emergency, approved = regs["emergency under review and an approved temporary"]
    assert matching.covering_registration(approved.person.id_number, "320508", D(2026, 5, 16)).id == emergency.pk
    assert matching.covering_registration(approved.person.id_number, "320508", D(2026, 5, 15)).id == approved.pk


def test_settlement_matching_finds_the_registration_valid_for_the_treatment_place_and_day():
    """(Moved from test_api.py, where it tested the former ``selectors.valid_registration_for``.)"""
    to_suzhou = RegistrationFactory(destination="320500", category="referral", start_date=TODAY,
                                    end_date=TODAY + dt.timedelta(days=180))
    person = to_suzhou.person.id_number
    assert matching.covering_registration(person, "320508", TODAY).id == to_suzhou.pk  # a county of the destination city
    assert matching.covering_registration(person, "320205", TODAY) is None               # another city
    assert matching.covering_registration(person, "320508", TODAY - dt.timedelta(days=1)) is None  # before it starts

def test_the_id_number_may_be_given_as_typed():
    registration = temporary(InsuredPersonFactory(), destination="320500")
    typed = f"  {registration.person.id_number.lower()} "
    assert matching.covering_registration(typed, "320508", START).id == registration.pk
    assert matching.covering_registration("", "320508", START) is None


def test_the_cancellation_day_is_the_bureaus_local_day_whatever_time_zone_is_active():
    person = InsuredPersonFactory()
    cancelled_at(temporary(person, destination="320500"), local(D(2026, 5, 16), 0, 30))  # 05-15 16:30 UTC
    with timezone.override("UTC"):
        assert matching.covering_registration(person.id_number, "320508", D(2026, 5, 16)) is not None
        assert matching.covering_registration(person.id_number, "320508", D(2026, 5, 17)) is None


# --- the two callers ---------------------------------------------------------------------------------------------

def test_ingest_matches_each_settlement_to_the_registration_the_rule_chooses():
    people = population()
    facilities = {county: FacilityFactory(county=county) for county in COUNTIES}
    keys = [(p, county, day) for p, county, day in grid(people) if day <= TODAY - dt.timedelta(days=1)]
    bodies = [settlement_payload(number=f"JS-MATCH-{i:05d}", id_number=p.id_number, name=p.name,
                                 facility=facilities[county].code, service_start=day.isoformat(),
                                 service_end=day.isoformat(), settled_at=local(day, 18).isoformat())
              for i, (p, county, day) in enumerate(keys)]
    national = Organisation.objects.get(code="000000")
    outcomes = [o for i in range(0, len(bodies), 1000)
                for o in ingest_settlements(actor=None, organisation=national, items=bodies[i:i + 1000])]
    assert {o.outcome for o in outcomes} == {"created"}
    stored = dict(Settlement.objects.values_list("number", "registration_id"))
    expected = python_answers([(p.id_number, county, day) for p, county, day in keys])
    assert {b["number"]: stored[b["number"]] for b in bodies} == {
        b["number"]: expected[(p.id_number, county, day)] for b, (p, county, day) in zip(bodies, keys, strict=True)}


def test_ingest_a_cancelled_registration_covers_up_to_its_cancellation_and_an_emergency_one_under_review_covers():
    """The two cases ingest answered differently before: a cancelled registration used to cover every day up to
    its end date (after the cancellation too), an emergency 补办 awaiting review used to cover nothing."""
    hospital = FacilityFactory(county="320508")
    week_ago = TODAY - dt.timedelta(days=7)
    cancelled = cancelled_at(temporary(InsuredPersonFactory(), destination="320500", category="referral",
                                       start_date=TODAY - dt.timedelta(days=30), end_date=TODAY + dt.timedelta(days=150)),
                             local(week_ago, 16))
    emergency = temporary(InsuredPersonFactory(), destination="320000", category="emergency", status="submitted",
                          start_date=TODAY - dt.timedelta(days=3), end_date=TODAY + dt.timedelta(days=180),
                          retroactive_reason="急诊入院后补办")

    def visit(registration, day):
        return settlement_payload(id_number=registration.person.id_number, facility=hospital.code,
                                  service_start=day.isoformat(), service_end=day.isoformat(),
                                  settled_at=local(day, 18).isoformat())

    days = [week_ago - dt.timedelta(days=1), week_ago, week_ago + dt.timedelta(days=1)]
    bodies = [visit(cancelled, day) for day in days] + [visit(emergency, TODAY - dt.timedelta(days=3))]
    outcomes = ingest_settlements(actor=None, organisation=Organisation.objects.get(code="000000"), items=bodies)
    assert [o.settlement.registration_id for o in outcomes] == [cancelled.pk, cancelled.pk, None, emergency.pk]

def test_the_supervision_scan_flags_exactly_the_treatment_no_registration_covers():
    people = population()
    facilities = {county: FacilityFactory(county=county) for county in COUNTIES}
    insured = Region.objects.get(code="310115")
    made = [SettlementFactory.build(id_number=p.id_number, name=p.name, insured_region=insured,
                                    facility=facilities[county], treatment_region=facilities[county].region,
                                    service_start=day, registration=None)
            for p, county, day in grid(people)]
    Settlement.objects.bulk_create(made)
    flags_before = Flag.objects.count()
    run_rule(Rule.objects.get(code="NO_REGISTRATION"))
    flagged = set(Flag.objects.filter(rule_id="NO_REGISTRATION").values_list("settlement_id", flat=True))
    expected = python_answers([(s.id_number, s.treatment_region_id, s.service_start) for s in made])
    assert flags_before == 0
    assert flagged == {s.pk for s in made if expected[(s.id_number, s.treatment_region_id, s.service_start)] is None}


def test_the_scan_asks_the_rule_again_rather_than_trusting_the_match_made_at_ingest():
    """A 补办 registration made after the settlement was reported still covers it; an emergency registration
    for another province does not excuse treatment here; one cancelled before the visit does not cover it."""
    suzhou = FacilityFactory(county="320508")
    later, elsewhere, cancelled = InsuredPersonFactory(), InsuredPersonFactory(), InsuredPersonFactory()
    visits = {who: SettlementFactory(id_number=p.id_number, name=p.name, facility=suzhou, service_start=D(2026, 5, 20),
                                     registration=None)
              for who, p in [("later", later), ("elsewhere", elsewhere), ("cancelled", cancelled)]}
    temporary(later, destination="320500", category="referral", start_date=D(2026, 5, 18),  # made after the visit
              retroactive_reason="入院后补办")
    temporary(elsewhere, destination="330000", category="emergency", retroactive_reason="急诊入院后补办")
    visits["cancelled"].registration = cancelled_at(temporary(cancelled, destination="320500"),
                                                    local(D(2026, 5, 19), 17))
    visits["cancelled"].save(update_fields=["registration"])
    run_rule(Rule.objects.get(code="NO_REGISTRATION"))
    flags = dict(Flag.objects.filter(rule_id="NO_REGISTRATION").values_list("settlement_id", "detail__reason"))
    assert flags == {visits["elsewhere"].pk: "no_registration",
                     visits["cancelled"].pk: "registration_not_approved"}
