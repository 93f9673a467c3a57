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

Who a person is (identity data on ``InsuredPerson``) is never changed by a submission:

* The first submission for an ID number records the person (name, phone, insurance type, insured
  region). Every later submission — public form, API, counter form, admin import alike — is checked
  against that record and changes nothing in it.
* A name that differs from the one on file is a 400 on ``name`` with the neutral
  ``NAME_MISMATCH`` (姓名与身份证号码不一致，请核对), worded like any identity-check failure so the
  answer does not say that the ID number is on file under another name.
* A differing insurance type is a 400 on ``insurance_type``, and an insured region that is neither the
  one on file, nor inside it, nor the area containing it is a 400 on ``insured_region``: both tell the
  person to have the bureau change it first. Naming the pooling area (or the province of a province-pooled
  area) of the county on file is the same region; the registration records the more precise of the two.
* A differing phone number is accepted and ignored: notices keep going to the number on file (the
  submission's audit entry notes it and the counter form tells the staff; the public confirmation page
  says so in neutral words to everybody, so it reveals nothing).
* Name, phone, insurance type and insured region change only through :func:`change_person_details`
  (参保关系变更 / 信息变更): bureau staff whose scope covers the person's current insured region, with
  a reason, audited with the old and new values. Registrations already made keep the insured region
  they were made under.

Input bounds (module constants, shown in the messages):

* ``start_date``: 补办 reaches back at most ``RETROACTIVE_MAX_MONTHS`` (12) months; a registration may be
  made at most ``START_AHEAD_MAX_MONTHS`` (12) months ahead. Older cases are handled outside the portal.
* ``end_date``: on or after the start and at most ``MAX_VALIDITY_YEARS`` (5) years after it (a longer
  stay is a long-term registration, which needs no end date).
* ``documents_due``: from today to ``DOCUMENTS_DUE_MAX_MONTHS`` (6) months ahead (or the default due date,
  if ``YIDI_DOCUMENTS_DUE_DAYS`` is set longer), so a far due date cannot dodge the commitment ban.
* Every date also lies in the kernel's 1900–2100 window, and names, reasons and documents owed contain no
  control characters or lone surrogates (``apps.core.inputs``); review reasons are at most
  ``REASON_MAX_LENGTH`` characters.
"""
import calendar
import datetime as dt
import re

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext as _, gettext_lazy

from apps.core import audit, idnumbers, inputs
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
PHONE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)  # fullmatch: ASCII digits only, no trailing newline
REFERENCE_SHAPE = re.compile(r"[0-9A-Z-]{1,20}", re.ASCII)
RETROACTIVE_MAX_MONTHS = 12
START_AHEAD_MAX_MONTHS = 12
MAX_VALIDITY_YEARS = 5
DOCUMENTS_DUE_MAX_MONTHS = 6
REASON_MAX_LENGTH = 200  # leaves room for the lock-override prefix in the 255-character reason column
NAME_MISMATCH = gettext_lazy("姓名与身份证号码不一致，请核对。")
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
    """``value`` (a date, or ``YYYY-MM-DD``) as a date inside the kernel's window; else a message for
    ``field`` and None."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        day = None
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                pass
        if day is None:
            fail(field, _("日期格式应为 YYYY-MM-DD。"))
            return None
    if (error := inputs.date_error(day)):
        fail(field, error)
        return None
    return day


def _text(value, field: str, fail, *, limit: int, too_long, multiline: bool = False) -> str:
    """``value`` stripped; a message for ``field`` when it holds control characters or lone surrogates, or
    is longer than ``limit``."""
    text = "" if value is None else str(value).strip()
    if (error := inputs.text_error(text, multiline=multiline)):
        fail(field, error)
    elif len(text) > limit:
        fail(field, too_long)
    return text


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "是", "on"}
    return bool(value)


def _region(code) -> Region | None:
    code = str(code or "").strip()
    if not re.fullmatch(r"[0-9]{6}", code, re.ASCII):
        return None
    return Region.objects.select_related("pooling_area").filter(code=code).first()


