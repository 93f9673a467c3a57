"""Writes of the settlement area: ingest (single and bulk alike), reversal, clearing transitions, prepayment
and policy edits. Every one runs in a transaction and leaves an audit entry."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy, gettext_noop, pgettext, pgettext_lazy

from apps.core import audit
from apps.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from apps.core.inputs import text_error
from apps.core.money import ZERO, money
from apps.facilities.models import Facility, FacilityStatus
from apps.regions.models import Region, Tier
from apps.regions.scope import covers_region, scoped
from apps.registration.matching import candidates_for, covering_registration
from apps.registration.models import InsuredPerson

from . import clearing as clearing_sql
from .ingest import Messages, content_hash, parse_settlement
from .models import (
    Clearing, ClearingEvent, ClearingStatus, Policy, Prepayment, Settlement, SettlementItem, month_start, next_month,
)
from .policy import PolicyBook, YearUse, expected_payment, year_use_for
from .selectors import settlement_by_number

BULK_LIMIT = 1000
try:  # COPY raises the driver's own error, not Django's wrapper
    from psycopg.errors import IntegrityError as _DriverIntegrityError

    _UNIQUE_ERRORS = (IntegrityError, _DriverIntegrityError)
except ImportError:  # pragma: no cover - SQLite-only installs
    _UNIQUE_ERRORS = (IntegrityError,)
# Messages go to partners in the request's language (Chinese by default, English with Accept-Language: en).
# Per-item ones are msgids translated by ingest.Messages only when an item fails (once per language and message).
SUSPENDED = gettext_noop("该定点医药机构已暂停跨省直接结算服务，不能上报新的结算。")
SUSPENDED_MESSAGE = gettext_lazy(SUSPENDED)  # for readers outside the ingest path (admin, other areas)
UNKNOWN_INSURED_REGION = gettext_noop("参保地区划代码不存在。")
NOT_UNDER_POOLING = gettext_noop("参保地应为统筹区或其下级区划（不能是未实行省级统筹的省）。")
NOT_YOUR_FACILITY = gettext_noop("机构编码不存在或不在本账户的上报范围内。")
# the clearing statuses as they appear inside messages (the model's labels stay Chinese); listed for makemessages
CLEARING_STATUS_WORDS = (pgettext_lazy("clearing status", "待申报"), pgettext_lazy("clearing status", "已申报"),
                         pgettext_lazy("clearing status", "已确认"), pgettext_lazy("clearing status", "已拨付"))


# --- regions: a small, rarely changing table, read once per process -------------------------------------------

_pooling_cache: dict[str, str | None] = {}


def _pooling_area_of(codes) -> dict[str, str | None]:
    """{code: pooling area code or None} for known region codes; unknown codes are absent."""
    missing = [c for c in codes if c not in _pooling_cache]
    if missing:
        for code, pa in Region.objects.filter(code__in=missing).values_list("code", "pooling_area_id"):
            _pooling_cache[code] = pa
    return {c: _pooling_cache[c] for c in codes if c in _pooling_cache}


def _destination_prefix(code: str) -> str:
    """A province or city code as the prefix of the region codes it contains (320000 → 32, 320500 → 3205)."""
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def _lock_settlements_for_ingest():
    """Writers of settlements take ROW EXCLUSIVE on the table before reading clearing statuses, so that a
    declaration (which takes SHARE, see ``declare_clearing``) either sees their rows or is seen by them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {Settlement._meta.db_table} IN ROW EXCLUSIVE MODE")


def _lock_settlements_for_declaration():
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {Settlement._meta.db_table} IN SHARE MODE")


class OpenMonths:
    """Which clearing months are still open for each province pair.

    A month is open for a pair while its row is a draft; with no row yet, while the treatment province has
    declared nothing for that month (once it declared its month, a pair that had no row then is closed too:
    late news goes forward, never into a month nobody will declare again)."""

    def __init__(self, pairs, since: dt.date):
        self._status: dict[tuple, str] = {}
        self._declared: set[tuple] = set()
        if pairs:
            rows = Clearing.objects.filter(
                period__gte=since, treatment_province__in={p[1] for p in pairs},
            ).values_list("period", "insured_province_id", "treatment_province_id", "status")
            for period, ip, tp, status in rows:
                self._status[(period, ip, tp)] = status
                if status != ClearingStatus.DRAFT:
                    self._declared.add((period, tp))

    def is_open(self, pair: tuple, month: dt.date) -> bool:
        status = self._status.get((month, *pair))
        if status is None:
            return (month, pair[1]) not in self._declared
        return status == ClearingStatus.DRAFT

    def first_open(self, pair: tuple, month: dt.date) -> dt.date:
        while not self.is_open(pair, month):
            month = next_month(month)
        return month


