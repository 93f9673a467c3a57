"""Every write to registrations (备案): submission with all its rules, review, cancellation, expiry.

The web form, the admin, the partner API, the import and the commands all call these functions, so a
rule written here holds everywhere. Decisions where DOMAIN.md leaves room (documented once, here):

* ``insured_region`` may be any region that has a pooling area (a county, a pooling city, a
  province-pooled province); a province that does not pool, or an unknown code, is refused.
* ``destination_region`` is a province or a city and may not overlap the insured pooling area in either
  direction (苏州-insured may not name 苏州 nor 江苏省 as a whole; they may name 无锡 or 浙江).
* Proof: either ``documents_provided`` (proof documents are on file) or ``commitment_signed``
  (承诺制). ``documents_owed`` (容缺后补) needs the commitment and gets a due date, by default
  ``YIDI_DOCUMENTS_DUE_DAYS`` from today. A person under ``commitment_banned_until`` may not use the
  commitment route: they must provide the documents.
* Instant approval (即申即享): the insured pooling area has it on, the commitment is signed, nothing is
  owed, and the start is not retroactive (补办 always goes to staff review).
* "Same destination" for the overlap rule: the same code, or a province and a city inside it.
* Cancellation: only ``approved`` registrations, always with a reason, only by the insured side. A
  long-term registration is locked for ``YIDI_LONG_TERM_LOCK_MONTHS`` (6) months from its start: inside
  the lock only a staff account (``user.is_staff``, i.e. a bureau's own staff, not a partner system)
  may cancel, and the event records that the lock was overridden.
"""
import calendar
import datetime as dt
import re

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext as _, gettext_lazy

from apps.core import audit, idnumbers
from apps.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from apps.regions.models import Level, Region, code_range
from apps.regions.scope import covers_region, scoped

from .models import (
    LONG_TERM_CATEGORIES,
    Category,
    Channel,
    InsuranceType,
    InsuredPerson,
    ReferenceSequence,
    Registration,
    RegistrationEvent,
    Scope,
    Status,
)

ACTIVE_STATUSES = (Status.SUBMITTED, Status.APPROVED)
PHONE = re.compile(r"^1[3-9]\d{9}$")
INSTANT_REASON = "即申即享：统筹区对材料齐全的承诺制备案即时批准。"
EXPIRY_REASON = "有效期届满，自动到期。"
LOCK_OVERRIDE_PREFIX = "【锁定期内由经办人员撤销】"


def _conf(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def temporary_min_months() -> int:
    return _conf("YIDI_TEMPORARY_MIN_MONTHS", 6)


def long_term_lock_months() -> int:
    return _conf("YIDI_LONG_TERM_LOCK_MONTHS", 6)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_end_date(category: str, start: dt.date) -> dt.date | None:
    """None (until changed or cancelled) for long-term; start + 6 months − 1 day for temporary."""
    if category in LONG_TERM_CATEGORIES:
        return None
    return add_months(start, temporary_min_months()) - dt.timedelta(days=1)


def lock_end(registration: Registration) -> dt.date | None:
    """The first day a long-term registration may be cancelled by anyone; None when never locked."""
    if registration.category not in LONG_TERM_CATEGORIES:
        return None
    return add_months(registration.start_date, long_term_lock_months())


def _as_date(value, field: str, fail) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        fail(field, _("日期格式应为 YYYY-MM-DD。"))
        return None


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "是", "on"}
    return bool(value)


