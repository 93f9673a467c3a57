"""Keep it true (#10): a bounded schemathesis run over the partner API's own schema, in-process.

The schema is read from ``/api/schema/`` through the WSGI application (``config.wsgi.application``) and every
operation in it is called with generated inputs — a few examples each, derandomized — once as a county bureau
(姑苏区 320508) and once as a designated facility in that county, with real ``rest_framework.authtoken`` tokens;
the clearing and prepayment operations, which only province bureaus see, also as 江苏 (320000).
Every answer must be no server error (``not_a_server_error``), have a documented status code
(``status_code_conformance``) and match the documented body (``response_schema_conformance``).

Data: a small world is seeded once for the module (one outer transaction, rolled back at the end) so there is
something to read: a facility with a confirmed chronic disease, a registration of the county submitted on the
public form, a settlement with an item and a flag, two tickets, last month's clearing row 上海 → 江苏 and
that pair's prepayment. Path parameters are drawn either by schemathesis or from that world (so detail routes
and actions reach real objects, not only 404s). Each call runs in a savepoint that is rolled back, so every
example starts from the same world and the examples of one operation cannot leak into the next.

Run time (measured on the shared 2-core machine): about 580 calls, some 40 s of CPU; 2–3 minutes of wall time
under a load of 8.
"""
import datetime as dt
import os
import time

from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from config.wsgi import application

# Bounded for CI: a few examples per operation and account (positive and negative inputs), no coverage phase.
# YIDI_FUZZ_DEEP=1 runs a deeper local search: schemathesis's coverage phase (boundary values, unexpected
# methods; about 2,000 calls an account) and 50 examples per operation.
DEEP = os.environ.get("YIDI_FUZZ_DEEP") == "1"
EXAMPLES = 50 if DEEP else 8
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.generation.update(deterministic=True, database="none")
schema.config.phases.update(phases=["examples", "fuzzing", "coverage"] if DEEP else ["examples", "fuzzing"])


# --- known faults ----------------------------------------------------------------------------------------------

# Inputs known to fail, each with a comment naming the fault, skipped until it is fixed. Empty: every 500 the
# run found is fixed (clearing ids, settled_to=9999-12-31, year-9999 registrations, NUL on coverage and in
# settlement bodies — see the regression tests of each area).
KNOWN_FAULTS: dict = {}


def known_fault(case) -> str | None:
    return next((name for name, applies in KNOWN_FAULTS.items() if applies(case)), None)


# --- the world --------------------------------------------------------------------------------------------------