def may_report_for(org, facility: Facility) -> bool:
    """A facility reports its own settlements; a bureau those of facilities in its region subtree."""
    if org is None:
        return False
    if org.is_facility:
        return org.code == facility.code
    return covers_region(org, facility.region_id)


# --- ingest ------------------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    outcome: str  # created | duplicate | conflict | invalid
    number: str = ""
    settlement: Settlement | None = None
    errors: dict = field(default_factory=dict)


def ingest_settlement(*, actor, organisation, data) -> tuple[Settlement, str]:
    """Ingest one reported settlement: ``(settlement, "created" | "duplicate")``; a different settlement
    already stored by the same facility under the same number raises Conflict, invalid content ValidationFailed."""
    [result] = ingest_settlements(actor=actor, organisation=organisation, items=[data])
    if result.outcome == "invalid":
        first = next(iter(result.errors.values()))[0]
        raise ValidationFailed(first, errors=result.errors)
    if result.outcome == "conflict":
        raise Conflict(_("该结算编号已有内容不同的结算记录，如需更正请先冲正后以新编号上报。"), field="number")
    return result.settlement, result.outcome


def ingest_settlements(*, actor, organisation, items: list) -> list[Outcome]:
    """Judge each reported settlement on its own and store the good ones; one outcome per item, in order.

    A settlement is identified by its facility and number (numbers are unique per reporting facility): the same
    facility and number again is a ``duplicate`` (same content) or a ``conflict`` (different content); the same
    number at another facility is simply another settlement, so no answer says anything about settlements
    outside the caller's own.

    A suspended facility reports nothing new (``invalid`` on ``facility``); a number it stored before the
    suspension still answers ``duplicate`` (or ``conflict``), so a partner's retry stays safe.

    Facilities, registrations, persons, policies, the year's earlier use, existing numbers and closed
    clearing months are each fetched in one query for the whole batch; new rows go in with one bulk insert."""
    if len(items) > BULK_LIMIT:
        raise ValidationFailed(_("每次最多上报%(limit)s条结算。") % {"limit": BULK_LIMIT}, field="settlements")
    outcomes: list[Outcome | None] = [None] * len(items)
    parsed: dict[int, dict] = {}
    messages = Messages()  # one language lookup for the whole bulk, and only if some item fails
    for i, data in enumerate(items):
        clean, errors = parse_settlement(data, messages)
        if errors:
            # the number is echoed only when it is a valid one (a lone surrogate could not even be written as UTF-8)
            number = "" if "number" in errors else clean.get("number", "")
            outcomes[i] = Outcome("invalid", number, errors=errors)
        else:
            parsed[i] = clean

    # where: insured region known, facility exists and is the caller's to report
    regions = _pooling_area_of({c["insured_region"] for c in parsed.values()})
    facilities = Facility.objects.in_bulk({c["facility"] for c in parsed.values()})
    for i, c in list(parsed.items()):
        errors = {}
        if c["insured_region"] not in regions or c["insured_region"] == settings.YIDI_NATIONAL_CODE:
            errors["insured_region"] = [messages(UNKNOWN_INSURED_REGION)]
        elif regions[c["insured_region"]] is None:
            errors["insured_region"] = [messages(NOT_UNDER_POOLING)]
        facility = facilities.get(c["facility"])
        if facility is None or not may_report_for(organisation, facility):
            errors["facility"] = [messages(NOT_YOUR_FACILITY)]
        if errors:
            outcomes[i] = Outcome("invalid", c["number"], errors=errors)
            del parsed[i]
        else:
            c["hash"] = content_hash(c)
            c["facility_obj"] = facility
            # judged after the number lookup: a retry of a settlement stored before the suspension stays a retry
            c["suspended"] = facility.status == FacilityStatus.SUSPENDED

    with transaction.atomic():
        _lock_settlements_for_ingest()
        existing = _stored({(c["facility"], c["number"]) for c in parsed.values()})
        seen: dict[tuple[str, str], dict] = {}
        fresh: dict[int, dict] = {}
        for i, c in parsed.items():
            key = (c["facility"], c["number"])
            prior = existing.get(key)
            if prior is not None:
                outcomes[i] = _judged(prior, c["number"], c["hash"])
            elif c["suspended"]:
                outcomes[i] = Outcome("invalid", c["number"], errors={"facility": [messages(SUSPENDED)]})
            elif key in seen:
                same = seen[key]["hash"] == c["hash"]
                outcomes[i] = Outcome("duplicate" if same else "conflict", c["number"])
                if same:
                    seen[key].setdefault("twins", []).append(i)
            else:
                c["index"] = i
                seen[key] = c
                fresh[i] = c

        built = _build_rows(fresh, organisation) if fresh else {}
        created = _insert(built, outcomes, actor=actor, organisation=organisation)
        for c in seen.values():  # duplicates inside the batch answer as the first of them finally did
            first = outcomes[c["index"]]
            for j in c.get("twins", ()):
                outcomes[j] = Outcome("conflict" if first.outcome == "conflict" else "duplicate", c["number"],
                                      first.settlement)
        if created:
            audit.record(actor=actor, organisation=organisation, action="settlement.ingest",
                         object_type="settlement.settlement",
                         object_id=str(created[0].pk) if len(created) == 1 else "",
                         summary=f"接收结算{len(created)}笔",
                         numbers=[s.number for s in created[:50]],
                         facilities=sorted({s.facility_id for s in created})[:50])
    return outcomes