def _region(code) -> Region | None:
    code = str(code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return None
    return Region.objects.select_related("pooling_area").filter(code=code).first()


def _overlaps(a: Region, b: Region) -> bool:
    return a.contains(b.code) or b.contains(a.code)


def _same_destination_q(dest: Region) -> Q:
    if dest.level == Level.PROVINCE:
        lo, hi = code_range(dest.prefix)
        return Q(destination_region__gte=lo, destination_region__lte=hi)
    return Q(destination_region__in=[dest.code, dest.province_code])


def _is_commitment_based(commitment_signed: bool, documents_provided: bool, documents_owed: str) -> bool:
    return commitment_signed and (not documents_provided or bool(documents_owed))


def submit_registration(*, actor, organisation, channel: str, data: dict, today: dt.date | None = None
                        ) -> Registration:
    """Validate ``data`` (the API's fields, plus optional ``documents_provided``, ``documents_owed``,
    ``documents_due``) against every rule and create the registration, approved at once where the insured
    pooling area grants 即申即享. Raises ValidationFailed listing every fault; nothing is saved on error."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str):
        errors.setdefault(field, []).append(message)

    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")

    id_number = idnumbers.normalise(data.get("id_number"))
    if (error := idnumbers.id_number_error(id_number)):
        fail("id_number", error)
    name = str(data.get("name") or "").strip()
    if not name:
        fail("name", _("请填写姓名。"))
    elif len(name) > 64:
        fail("name", _("姓名不能超过64个字符。"))
    phone = str(data.get("phone") or "").strip()
    if not PHONE.match(phone):
        fail("phone", _("手机号码应为11位中国大陆手机号码。"))
    insurance_type = data.get("insurance_type")
    if insurance_type not in InsuranceType.values:
        fail("insurance_type", _("请选择险种（职工医保或城乡居民医保）。"))
    category = data.get("category")
    if category not in Category.values:
        fail("category", _("请选择备案类别。"))

    insured = _region(data.get("insured_region"))
    pooling = insured.pooling_area if insured else None
    if insured is None:
        fail("insured_region", _("参保地区划代码「%(code)s」不存在，请填写6位行政区划代码。")
             % {"code": data.get("insured_region") or ""})
    elif pooling is None:
        fail("insured_region", _("参保地须为县（区）或参保统筹区，不能是未实行省级统筹的整个省份。"))

    dest = _region(data.get("destination_region"))
    if dest is None:
        fail("destination_region",
             _("就医地区划代码「%(code)s」不存在，请填写省或地市的6位代码。") % {"code": data.get("destination_region") or ""})
    elif dest.level not in (Level.PROVINCE, Level.CITY):
        fail("destination_region", _("就医地须为省或地市，不能是县（区）或单个医院。"))
    elif pooling is not None and _overlaps(dest, pooling):
        fail("destination_region", _("就医地须在参保统筹区（%(area)s）以外。") % {"area": pooling.name})

    start = _as_date(data.get("start_date"), "start_date", fail) or today
    end = _as_date(data.get("end_date"), "end_date", fail)
    retroactive_reason = str(data.get("retroactive_reason") or "").strip()
    if start < today and not retroactive_reason:
        fail("retroactive_reason", _("开始日期早于今天的，属于补办备案，须填写补办原因。"))
    if len(retroactive_reason) > 255:
        fail("retroactive_reason", _("补办原因不能超过255个字符。"))
    default_end = default_end_date(category, start) if category in Category.values else None
    if end is not None and end < start:
        fail("end_date", _("有效期结束日期不得早于开始日期。"))
    elif end is not None and default_end is not None and end < default_end:
        fail("end_date", _("临时外出就医备案有效期不得少于%(months)s个月（结束日期最早为 %(end)s）。")
             % {"months": temporary_min_months(), "end": default_end})
    if end is None:
        end = default_end

    commitment_signed = _as_bool(data.get("commitment_signed"))
    documents_provided = _as_bool(data.get("documents_provided"))
    documents_owed = str(data.get("documents_owed") or "").strip()
    documents_due = _as_date(data.get("documents_due"), "documents_due", fail)
    if not commitment_signed and not documents_provided:
        fail("commitment_signed", _("未提交证明材料的，须签署个人承诺书（承诺制备案）。"))
    if documents_owed and not commitment_signed:
        fail("commitment_signed", _("容缺后补须签署个人承诺书，承诺在期限内补交材料。"))
    if len(documents_owed) > 255:
        fail("documents_owed", _("待补材料不能超过255个字符。"))
    if documents_due is not None and not documents_owed:
        fail("documents_owed", _("填写了补交截止日期的，请写明待补交的材料。"))
    if documents_owed:
        documents_due = documents_due or today + dt.timedelta(days=_conf("YIDI_DOCUMENTS_DUE_DAYS", 30))
        if documents_due < today:
            fail("documents_due", _("材料补交截止日期不得早于今天。"))

    if not errors and organisation is not None and not covers_region(organisation, insured.code):
        raise NotAllowed(_("只能为本辖区参保人员办理备案。"), field="insured_region")
    if errors:
        field, messages = next(iter(errors.items()))
        raise ValidationFailed(messages[0], field=field, errors=errors)

    commitment_based = _is_commitment_based(commitment_signed, documents_provided, documents_owed)
    with transaction.atomic():
        person = _lock_person(id_number=id_number, name=name, phone=phone, insurance_type=insurance_type,
                              insured=insured)
        if commitment_based and person.commitment_banned_until and person.commitment_banned_until >= today:
            raise ValidationFailed(
                _("因逾期未补交材料，%(until)s 前不能以承诺制办理备案，请提交证明材料。")
                % {"until": f"{person.commitment_banned_until:%Y-%m-%d}"},
                field="commitment_signed",
            )
        clash = Registration.objects.filter(_same_destination_q(dest), person=person, status__in=ACTIVE_STATUSES)
        clash = clash.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        if end is not None:
            clash = clash.filter(start_date__lte=end)
        if clash.exists():
            raise ValidationFailed(_("该参保人员已有同一就医地、有效期重叠的备案（待审核或已备案），不能重复备案。"),
                                   field="destination_region")

        registration = Registration.objects.create(
            reference=next_reference(today), person=person, insured_region=insured, insured_pooling_area=pooling,
            category=category, destination_region=dest,
            scope=Scope.CROSS_PROVINCE if dest.code[:2] != pooling.code[:2] else Scope.IN_PROVINCE,
            start_date=start, end_date=end, commitment_signed=commitment_signed, documents_owed=documents_owed,
            documents_due=documents_due if documents_owed else None, retroactive_reason=retroactive_reason,
            channel=channel, status=Status.SUBMITTED, created_by=_user(actor),
        )
        _event(registration, actor, organisation, "", Status.SUBMITTED, "")
        audit.record(actor=actor, organisation=organisation, action="registration.submit", obj=registration,
                     summary=f"提交备案 {registration.reference}", channel=channel)
        if pooling.instant_approval and commitment_signed and not documents_owed and start >= today:
            _move(registration, Status.APPROVED, actor, organisation, INSTANT_REASON, action="registration.approve")
    return registration


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock_person(*, id_number, name, phone, insurance_type, insured) -> InsuredPerson:
    """The person with ``id_number``, created or brought up to date, and locked for this transaction
    (so two submissions for one person are judged one after the other)."""
    values = dict(name=name, phone=phone, insurance_type=insurance_type, insured_region=insured,
                  insured_pooling_area=insured.pooling_area)
    person = InsuredPerson.objects.select_for_update().filter(id_number=id_number).first()
    if person is None:
        try:
            with transaction.atomic():
                return InsuredPerson.objects.create(
                    id_number=id_number, sex=idnumbers.sex(id_number), birth_date=idnumbers.birth_date(id_number),
                    **values)
        except IntegrityError:  # created by a concurrent submission a moment ago
            person = InsuredPerson.objects.select_for_update().get(id_number=id_number)
    changed = [f for f, v in values.items() if getattr(person, f) != v]
    if changed:
        for f in changed:
            setattr(person, f, values[f])
        person.save(update_fields=changed)
    return person


REFERENCE_SEQUENCE = "registration_reference_seq"  # created by migration 0003 on PostgreSQL


def next_reference(day: dt.date) -> str:
    """``BA`` + the date + an 8-digit number: unique, and easy to read out on the phone.

    On PostgreSQL the number comes from a sequence (no lock: submissions never wait for one another; gaps
    are harmless); elsewhere from a per-day counter row. Within one day the numbers never repeat."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [REFERENCE_SEQUENCE])
            number = cursor.fetchone()[0]
    else:
        seq, _created = ReferenceSequence.objects.select_for_update().get_or_create(day=day)
        ReferenceSequence.objects.filter(day=day).update(last=F("last") + 1)
        seq.refresh_from_db(fields=["last"])
        number = seq.last
    return f"BA{day:%Y%m%d}{number % 10**8:08d}"


def _event(registration, actor, organisation, from_status, to_status, reason) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        registration=registration, actor=_user(actor), organisation=organisation, from_status=from_status,
        to_status=to_status, reason=reason[:255],
    )