KNOWN_OBJECTS: dict[tuple[str, str], object] = {}  # (collection, path parameter) → a seeded object's key


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the draws name a seeded object instead of the generated value."""
    if not path_parameters:
        return st.just(path_parameters)
    collection = context.operation.path.split("/")[3]
    known = {name: KNOWN_OBJECTS[(collection, name)] for name in path_parameters
             if (collection, name) in KNOWN_OBJECTS}
    if not known:
        return st.just(path_parameters)
    return st.sampled_from([{**path_parameters, **known}, path_parameters])


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Seeded once, inside one transaction that is rolled back when the module ends.

    The WSGI handler's request signals would close the test's connection (it is inside a transaction);
    Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield _seed()
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        KNOWN_OBJECTS.clear()


def _seed() -> dict[str, str]:
    from apps.coordination.services import raise_ticket
    from apps.registration.services import submit_registration
    from apps.settlement.models import Clearing, Prepayment
    from tests.facilities.factories import ChronicDiseaseFactory, FacilityDiseaseFactory, FacilityFactory
    from tests.factories import UserFactory, org
    from tests.registration.factories import RegistrationFactory, registration_data
    from tests.settlement.factories import SettlementFactory, SettlementItemFactory
    from tests.supervision.factories import FlagFactory

    facility = FacilityFactory(county="320508")
    FacilityDiseaseFactory(facility=facility, disease=ChronicDiseaseFactory())
    county_user = UserFactory(org="320508")
    facility_user = UserFactory(org=facility.code)
    # submitted on the public form, as an insured person does: its event has no organisation
    submitted = submit_registration(actor=None, organisation=None, channel="web",
                                    data=registration_data(insured_region="320508"))
    approved = RegistrationFactory(destination="320500")  # a 上海 insured person treated in 苏州
    settlement = SettlementFactory(facility=facility, registration=approved, id_number=approved.person.id_number,
                                   name=approved.person.name)
    SettlementItemFactory(settlement=settlement)
    flag = FlagFactory(settlement=settlement)
    ticket = raise_ticket(actor=facility_user, organisation=org(facility.code), category="settlement_failure",
                          title="结算失败", description="请协助核实。", settlement=settlement)
    raise_ticket(actor=county_user, organisation=org("320508"), category="registration", title="备案问题",
                 description="请协助核实。", registration=submitted)
    # a clearing row of last month between 上海 (insured) and 江苏 (treatment), and the pair's prepayment
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    clearing = Clearing.objects.create(period=last_month, insured_province_id="310000",
                                       treatment_province_id="320000", declare_due=Clearing.due_for(last_month),
                                       settlement_count=1, total_amount=Decimal("100.00"),
                                       eligible_amount=Decimal("90.00"), fund_paid=Decimal("60.00"),
                                       account_paid=Decimal("10.00"), cash_paid=Decimal("30.00"),
                                       built_at=timezone.now())
    Prepayment.objects.create(year=last_month.year, insured_province_id="310000", treatment_province_id="320000",
                              base_fund_paid=Decimal("1200000.00"), base_months=2, amount=Decimal("200000.00"))
    KNOWN_OBJECTS.update({
        ("regions", "code"): "320508",
        ("facilities", "code"): facility.code,
        ("registrations", "reference"): submitted.reference,
        ("settlements", "number"): settlement.number,
        ("tickets", "number"): ticket.number,
        ("flags", "id"): flag.pk,
        ("clearings", "id"): clearing.pk,
    })
    return {
        "county": Token.objects.create(user=county_user).key,
        "facility": Token.objects.create(user=facility_user).key,
        "province": Token.objects.create(user=UserFactory(org="320000")).key,
    }


# --- the run ----------------------------------------------------------------------------------------------------

class _Undo(Exception):
    """Rolls the call's savepoint back: every example starts from the seeded world."""


RUN = {"calls": 0, "excluded": {}, "started": None}


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    """One line at the end: how many calls, how long, and which known faults were excluded how often."""
    RUN["started"] = time.monotonic()
    yield
    excluded = ", ".join(f"{name} ×{n}" for name, n in RUN["excluded"].items()) or "none"
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nAPI fuzz: {RUN['calls']} calls in {time.monotonic() - RUN['started']:.0f}s"
              f"{' (deep)' if DEEP else ''}; known faults excluded: {excluded}")


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _call_and_validate(case, token):
    fault = known_fault(case)
    if fault:
        RUN["excluded"][fault] = RUN["excluded"].get(fault, 0) + 1
        return
    try:
        with transaction.atomic():
            response = case.call(headers={"Authorization": f"Token {token}"})
            raise _Undo
    except _Undo:
        pass
    RUN["calls"] += 1
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("account", ["county", "facility"])
@SETTINGS
@schema.parametrize()
def test_api_answers_as_documented(case, account, world, db):
    _call_and_validate(case, world[account])


@SETTINGS
@schema.include(path_regex=r"^/api/v1/(clearings|prepayments)/").parametrize()
def test_money_flows_answer_as_documented_to_a_province_bureau(case, world, db):
    """Clearing rows and prepayments are the province bureaus' (a county or a facility sees none): 江苏, the
    treatment province of the seeded row, reads it and may declare it."""
    _call_and_validate(case, world["province"])