def _stored(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Settlement]:
    """{(facility, number): settlement} of those keys already stored (committed), in one query."""
    if not keys:
        return {}
    rows = Settlement.objects.filter(number__in={n for _, n in keys}, facility_id__in={f for f, _ in keys})
    return {(s.facility_id, s.number): s for s in rows if (s.facility_id, s.number) in keys}


def _judged(prior: Settlement, number: str, content_hash: str) -> Outcome:
    """A report of a (facility, number) already stored: the same content is a retry, another content a conflict."""
    same = prior.content_hash == content_hash
    return Outcome("duplicate" if same else "conflict", number, prior if same else None)


def _build_rows(fresh: dict[int, dict], organisation) -> dict[int, Settlement]:
    ids = {c["id_number"] for c in fresh.values()}
    persons = dict(InsuredPerson.objects.filter(id_number__in=ids).values_list("id_number", "insurance_type"))
    registrations = candidates_for(ids)  # the batch's persons' registrations, one query
    book = PolicyBook({_pooling_cache.get(c["insured_region"]) for c in fresh.values()})
    year_use = year_use_for((c["id_number"], c["service_start"].year, c["visit_type"]) for c in fresh.values())

    pairs = {(c["insured_region"][:2] + "0000", c["facility_obj"].region_id[:2] + "0000") for c in fresh.values()}
    months = {month_start(timezone.localtime(c["settled_at"]).date()) for c in fresh.values()}
    open_months = OpenMonths(pairs, min(months))

    rows = {}
    for i, c in fresh.items():
        facility = c["facility_obj"]
        registration = covering_registration(registrations.get(c["id_number"], ()), facility.region_id,
                                             c["service_start"])
        insurance_type = (registration and registration.insurance_type) or persons.get(c["id_number"]) \
            or "employee"
        pooling_area = _pooling_cache.get(c["insured_region"])
        policy = book.find(pooling_area, insurance_type, c["visit_type"], c["service_start"])
        expected = deductible = None
        if policy is not None:
            key = (c["id_number"], c["service_start"].year, c["visit_type"])
            use = year_use.setdefault(key, YearUse())
            payment = expected_payment(
                policy, eligible=c["eligible_amount"], facility_level=facility.level,
                registered=registration is not None, category=registration and registration.category, year_use=use,
            )
            expected, deductible = payment.expected, payment.deductible_applied
            use.deductible_used += deductible
            use.fund_paid += c["fund_paid"]  # later items of the same batch count this one as earlier
        pair = (c["insured_region"][:2] + "0000", facility.region_id[:2] + "0000")
        settled_month = month_start(timezone.localtime(c["settled_at"]).date())
        rows[i] = _new_settlement(
            number=c["number"], id_number=c["id_number"], name=c["name"], insured_region_id=c["insured_region"],
            insured_province=pair[0], facility_id=facility.code, treatment_region_id=facility.region_id,
            treatment_province=pair[1], visit_type=c["visit_type"], disease_code=c["disease_code"],
            service_start=c["service_start"], service_end=c["service_end"],
            total_amount=c["total_amount"], eligible_amount=c["eligible_amount"], fund_paid=c["fund_paid"],
            account_paid=c["account_paid"], cash_paid=c["cash_paid"], settled_at=c["settled_at"],
            registration_id=registration.id if registration else None, expected_fund_paid=expected,
            deductible_applied=deductible, policy_id=policy.pk if policy else None, content_hash=c["hash"],
            reported_by_id=organisation.pk if organisation else None,
            clearing_period=open_months.first_open(pair, settled_month),
        )
        rows[i]._items = c["items"]
        c["row"] = rows[i]
    return rows


