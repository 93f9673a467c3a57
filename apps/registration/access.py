"""Who may do what to a registration or an insured person: fetch with access, then ask what is allowed.

``registration_for`` / ``person_for`` return the row the organisation may see, or raise NotFound (outside its
scope, unknown or malformed look the same). ``check_registration_action`` / ``check_person_action`` raise
NotAllowed (403: this organisation may never do it, e.g. the treatment side approving) or Conflict (409: not
in this state) unless the action is allowed now; ``allowed_registration_actions`` / ``allowed_person_actions``
list the actions that pass. The admin shows exactly these buttons, and the services run the same check on
the row they have locked, so the API's 403/409 and the admin's messages come from here and nowhere else.

The rules (documented once, here):

* Approve, reject: the **insured side** (an organisation covering the registration's insured region, any of
  its accounts, staff or partner system), while the registration is ``submitted``.
* Cancel: the insured side, while ``approved``. A long-term registration is locked for
  ``YIDI_LONG_TERM_LOCK_MONTHS`` months from its start: inside the lock only a staff account
  (``user.is_staff``, a bureau's own staff, not a partner system) may cancel, and the service records that
  the lock was overridden.
* Record that owed documents arrived (容缺后补): the insured side, while documents are owed and not yet in.
* Submit a registration: anyone through the public form; an organisation only for people insured inside its
  scope (a facility never).
* Change a person's details (参保关系变更 / 信息变更): the bureau holding the person (covering their current
  insured region).
* Without an organisation, a job (no user) or a superuser acts on every registration; only a superuser
  changes a person's details.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from apps.core.errors import Conflict, NotAllowed, NotFound
from apps.regions.scope import covers_region, scoped

from .models import InsuredPerson, Registration, Status
from .validation import add_months

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.regions.models import Organisation

REGISTRATION_ACTIONS = ("approve", "reject", "cancel", "supply_documents")
PERSON_ACTIONS = ("change_details",)
REFERENCE_SHAPE = re.compile(r"[0-9A-Z-]{1,20}", re.ASCII)
# The status each action starts from; the refusal names the status the registration is in instead.
FROM_STATUS = {"approve": Status.SUBMITTED, "reject": Status.SUBMITTED, "cancel": Status.APPROVED}
REFUSALS = {
    "approve": gettext_lazy("备案 %(reference)s 当前状态为「%(status)s」，不能批准。"),
    "reject": gettext_lazy("备案 %(reference)s 当前状态为「%(status)s」，不能驳回。"),
    "cancel": gettext_lazy("备案 %(reference)s 当前状态为「%(status)s」，不能撤销。"),
}


def normalised_reference(value: Any) -> str | None:
    """``value`` as a reference may be written (upper case, trimmed), or None when no reference looks like it."""
    reference = str(value or "").strip().upper()
    return reference if REFERENCE_SHAPE.fullmatch(reference) else None


def _is_superuser(user: User | None) -> bool:
    return user is not None and bool(getattr(user, "is_superuser", False))


def _is_staff(user: User | None) -> bool:
    return user is not None and bool(getattr(user, "is_staff", False))


def _sees_everything(org: Organisation | None, user: User | None) -> bool:
    """Without an organisation: a job (no user) or a superuser."""
    return org is None and (user is None or _is_superuser(user))


def check_may_register(org: Organisation | None, insured_region_code: str) -> None:
    """Raise NotAllowed unless ``org`` may submit a registration for a person insured in that region: the
    public form (no organisation) for anyone, an organisation only inside its own scope (a facility never)."""
    if org is not None and not covers_region(org, insured_region_code):
        raise NotAllowed(_("只能为本辖区参保人员办理备案。"), field="insured_region")


def registration_for(org: Organisation | None, reference: Any, *, user: User | None,
                     lock: bool = False) -> Registration:
    """The registration ``org`` may see (with its person; locked for this transaction when ``lock``), else
    NotFound: outside the scope, unknown and malformed answer alike, so existence is never revealed."""
    reference = normalised_reference(reference)
    if reference is None:
        raise NotFound(_("未找到该备案。"))
    qs = Registration.objects.select_related("person")
    if lock:
        qs = qs.select_for_update(of=("self",))
    if org is not None:
        qs = scoped(qs, org)
    elif not _sees_everything(org, user):
        raise NotFound(_("未找到该备案。"))
    registration = qs.filter(reference=reference).first()
    if registration is None:
        raise NotFound(_("未找到该备案。"))
    return registration


def lock_end(registration: Registration) -> dt.date | None:
    """The first day a long-term registration may be cancelled by anyone; None when never locked."""
    if not registration.is_long_term:
        return None
    return add_months(registration.start_date, settings.YIDI_LONG_TERM_LOCK_MONTHS)


def in_lock(registration: Registration, today: dt.date) -> bool:
    """Whether ``today`` lies inside the registration's long-term lock."""
    locked_until = lock_end(registration)
    return locked_until is not None and today < locked_until