def _move(registration, to_status, actor, organisation, reason, *, action):
    from_status = registration.status
    registration.status = to_status
    registration.status_reason = reason[:255]
    registration.save(update_fields=["status", "status_reason"])
    _event(registration, actor, organisation, from_status, to_status, reason)
    audit.record(actor=actor, organisation=organisation, action=action, obj=registration,
                 summary=f"{registration.reference}：{Status(from_status).label} → {Status(to_status).label}",
                 reason=reason)


def _for_insured_side(reference: str, *, actor, organisation) -> Registration:
    """The registration, locked, if the caller may act on it as the insured side.

    Outside the caller's scope → NotFound (its existence is not revealed); visible but only as the
    destination side → NotAllowed."""
    qs = Registration.objects.select_for_update(of=("self",)).select_related("person")
    if organisation is not None:
        qs = scoped(qs, organisation)
    elif not (actor is None or getattr(actor, "is_superuser", False)):
        raise NotFound(_("未找到该备案。"))
    registration = qs.filter(reference=str(reference or "").strip().upper()).first()
    if registration is None:
        raise NotFound(_("未找到该备案。"))
    if organisation is not None and not covers_region(organisation, registration.insured_region_id):
        raise NotAllowed(_("只有参保地经办机构可以审核或撤销此备案，就医地只能查看。"))
    return registration