_ATTNAMES = [f.attname for f in Settlement._meta.concrete_fields]
_BLANK = {"id": None, "created_at": None, "reversed_at": None, "reversal_reason": "", "reversed_by_id": None,
          "reversal_period": None}


def _new_settlement(**values) -> Settlement:
    """A new Settlement built through Django's positional fast path (a bulk builds a thousand of them)."""
    values = {**_BLANK, **values}
    return Settlement(*[values[a] for a in _ATTNAMES])


INSERT_ROUNDS = 3


def _insert(rows: dict[int, Settlement], outcomes: list, *, actor, organisation) -> list[Settlement]:
    """Insert the new rows, all at once; sets each one's outcome and returns those created.

    A concurrent request may store one of the same (facility, number) keys after our lookup. PostgreSQL makes
    our insert wait for it and, once it commits, raises a unique violation: the whole batch is undone (its
    savepoint), the keys taken meanwhile are judged like any stored row (duplicate or conflict) and the rest is
    inserted again. After a few such rounds (a crowd of racing writers) it goes row by row."""
    pending = dict(rows)
    for _round in range(INSERT_ROUNDS):
        if not pending:
            return []
        try:
            with transaction.atomic():
                _insert_all(list(pending.values()))
        except _UNIQUE_ERRORS:
            _forget_inserts(pending.values())
            taken = _stored({(row.facility_id, row.number) for row in pending.values()})
            if not taken:
                break  # not a key taken by someone else: let the row-by-row pass find the culprit
            for i in [i for i, row in pending.items() if (row.facility_id, row.number) in taken]:
                row = pending.pop(i)
                outcomes[i] = _judged(taken[(row.facility_id, row.number)], row.number, row.content_hash)
            continue
        for i, row in pending.items():
            outcomes[i] = Outcome("created", row.number, row)
        return list(pending.values())
    created = []
    for i, row in pending.items():
        try:
            with transaction.atomic():
                row.save(force_insert=True)
                _insert_items([row])
        except IntegrityError:
            _forget_inserts([row])
            prior = Settlement.objects.filter(facility_id=row.facility_id, number=row.number).first()
            if prior is None:
                raise
            outcomes[i] = _judged(prior, row.number, row.content_hash)
            continue
        outcomes[i] = Outcome("created", row.number, row)
        created.append(row)
    return created


def _insert_all(rows: list[Settlement]):
    """All rows and their items. Rows go in key order, so two batches racing over the same keys wait for each
    other in one order instead of deadlocking (each holding a key the other needs)."""
    rows = sorted(rows, key=lambda row: (row.number, row.facility_id))
    if connection.vendor == "postgresql":
        _copy_in(rows)
    else:
        Settlement.objects.bulk_create(rows)
    _insert_items(rows)


def _forget_inserts(rows):
    """After a rolled-back insert: the rows are new again (their ids from the sequence are gone with it)."""
    for row in rows:
        row.pk = None
        row._state.adding = True


def _copy_in(rows: list[Settlement]):
    """COPY the new rows in (ids drawn from the table's sequence first): several times faster than a
    1,000-row INSERT, whose SQL Django has to compile value by value."""
    table = Settlement._meta.db_table
    fields = [f for f in Settlement._meta.concrete_fields]
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, len(rows)])
        for row, (pk,) in zip(rows, cur.fetchall()):
            row.pk, row.created_at = pk, now
            row._state.adding, row._state.db = False, connection.alias
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        attnames = [f.attname for f in fields]
        with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([getattr(row, a) for a in attnames])


def _insert_items(rows):
    items = [SettlementItem(settlement_id=row.pk, **item) for row in rows for item in row._items]
    if items:
        SettlementItem.objects.bulk_create(items)


# --- reversal ----------------------------------------------------------------------------------------------------