def is_insured_side(registration: Registration, org: Organisation | None, user: User | None) -> bool:
    """Whether ``org``'s ``user`` acts on ``registration`` as its insured side (reviews and cancels it)."""
    return _sees_everything(org, user) or covers_region(org, registration.insured_region_id)


def _refuse(registration: Registration, action: str) -> Conflict:
    label = registration.get_status_display() if get_language().startswith("zh") else registration.status
    return Conflict(REFUSALS[action] % {"reference": registration.reference, "status": label})


def check_registration_action(registration: Registration, org: Organisation | None, user: User | None,
                              action: str, *, today: dt.date | None = None) -> None:
    """Raise NotAllowed (never for this organisation) or Conflict (not now) unless ``org``'s ``user`` may
    take ``action`` on ``registration`` now (``today``: the day the long-term lock is judged on)."""
    if action not in REGISTRATION_ACTIONS:
        raise ValueError(f"unknown registration action {action!r}")
    if not is_insured_side(registration, org, user):
        raise NotAllowed(_("只有参保地经办机构可以审核或撤销此备案，就医地只能查看。"))
    if action == "supply_documents":
        if not registration.documents_owed or registration.documents_supplied_at is not None:
            raise Conflict(_("备案 %(reference)s 没有待补交的材料。") % {"reference": registration.reference},
                           field="documents_owed")
        return
    if registration.status != FROM_STATUS[action]:
        raise _refuse(registration, action)
    if action == "cancel" and in_lock(registration, today or timezone.localdate()) and not _is_staff(user):
        raise Conflict(
            _("长期备案自开始之日起%(months)s个月内（%(until)s 前）不得撤销；"
              "确需撤销的，请到参保地经办机构由工作人员注明原因办理。")
            % {"months": settings.YIDI_LONG_TERM_LOCK_MONTHS, "until": f"{lock_end(registration):%Y-%m-%d}"})


def allowed_registration_actions(registration: Registration, org: Organisation | None, user: User | None, *,
                                 today: dt.date | None = None) -> list[str]:
    """The actions ``org``'s ``user`` may take on ``registration`` now, in display order."""
    return [action for action in REGISTRATION_ACTIONS
            if _passes(check_registration_action, registration, org, user, action, today=today)]


def _holds_person(person: InsuredPerson, org: Organisation | None, user: User | None) -> bool:
    """The bureau covering the person's current insured region; without an organisation, only a superuser
    (a change of details is a person's act, with a reason: no job makes one)."""
    return covers_region(org, person.insured_region_id) if org is not None else _is_superuser(user)


def person_for(org: Organisation | None, person_id: Any, *, user: User | None, lock: bool = False) -> InsuredPerson:
    """The insured person ``org`` may see (locked for this transaction when ``lock``), else NotFound."""
    try:
        pk = int(str(person_id).strip())
    except (TypeError, ValueError):
        raise NotFound(_("未找到该参保人员。")) from None
    qs = InsuredPerson.objects.select_for_update() if lock else InsuredPerson.objects.all()
    if org is not None:
        qs = scoped(qs, org)
    elif not _is_superuser(user):
        raise NotFound(_("未找到该参保人员。"))
    person = qs.filter(pk=pk).first()
    if person is None:
        raise NotFound(_("未找到该参保人员。"))
    return person


def check_person_action(person: InsuredPerson, org: Organisation | None, user: User | None, action: str) -> None:
    """Raise NotFound unless ``org``'s ``user`` may take ``action`` on ``person``: only the bureau holding the
    person changes their details, and to anyone else the person is not there."""
    if action not in PERSON_ACTIONS:
        raise ValueError(f"unknown person action {action!r}")
    if not _holds_person(person, org, user):
        raise NotFound(_("未找到该参保人员。"))


def allowed_person_actions(person: InsuredPerson, org: Organisation | None, user: User | None) -> list[str]:
    """The actions ``org``'s ``user`` may take on ``person`` now."""
    return [action for action in PERSON_ACTIONS if _passes(check_person_action, person, org, user, action)]


def _passes(check: Callable[..., None], *args: Any, **kwargs: Any) -> bool:
    try:
        check(*args, **kwargs)
    except (NotAllowed, Conflict, NotFound):
        return False
    return True