REFUSALS = {
    "approve": gettext_lazy("备案 %(reference)s 当前状态为「%(status)s」，不能批准。"),
    "reject": gettext_lazy("备案 %(reference)s 当前状态为「%(status)s」，不能驳回。"),
    "cancel": gettext_lazy("备案 %(reference)s 当前状态为「%(status)s」，不能撤销。"),
}


def _refuse(registration, verb: str):
    label = registration.get_status_display() if get_language().startswith("zh") else registration.status
    raise Conflict(REFUSALS[verb] % {"reference": registration.reference, "status": label})


def approve_registration(*, actor, organisation, reference: str) -> Registration:
    """submitted → approved, by the insured side."""
    with transaction.atomic():
        registration = _for_insured_side(reference, actor=actor, organisation=organisation)
        if registration.status != Status.SUBMITTED:
            _refuse(registration, "approve")
        _move(registration, Status.APPROVED, actor, organisation, "经办审核通过。", action="registration.approve")
    return registration


def reject_registration(*, actor, organisation, reference: str, reason: str) -> Registration:
    """submitted → rejected, by the insured side, with a reason the applicant will be told."""
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed(_("不予备案须填写原因。"), field="reason")
    with transaction.atomic():
        registration = _for_insured_side(reference, actor=actor, organisation=organisation)
        if registration.status != Status.SUBMITTED:
            _refuse(registration, "reject")
        _move(registration, Status.REJECTED, actor, organisation, reason, action="registration.reject")
    return registration