def reverse_settlement(*, actor, organisation, number: str, reason: str, facility: str | None = None) -> Settlement:
    """Mark a settlement reversed (冲正/退费). It leaves the month it was counted in while that month is still a
    draft; after that month was declared it is counted negatively in the next open month (adjustment).

    The settlement is ``number`` as ``organisation`` sees it (``selectors.settlement_by_number``): a bureau that
    sees the same number at several facilities names ``facility``."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed(_("请填写冲正原因。"), field="reason")
    problem = text_error(reason)
    if problem:
        raise ValidationFailed(problem, field="reason")
    if len(reason) > 255:
        raise ValidationFailed(_("冲正原因不能超过255个字符。"), field="reason")
    with transaction.atomic():
        _lock_settlements_for_ingest()
        s = settlement_by_number(organisation, number, facility, queryset=Settlement.objects.select_related(
            "facility").select_for_update(of=("self",)))
        if not may_report_for(organisation, s.facility) and not (organisation and organisation.is_national):
            raise NotAllowed(_("只有就医地经办机构或上报结算的定点医药机构可以冲正。"))
        if s.reversed_at is not None:
            raise Conflict(_("该结算已冲正，不能重复冲正。"))
        pair = (s.insured_province, s.treatment_province)
        counted = s.clearing_period or month_start(timezone.localtime(s.settled_at).date())
        open_months = OpenMonths({pair}, counted)
        s.reversal_period = counted if open_months.is_open(pair, counted) else open_months.first_open(
            pair, next_month(counted))
        s.reversed_at = timezone.now()
        s.reversal_reason = reason
        s.reversed_by = actor if getattr(actor, "is_authenticated", False) else None
        s.save(update_fields=["reversal_period", "reversed_at", "reversal_reason", "reversed_by"])
        audit.record(actor=actor, organisation=organisation, action="settlement.reverse", obj=s,
                     summary=f"冲正结算 {s.number}（{s.facility_id}）：{reason}", facility=s.facility_id,
                     reversal_period=str(s.reversal_period))
    return s


# --- clearing ----------------------------------------------------------------------------------------------------

def build_clearing(*, period: dt.date, actor=None, organisation=None) -> int:
    """(Re)build the draft clearing rows of ``period`` from the settlements; declared rows are left as they are.
    Returns the number of province pairs with activity in the month."""
    period = month_start(period)
    with transaction.atomic():
        pairs = clearing_sql.build(period)
        audit.record(actor=actor, organisation=organisation, action="clearing.build",
                     object_type="settlement.clearing", object_id=f"{period:%Y-%m}",
                     summary=f"生成{period:%Y年%m月}清算草稿（{pairs}个省份组合）")
    return pairs


def _is_province_bureau_of(org, province_code: str) -> bool:
    return org is not None and org.tier == Tier.PROVINCE and org.region_id == province_code


def _clearing_pk(clearing_id) -> int | None:
    """A clearing row's id from an int or a string of ASCII digits (a URL segment); None for anything else."""
    if isinstance(clearing_id, bool):
        return None
    if isinstance(clearing_id, int):
        return clearing_id if 0 < clearing_id < 2**63 else None
    if isinstance(clearing_id, str) and clearing_id.isascii() and clearing_id.isdigit() and len(clearing_id) <= 18:
        return int(clearing_id)
    return None


def _transition(*, actor, organisation, clearing_id, from_status, to_status, side: str, stamp: str, note=""):
    clearing_id = _clearing_pk(clearing_id)
    if clearing_id is None:
        raise NotFound(_("清算记录不存在。"))
    with transaction.atomic():
        if to_status == ClearingStatus.DECLARED:
            _lock_settlements_for_declaration()
        c = scoped(Clearing.objects, organisation).select_for_update().filter(pk=clearing_id).first()
        if c is None:
            raise NotFound(_("清算记录不存在。"))
        province = c.treatment_province_id if side == "treatment" else c.insured_province_id
        if not _is_province_bureau_of(organisation, province):
            raise NotAllowed(_("只有就医省医疗保障局可以办理此操作。") if side == "treatment"
                             else _("只有参保省医疗保障局可以办理此操作。"))
        if c.status != from_status:
            current = pgettext("clearing status", c.get_status_display())
            raise Conflict(_("当前状态为“%(status)s”，不能办理此操作。") % {"status": current})
        if to_status == ClearingStatus.DECLARED:
            if next_month(c.period) > timezone.localdate():
                raise Conflict(_("该月份尚未结束，不能申报。"))
            clearing_sql.build(c.period, pair=(c.insured_province_id, c.treatment_province_id))
            c.refresh_from_db()
        c.status = to_status
        setattr(c, stamp, timezone.now())
        c.save(update_fields=["status", stamp])
        ClearingEvent.objects.create(clearing=c, actor=actor if getattr(actor, "is_authenticated", False) else None,
                                     organisation=organisation, from_status=from_status, to_status=to_status,
                                     fund_paid=c.fund_paid, note=note)
        audit.record(actor=actor, organisation=organisation, action=f"clearing.{to_status}", obj=c,
                     summary=f"清算 {c}：{ClearingStatus(from_status).label} → {ClearingStatus(to_status).label}",
                     fund_paid=str(c.fund_paid))
    return c


