"""Every write to registrations (备案): submission with all its rules, review, cancellation, expiry.

The web form, the admin, the partner API, the import and the commands all call these functions, so a
rule written here holds everywhere. A submission is checked in two steps: ``validation.validate_submission``
(no database: every fault of the input at once), then, in one transaction with the person locked, what
depends on rows (the person on file, a commitment ban, an overlapping registration). Who may review, cancel
or change what is ``access`` (``check_registration_action``), asked by these functions on the locked row
and by the admin for its buttons. Decisions where DOMAIN.md leaves room (documented once, here):

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
  may cancel, and the event records that the lock was overridden (the rule: ``access``).

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

Input bounds (constants of ``validation``, shown in the messages):

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
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import audit, idnumbers
from apps.core.errors import ValidationFailed
from apps.regions.models import Level, Region, code_range

from .access import (
    check_may_register,
    check_person_action,
    check_registration_action,
    in_lock,
    person_for,
    registration_for,
)
from .models import (
    ACTIVE_STATUSES,
    Channel,
    InsuredPerson,
    ReferenceSequence,
    Registration,
    RegistrationEvent,
    Scope,
    Status,
)
from .validation import (
    Submission,
    add_months,
    clean_reason,
    region_code,
    validate_person_changes,
    validate_submission,
)

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.regions.models import Organisation

NAME_MISMATCH = gettext_lazy("姓名与身份证号码不一致，请核对。")
INSTANT_REASON = "即申即享：统筹区对材料齐全的承诺制备案即时批准。"
EXPIRY_REASON = "有效期届满，自动到期。"
LOCK_OVERRIDE_PREFIX = "【锁定期内由经办人员撤销】"


def regions_named(*values: Any) -> dict[str, Region]:
    """The regions these submitted values name, each with its pooling area, in one query: what the
    validators look regions up in."""
    codes = {code for value in values if (code := region_code(value))}
    if not codes:
        return {}
    return {region.code: region for region in Region.objects.select_related("pooling_area").filter(code__in=codes)}


# ---- submission ------------------------------------------------------------------------------------------

def submit_registration(*, actor: User | None, organisation: Organisation | None, channel: str,
                        data: dict[str, Any], today: dt.date | None = None) -> Registration:
    """Validate ``data`` (the API's fields, plus optional ``documents_provided``, ``documents_owed``,
    ``documents_due``) against every rule and create the registration, approved at once where the insured
    pooling area grants 即申即享. Raises ValidationFailed listing every fault; nothing is saved on error."""
    today = today or timezone.localdate()
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    regions = regions_named(data.get("insured_region"), data.get("destination_region"))
    submission = validate_submission(data, today=today, regions=regions)
    check_may_register(organisation, submission.insured.code)
    return _create_registration(submission, actor=actor, organisation=organisation, channel=channel, today=today)


def _create_registration(submission: Submission, *, actor: User | None, organisation: Organisation | None,
                         channel: str, today: dt.date) -> Registration:
    """In one transaction with the person locked: the person recorded or checked, the checks that depend on
    rows, the registration with its event and audit entry, and instant approval where it applies."""
    with transaction.atomic():
        person, insured, phone_kept = _person_for_submission(submission)
        _check_commitment_ban(person, submission, today)
        _check_no_overlap(person, submission)
        pooling = submission.pooling  # the recorded region may be the one on file: same pooling area, checked
        destination = submission.destination
        registration = Registration.objects.create(
            reference=next_reference(today), person=person, insured_region=insured, insured_pooling_area=pooling,
            category=submission.category, destination_region=destination,
            scope=Scope.CROSS_PROVINCE if destination.code[:2] != pooling.code[:2] else Scope.IN_PROVINCE,
            start_date=submission.start, end_date=submission.end, commitment_signed=submission.commitment_signed,
            documents_owed=submission.documents_owed, documents_due=submission.documents_due,
            retroactive_reason=submission.retroactive_reason, channel=channel, status=Status.SUBMITTED,
            created_by=_user(actor),
        )
        _event(registration, actor, organisation, "", Status.SUBMITTED, "")
        extra: dict[str, Any] = {"phone_on_file_kept": True} if phone_kept else {}
        audit.record(actor=actor, organisation=organisation, action="registration.submit", obj=registration,
                     summary=f"提交备案 {registration.reference}", channel=channel, **extra)
        if submission.instant(pooling, today):
            _move(registration, Status.APPROVED, actor, organisation, INSTANT_REASON, action="registration.approve")
    registration.phone_on_file_kept = phone_kept  # type: ignore[attr-defined]  # for the counter's notice
    return registration


def _person_for_submission(submission: Submission) -> tuple[InsuredPerson, Region, bool]:
    """The person with the submission's ID number, locked for this transaction (two submissions for one
    person are judged one after the other), and the insured region the registration records; plus whether
    the submitted phone differed from (and so was not written over) the one on file.

    A new ID number records the person as submitted. A known person is checked, never changed (see the
    module docstring): name, insurance type and insured region must agree with the record."""
    id_number, insured = submission.id_number, submission.insured
    person = InsuredPerson.objects.select_for_update().filter(id_number=id_number).first()
    if person is None:
        try:
            with transaction.atomic():
                person = InsuredPerson.objects.create(
                    id_number=id_number, name=submission.name, phone=submission.phone,
                    insurance_type=submission.insurance_type, insured_region=insured,
                    insured_pooling_area=submission.pooling, sex=idnumbers.sex(id_number),
                    birth_date=idnumbers.birth_date(id_number))
            return person, insured, False
        except IntegrityError:  # created by a concurrent submission a moment ago: judge against it
            person = InsuredPerson.objects.select_for_update().get(id_number=id_number)
    return person, _check_identity(person, submission), person.phone != submission.phone


def _same_name(a: str, b: str) -> bool:
    """Names compared without their spaces (``张 三`` is 张三)."""
    return "".join(a.split()) == "".join(b.split())


def _check_identity(person: InsuredPerson, submission: Submission) -> Region:
    """Refuse a submission whose name, insurance type or insured region disagrees with the person on file;
    else the insured region to record, the more precise of the submitted one and the one on file."""
    if not _same_name(person.name, submission.name):
        raise ValidationFailed(NAME_MISMATCH, field="name")
    if person.insurance_type != submission.insurance_type:
        raise ValidationFailed(
            _("险种与参保登记信息不一致。险种已变更的，请先到参保地医保经办机构办理信息变更。"),
            field="insurance_type")
    insured = submission.insured
    on_file = Region.objects.select_related("pooling_area").get(code=person.insured_region_id)
    nested = on_file.contains(insured.code) or insured.contains(on_file.code)
    if not nested or insured.pooling_area_id != person.insured_pooling_area_id:
        raise ValidationFailed(
            _("参保地与参保登记信息不一致。参保关系已变更的，请先到参保地医保经办机构办理参保关系变更。"),
            field="insured_region")
    return insured if on_file.contains(insured.code) else on_file


def _check_commitment_ban(person: InsuredPerson, submission: Submission, today: dt.date) -> None:
    """A person under a commitment ban must provide the documents."""
    banned_until = person.commitment_banned_until
    if submission.commitment_based and banned_until is not None and banned_until >= today:
        raise ValidationFailed(
            _("因逾期未补交材料，%(until)s 前不能以承诺制办理备案，请提交证明材料。")
            % {"until": f"{banned_until:%Y-%m-%d}"},
            field="commitment_signed",
        )


def _same_destination_q(dest: Region) -> Q:
    """The same code, or a province and a city inside it."""
    if dest.level == Level.PROVINCE:
        lo, hi = code_range(dest.prefix)
        return Q(destination_region__gte=lo, destination_region__lte=hi)
    return Q(destination_region__in=[dest.code, dest.province_code])


def _check_no_overlap(person: InsuredPerson, submission: Submission) -> None:
    """No two active registrations of one person for the same destination with overlapping validity."""
    clash = Registration.objects.filter(_same_destination_q(submission.destination), person=person,
                                        status__in=ACTIVE_STATUSES)
    clash = clash.filter(Q(end_date__isnull=True) | Q(end_date__gte=submission.start))
    if submission.end is not None:
        clash = clash.filter(start_date__lte=submission.end)
    if clash.exists():
        raise ValidationFailed(_("该参保人员已有同一就医地、有效期重叠的备案（待审核或已备案），不能重复备案。"),
                               field="destination_region")


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


# ---- transitions -----------------------------------------------------------------------------------------

def _user(actor: User | None) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _event(registration: Registration, actor: User | None, organisation: Organisation | None, from_status: str,
           to_status: str, reason: str) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        registration=registration, actor=_user(actor), organisation=organisation, from_status=from_status,
        to_status=to_status, reason=reason[:255],
    )


def _move(registration: Registration, to_status: str, actor: User | None, organisation: Organisation | None,
          reason: str, *, action: str) -> None:
    from_status = registration.status
    registration.status = to_status
    registration.status_reason = reason[:255]
    registration.save(update_fields=["status", "status_reason"])
    _event(registration, actor, organisation, from_status, to_status, reason)
    audit.record(actor=actor, organisation=organisation, action=action, obj=registration,
                 summary=f"{registration.reference}：{Status(from_status).label} → {Status(to_status).label}",
                 reason=reason)


def approve_registration(*, actor: User | None, organisation: Organisation | None, reference: str) -> Registration:
    """submitted → approved, by the insured side."""
    with transaction.atomic():
        registration = registration_for(organisation, reference, user=actor, lock=True)
        check_registration_action(registration, organisation, actor, "approve")
        _move(registration, Status.APPROVED, actor, organisation, "经办审核通过。", action="registration.approve")
    return registration


def reject_registration(*, actor: User | None, organisation: Organisation | None, reference: str,
                        reason: str) -> Registration:
    """submitted → rejected, by the insured side, with a reason the applicant will be told."""
    reason = clean_reason(reason, missing=_("不予备案须填写原因。"))
    with transaction.atomic():
        registration = registration_for(organisation, reference, user=actor, lock=True)
        check_registration_action(registration, organisation, actor, "reject")
        _move(registration, Status.REJECTED, actor, organisation, reason, action="registration.reject")
    return registration


def cancel_registration(*, actor: User | None, organisation: Organisation | None, reference: str, reason: str,
                        today: dt.date | None = None) -> Registration:
    """approved → cancelled, by the insured side, with a reason; long-term ones are locked for their first
    months except for staff accounts (the override is written into the event)."""
    today = today or timezone.localdate()
    reason = clean_reason(reason, missing=_("撤销备案须填写原因。"))
    with transaction.atomic():
        registration = registration_for(organisation, reference, user=actor, lock=True)
        check_registration_action(registration, organisation, actor, "cancel", today=today)
        if in_lock(registration, today):
            reason = LOCK_OVERRIDE_PREFIX + reason
        _move(registration, Status.CANCELLED, actor, organisation, reason, action="registration.cancel")
    return registration


def supply_documents(*, actor: User | None, organisation: Organisation | None, reference: str) -> Registration:
    """Record that the documents owed (容缺后补) have arrived."""
    with transaction.atomic():
        registration = registration_for(organisation, reference, user=actor, lock=True)
        check_registration_action(registration, organisation, actor, "supply_documents")
        registration.documents_supplied_at = timezone.now()
        registration.save(update_fields=["documents_supplied_at"])
        audit.record(actor=actor, organisation=organisation, action="registration.documents_supplied",
                     obj=registration, summary=f"{registration.reference} 已补交材料")
    return registration


# ---- a person's details ----------------------------------------------------------------------------------

def change_person_details(*, actor: User | None, organisation: Organisation | None, person_id: Any, reason: Any,
                          name: Any = None, phone: Any = None, insurance_type: Any = None,
                          insured_region: Any = None) -> InsuredPerson:
    """参保关系变更 / 信息变更: change a person's name, phone, insurance type and/or insured region (a
    county or pooling area; the pooling area follows), by the bureau whose scope covers the person's
    current insured region, with a reason. Arguments left None stay as they are; the audit entry keeps
    each changed field's old and new value. Registrations already made keep their own insured region."""
    reason = clean_reason(reason, missing=_("变更参保信息须填写原因。"))
    wanted = validate_person_changes(name=name, phone=phone, insurance_type=insurance_type,
                                     insured_region=insured_region, regions=regions_named(insured_region))
    with transaction.atomic():
        person = person_for(organisation, person_id, user=actor, lock=True)
        check_person_action(person, organisation, actor, "change_details")
        changes = _apply_changes(person, wanted)
        person.save(update_fields=list(changes))
        labels = "、".join(str(getattr(InsuredPerson._meta.get_field(f), "verbose_name", f)) for f in changes)
        audit.record(actor=actor, organisation=organisation, action="registration.person_change", obj=person,
                     summary=f"{'参保关系变更' if 'insured_region' in changes else '信息变更'}"
                             f"（{person.masked_id}）：{labels}",
                     reason=reason, changes=changes)
    return person


def _apply_changes(person: InsuredPerson, wanted: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the wanted values that differ (the pooling area follows the insured region); each changed field's
    old and new value. Nothing differing is a ValidationFailed."""
    changes: dict[str, dict[str, Any]] = {}
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
    return changes


# ---- the daily job ---------------------------------------------------------------------------------------

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
    months = settings.YIDI_COMMITMENT_BAN_MONTHS
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