def cancel_registration(*, actor, organisation, reference: str, reason: str, today: dt.date | None = None
                        ) -> Registration:
    """approved → cancelled, by the insured side, with a reason; long-term ones are locked for their first
    six months except for staff accounts (the override is written into the event)."""
    today = today or timezone.localdate()
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed(_("撤销备案须填写原因。"), field="reason")
    with transaction.atomic():
        registration = _for_insured_side(reference, actor=actor, organisation=organisation)
        if registration.status != Status.APPROVED:
            _refuse(registration, "cancel")
        locked_until = lock_end(registration)
        if locked_until is not None and today < locked_until:
            if not (actor is not None and getattr(actor, "is_staff", False)):
                raise Conflict(
                    _("长期备案自开始之日起%(months)s个月内（%(until)s 前）不得撤销；"
                      "确需撤销的，请到参保地经办机构由工作人员注明原因办理。")
                    % {"months": long_term_lock_months(), "until": f"{locked_until:%Y-%m-%d}"})
            reason = LOCK_OVERRIDE_PREFIX + reason
        _move(registration, Status.CANCELLED, actor, organisation, reason, action="registration.cancel")
    return registration


def supply_documents(*, actor, organisation, reference: str) -> Registration:
    """Record that the documents owed (容缺后补) have arrived."""
    with transaction.atomic():
        registration = _for_insured_side(reference, actor=actor, organisation=organisation)
        if not registration.documents_owed or registration.documents_supplied_at is not None:
            raise Conflict(_("备案 %(reference)s 没有待补交的材料。") % {"reference": registration.reference},
                           field="documents_owed")
        registration.documents_supplied_at = timezone.now()
        registration.save(update_fields=["documents_supplied_at"])
        audit.record(actor=actor, organisation=organisation, action="registration.documents_supplied",
                     obj=registration, summary=f"{registration.reference} 已补交材料")
    return registration


def expire_registrations(today: dt.date | None = None, *, batch_size: int = 5000) -> int:
    """approved → expired for every registration whose validity ended before ``today``.

    One conditional UPDATE … RETURNING per batch (PostgreSQL and SQLite ≥ 3.35 alike), then the events in
    bulk and one audit entry; a row changed meanwhile by a reviewer is simply not matched."""
    today = today or timezone.localdate()
    table = connection.ops.quote_name(Registration._meta.db_table)
    sql = (
        f"UPDATE {table} SET status = %s, status_reason = %s WHERE id IN ("
        f"SELECT id FROM {table} WHERE status = %s AND end_date IS NOT NULL AND end_date < %s LIMIT %s"
        f") AND status = %s RETURNING id"
    )
    total = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [Status.EXPIRED, EXPIRY_REASON, Status.APPROVED, today, batch_size,
                                     Status.APPROVED])
                ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            now = timezone.now()
            RegistrationEvent.objects.bulk_create(
                [RegistrationEvent(registration_id=i, at=now, from_status=Status.APPROVED, to_status=Status.EXPIRED,
                                   reason=EXPIRY_REASON) for i in ids],
                batch_size=1000,
            )
            audit.record(action="registration.expire", object_type="registration.registration",
                         object_id=f"{min(ids)}-{max(ids)}", summary=f"{len(ids)} 条备案有效期届满，自动到期",
                         count=len(ids), today=today.isoformat())
            total += len(ids)
        if len(ids) < batch_size:
            break
    return total


def ban_overdue_commitments(today: dt.date | None = None) -> int:
    """Persons whose owed documents are overdue lose the commitment route until the due date plus
    ``YIDI_COMMITMENT_BAN_MONTHS`` (24). Reads only the few rows the partial index holds."""
    today = today or timezone.localdate()
    months = _conf("YIDI_COMMITMENT_BAN_MONTHS", 24)
    overdue = (
        Registration.objects.filter(documents_due__lt=today, documents_supplied_at__isnull=True)
        .exclude(documents_owed="")
        .values_list("person_id", "documents_due", "reference")
    )
    changed = 0
    with transaction.atomic():
        for person_id, due, reference in overdue.iterator(chunk_size=2000):
            until = add_months(due, months)
            n = InsuredPerson.objects.filter(pk=person_id).filter(
                Q(commitment_banned_until__isnull=True) | Q(commitment_banned_until__lt=until)
            ).update(commitment_banned_until=until)
            if n:
                changed += n
                audit.record(action="registration.commitment_ban", object_type="registration.insuredperson",
                             object_id=str(person_id), summary=f"{reference} 逾期未补交材料，承诺制限制至 {until}")
    return changed