def _shown_code(value) -> str:
    """A submitted region code as a message may quote it: no control characters or lone surrogates (which
    could not even be encoded in the answer), at most 12 characters."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]", "", str(value or "").strip())
    return text if len(text) <= 12 else text[:12] + "…"


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

    id_number = idnumbers.normalise(str(data.get("id_number") or ""))
    if (error := inputs.text_error(id_number) or idnumbers.id_number_error(id_number)):
        fail("id_number", error)
    name = _text(data.get("name"), "name", fail, limit=64, too_long=_("姓名不能超过64个字符。"))
    if not name and "name" not in errors:
        fail("name", _("请填写姓名。"))
    phone = str(data.get("phone") or "").strip()
    if not PHONE.fullmatch(phone):
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
             % {"code": _shown_code(data.get("insured_region"))})
    elif pooling is None:
        fail("insured_region", _("参保地须为县（区）或参保统筹区，不能是未实行省级统筹的整个省份。"))

    dest = _region(data.get("destination_region"))
    if dest is None:
        fail("destination_region", _("就医地区划代码「%(code)s」不存在，请填写省或地市的6位代码。")
             % {"code": _shown_code(data.get("destination_region"))})
    elif dest.level not in (Level.PROVINCE, Level.CITY):
        fail("destination_region", _("就医地须为省或地市，不能是县（区）或单个医院。"))
    elif pooling is not None and _overlaps(dest, pooling):
        fail("destination_region", _("就医地须在参保统筹区（%(area)s）以外。") % {"area": pooling.name})

    start = _as_date(data.get("start_date"), "start_date", fail) or today
    end = _as_date(data.get("end_date"), "end_date", fail)
    earliest, latest = add_months(today, -RETROACTIVE_MAX_MONTHS), add_months(today, START_AHEAD_MAX_MONTHS)
    if start < earliest:
        fail("start_date", _("开始日期不能早于 %(day)s：补办备案最多追溯%(months)s个月。")
             % {"day": f"{earliest:%Y-%m-%d}", "months": RETROACTIVE_MAX_MONTHS})
    elif start > latest:
        fail("start_date", _("开始日期不能晚于 %(day)s：备案最多提前%(months)s个月办理。")
             % {"day": f"{latest:%Y-%m-%d}", "months": START_AHEAD_MAX_MONTHS})
    start_ok = "start_date" not in errors
    retroactive_reason = _text(data.get("retroactive_reason"), "retroactive_reason", fail, limit=255,
                               too_long=_("补办原因不能超过255个字符。"))
    if start_ok and start < today and not retroactive_reason and "retroactive_reason" not in errors:
        fail("retroactive_reason", _("开始日期早于今天的，属于补办备案，须填写补办原因。"))
    default_end = default_end_date(category, start) if category in Category.values and start_ok else None
    if end is not None and start_ok:
        last_end = add_months(start, 12 * MAX_VALIDITY_YEARS) - dt.timedelta(days=1)
        if end < start:
            fail("end_date", _("有效期结束日期不得早于开始日期。"))
        elif default_end is not None and end < default_end:
            fail("end_date", _("临时外出就医备案有效期不得少于%(months)s个月（结束日期最早为 %(end)s）。")
                 % {"months": temporary_min_months(), "end": default_end})
        elif end > last_end:
            fail("end_date", _("有效期最长%(years)s年（结束日期最晚为 %(end)s）；长期居住类备案不填结束日期即为长期有效。")
                 % {"years": MAX_VALIDITY_YEARS, "end": f"{last_end:%Y-%m-%d}"})
    if end is None:
        end = default_end

    commitment_signed = _as_bool(data.get("commitment_signed"))
    documents_provided = _as_bool(data.get("documents_provided"))
    documents_owed = _text(data.get("documents_owed"), "documents_owed", fail, limit=255,
                           too_long=_("待补材料不能超过255个字符。"))
    documents_due = _as_date(data.get("documents_due"), "documents_due", fail)
    if not commitment_signed and not documents_provided:
        fail("commitment_signed", _("未提交证明材料的，须签署个人承诺书（承诺制备案）。"))
    if documents_owed and not commitment_signed:
        fail("commitment_signed", _("容缺后补须签署个人承诺书，承诺在期限内补交材料。"))
    if documents_due is not None and not documents_owed and "documents_owed" not in errors:
        fail("documents_owed", _("填写了补交截止日期的，请写明待补交的材料。"))
    if documents_owed:
        default_due = today + dt.timedelta(days=_conf("YIDI_DOCUMENTS_DUE_DAYS", 30))
        last_due = max(add_months(today, DOCUMENTS_DUE_MAX_MONTHS), default_due)
        documents_due = documents_due or default_due
        if documents_due < today:
            fail("documents_due", _("材料补交截止日期不得早于今天。"))
        elif documents_due > last_due:
            fail("documents_due", _("材料补交截止日期最晚为 %(day)s（自今天起不超过%(months)s个月）。")
                 % {"day": f"{last_due:%Y-%m-%d}", "months": DOCUMENTS_DUE_MAX_MONTHS})

    if not errors and organisation is not None and not covers_region(organisation, insured.code):
        raise NotAllowed(_("只能为本辖区参保人员办理备案。"), field="insured_region")
    if errors:
        field, messages = next(iter(errors.items()))
        raise ValidationFailed(messages[0], field=field, errors=errors)

    commitment_based = _is_commitment_based(commitment_signed, documents_provided, documents_owed)
    with transaction.atomic():
        person, insured, phone_kept = _person_for_submission(
            id_number=id_number, name=name, phone=phone, insurance_type=insurance_type, insured=insured)
        pooling = insured.pooling_area
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
        extra = {"phone_on_file_kept": True} if phone_kept else {}
        audit.record(actor=actor, organisation=organisation, action="registration.submit", obj=registration,
                     summary=f"提交备案 {registration.reference}", channel=channel, **extra)
        if pooling.instant_approval and commitment_signed and not documents_owed and start >= today:
            _move(registration, Status.APPROVED, actor, organisation, INSTANT_REASON, action="registration.approve")
    registration.phone_on_file_kept = phone_kept  # for the counter's notice; the person was not changed
    return registration


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _same_name(a: str, b: str) -> bool:
    """Names compared without their spaces (``张 三`` is 张三)."""
    return "".join(a.split()) == "".join(b.split())


def _person_for_submission(*, id_number, name, phone, insurance_type, insured: Region
                           ) -> tuple[InsuredPerson, Region, bool]:
    """The person with ``id_number``, locked for this transaction (two submissions for one person are
    judged one after the other), and the insured region the registration records; plus whether the
    submitted phone differed from (and so was not written over) the one on file.

    A new ID number records the person as submitted. A known person is checked, never changed (see the
    module docstring): name, insurance type and insured region must agree with the record."""
    person = InsuredPerson.objects.select_for_update().filter(id_number=id_number).first()
    if person is None:
        try:
            with transaction.atomic():
                person = InsuredPerson.objects.create(
                    id_number=id_number, name=name, phone=phone, insurance_type=insurance_type,
                    insured_region=insured, insured_pooling_area=insured.pooling_area,
                    sex=idnumbers.sex(id_number), birth_date=idnumbers.birth_date(id_number))
            return person, insured, False
        except IntegrityError:  # created by a concurrent submission a moment ago: judge against it
            person = InsuredPerson.objects.select_for_update().get(id_number=id_number)
    if not _same_name(person.name, name):
        raise ValidationFailed(NAME_MISMATCH, field="name")
    if person.insurance_type != insurance_type:
        raise ValidationFailed(
            _("险种与参保登记信息不一致。险种已变更的，请先到参保地医保经办机构办理信息变更。"),
            field="insurance_type")
    on_file = Region.objects.select_related("pooling_area").get(code=person.insured_region_id)
    nested = on_file.contains(insured.code) or insured.contains(on_file.code)
    if not nested or insured.pooling_area_id != person.insured_pooling_area_id:
        raise ValidationFailed(
            _("参保地与参保登记信息不一致。参保关系已变更的，请先到参保地医保经办机构办理参保关系变更。"),
            field="insured_region")
    effective = insured if on_file.contains(insured.code) else on_file  # the more precise of the two
    return person, effective, person.phone != phone


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
    reference = str(reference or "").strip().upper()
    if not REFERENCE_SHAPE.fullmatch(reference):
        raise NotFound(_("未找到该备案。"))
    qs = Registration.objects.select_for_update(of=("self",)).select_related("person")
    if organisation is not None:
        qs = scoped(qs, organisation)
    elif not (actor is None or getattr(actor, "is_superuser", False)):
        raise NotFound(_("未找到该备案。"))
    registration = qs.filter(reference=reference).first()
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


def clean_reason(reason, *, missing) -> str:
    """A review reason (reject, cancel, a change of details): required, at most ``REASON_MAX_LENGTH``
    characters, line breaks allowed, no other control characters."""
    errors: dict[str, list[str]] = {}
    text = _text(reason, "reason", lambda f, m: errors.setdefault(f, []).append(m), limit=REASON_MAX_LENGTH,
                 too_long=_("原因不能超过%(n)s个字符。") % {"n": REASON_MAX_LENGTH}, multiline=True)
    if errors:
        raise ValidationFailed(errors["reason"][0], field="reason")
    if not text:
        raise ValidationFailed(missing, field="reason")
    return text


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
    reason = clean_reason(reason, missing=_("不予备案须填写原因。"))
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
    reason = clean_reason(reason, missing=_("撤销备案须填写原因。"))
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


def _person_for_bureau(person_id, *, actor, organisation) -> InsuredPerson:
    """The person, locked, if the caller's bureau holds them (its scope covers their current insured
    region); NotFound otherwise, so a person outside the scope is not revealed."""
    try:
        pk = int(str(person_id).strip())
    except (TypeError, ValueError):
        raise NotFound(_("未找到该参保人员。")) from None
    qs = InsuredPerson.objects.select_for_update()
    if organisation is not None:
        qs = scoped(qs, organisation)
    elif not (actor is not None and getattr(actor, "is_superuser", False)):
        raise NotFound(_("未找到该参保人员。"))
    person = qs.filter(pk=pk).first()
    if person is None or (organisation is not None and not covers_region(organisation, person.insured_region_id)):
        raise NotFound(_("未找到该参保人员。"))
    return person


def change_person_details(*, actor, organisation, person_id, reason, name=None, phone=None, insurance_type=None,
                          insured_region=None) -> InsuredPerson:
    """参保关系变更 / 信息变更: change a person's name, phone, insurance type and/or insured region (a
    county or pooling area; the pooling area follows), by the bureau whose scope covers the person's
    current insured region, with a reason. Arguments left None stay as they are; the audit entry keeps
    each changed field's old and new value. Registrations already made keep their own insured region."""
    reason = clean_reason(reason, missing=_("变更参保信息须填写原因。"))
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str):
        errors.setdefault(field, []).append(message)

    wanted: dict = {}
    if name is not None:
        wanted["name"] = _text(name, "name", fail, limit=64, too_long=_("姓名不能超过64个字符。"))
        if not wanted["name"] and "name" not in errors:
            fail("name", _("请填写姓名。"))
    if phone is not None:
        wanted["phone"] = str(phone).strip()
        if not PHONE.fullmatch(wanted["phone"]):
            fail("phone", _("手机号码应为11位中国大陆手机号码。"))
    if insurance_type is not None:
        wanted["insurance_type"] = insurance_type
        if insurance_type not in InsuranceType.values:
            fail("insurance_type", _("请选择险种（职工医保或城乡居民医保）。"))
    if insured_region is not None:
        region = _region(insured_region)
        if region is None:
            fail("insured_region", _("参保地区划代码「%(code)s」不存在，请填写6位行政区划代码。")
                 % {"code": _shown_code(insured_region)})
        elif region.pooling_area is None:
            fail("insured_region", _("参保地须为县（区）或参保统筹区，不能是未实行省级统筹的整个省份。"))
        else:
            wanted["insured_region"] = region
    if errors:
        field, messages = next(iter(errors.items()))
        raise ValidationFailed(messages[0], field=field, errors=errors)

    with transaction.atomic():
        person = _person_for_bureau(person_id, actor=actor, organisation=organisation)
        changes: dict[str, dict] = {}
        for field, value in wanted.items():
            old = getattr(person, f"{field}_id") if field == "insured_region" else getattr(person, field)
            new = value.code if field == "insured_region" else value
            if old != new:
                changes[field] = {"old": old, "new": new}
                setattr(person, field, value)
        if not changes:
            raise ValidationFailed(_("填写的信息与登记信息相同，没有需要变更的内容。"))
        if "insured_region" in changes:
            old_pooling = person.insured_pooling_area_id
            person.insured_pooling_area = wanted["insured_region"].pooling_area
            if old_pooling != person.insured_pooling_area_id:
                changes["insured_pooling_area"] = {"old": old_pooling, "new": person.insured_pooling_area_id}
        person.save(update_fields=list(changes))
        labels = "、".join(str(InsuredPerson._meta.get_field(f).verbose_name) for f in changes)
        audit.record(actor=actor, organisation=organisation, action="registration.person_change", obj=person,
                     summary=f"{'参保关系变更' if 'insured_region' in changes else '信息变更'}"
                             f"（{person.masked_id}）：{labels}",
                     reason=reason, changes=changes)
    return person


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