def declare_clearing(*, actor, organisation, clearing_id) -> Clearing:
    """The treatment province declares what it advanced; the row's figures are rebuilt and frozen."""
    return _transition(actor=actor, organisation=organisation, clearing_id=clearing_id,
                       from_status=ClearingStatus.DRAFT, to_status=ClearingStatus.DECLARED, side="treatment",
                       stamp="declared_at")


def confirm_clearing(*, actor, organisation, clearing_id) -> Clearing:
    """The insured province confirms the declared figures."""
    return _transition(actor=actor, organisation=organisation, clearing_id=clearing_id,
                       from_status=ClearingStatus.DECLARED, to_status=ClearingStatus.CONFIRMED, side="insured",
                       stamp="confirmed_at")


def pay_clearing(*, actor, organisation, clearing_id) -> Clearing:
    """The insured province records that it paid the confirmed amount."""
    return _transition(actor=actor, organisation=organisation, clearing_id=clearing_id,
                       from_status=ClearingStatus.CONFIRMED, to_status=ClearingStatus.PAID, side="insured",
                       stamp="paid_at")


# --- prepayment --------------------------------------------------------------------------------------------------

def compute_prepayments(*, year: int, actor=None, organisation=None, months: int | None = None) -> int:
    """Set each province pair's prepayment for ``year``: last year's monthly average fund spending (from the
    clearing rows) × the configured number of months. Returns the number of pairs."""
    months = months or settings.YIDI_PREPAYMENT_BASE_MONTHS
    base = (Clearing.objects.filter(period__year=year - 1).values("insured_province_id", "treatment_province_id")
            .annotate(fund=Sum("fund_paid")))
    rows = [
        Prepayment(year=year, insured_province_id=r["insured_province_id"],
                   treatment_province_id=r["treatment_province_id"], base_fund_paid=money(r["fund"] or ZERO),
                   base_months=months, amount=money((r["fund"] or ZERO) / Decimal(12) * months))
        for r in base if (r["fund"] or ZERO) > 0
    ]
    with transaction.atomic():
        Prepayment.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["year", "insured_province", "treatment_province"],
            update_fields=["base_fund_paid", "base_months", "amount", "computed_at"],
        )
        audit.record(actor=actor, organisation=organisation, action="prepayment.compute",
                     object_type="settlement.prepayment", object_id=str(year),
                     summary=f"核定{year}年度预付金（{len(rows)}个省份组合）")
    return len(rows)


# --- policy ------------------------------------------------------------------------------------------------------

def may_edit_policy(org, policy: Policy) -> bool:
    if org is None or org.is_facility:
        return False
    if policy.pooling_area_id is None:
        return org.is_national
    return covers_region(org, policy.pooling_area_id)


def save_policy(*, actor, organisation, policy: Policy) -> Policy:
    """Create or change a pooling area's policy; only bureaus covering the pooling area (national: the reference)."""
    if policy.pooling_area_id and not Region.objects.filter(code=policy.pooling_area_id,
                                                            is_pooling_area=True).exists():
        raise ValidationFailed(_("所选区划不是统筹区。"), field="pooling_area")
    if not may_edit_policy(organisation, policy):
        raise NotAllowed(_("只有统筹区所在地（或上级）医疗保障局可以设置该政策。"))
    try:
        policy.full_clean()
    except DjangoValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors) from exc
    with transaction.atomic():
        created = policy.pk is None
        policy.save()
        audit.record(actor=actor, organisation=organisation, action="policy.create" if created else "policy.change",
                     obj=policy, summary=str(policy))
    return policy
