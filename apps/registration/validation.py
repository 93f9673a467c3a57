"""The checks of what a submission or a change of a person's details says, with no database: every fault at once.

``validate_submission`` and ``validate_person_changes`` read only their arguments (the regions a submission
names are fetched up front by the caller and passed in as ``{code: Region}``, each with its pooling area) and
settings; they write nothing and raise one ``ValidationFailed`` whose ``errors`` list every faulty field, in
the order the fields are checked. What depends on rows that may change meanwhile (the person on file, a
commitment ban, an overlapping registration) is checked again by the service under its lock
(``services.submit_registration``). The rules themselves are described in the services' module docstring.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core import idnumbers, inputs
from apps.core.errors import ValidationFailed
from apps.regions.models import Level, Region

from .models import LONG_TERM_CATEGORIES, Category, InsuranceType, InsuredPerson, Registration

PHONE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)  # fullmatch: ASCII digits only, no trailing newline
REGION_CODE = re.compile(r"[0-9]{6}", re.ASCII)
NAME_MAX_LENGTH = cast(int, InsuredPerson._meta.get_field("name").max_length)
RETROACTIVE_REASON_MAX_LENGTH = cast(int, Registration._meta.get_field("retroactive_reason").max_length)
DOCUMENTS_OWED_MAX_LENGTH = cast(int, Registration._meta.get_field("documents_owed").max_length)
RETROACTIVE_MAX_MONTHS = 12
START_AHEAD_MAX_MONTHS = 12
MAX_VALIDITY_YEARS = 5
DOCUMENTS_DUE_MAX_MONTHS = 6
REASON_MAX_LENGTH = 200  # leaves room for the lock-override prefix in the 255-character reason column
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "on"})


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_end_date(category: str, start: dt.date) -> dt.date | None:
    """None (until changed or cancelled) for long-term; start + ``YIDI_TEMPORARY_MIN_MONTHS`` − 1 day for
    temporary."""
    if category in LONG_TERM_CATEGORIES:
        return None
    return add_months(start, settings.YIDI_TEMPORARY_MIN_MONTHS) - dt.timedelta(days=1)


def region_code(value: Any) -> str | None:
    """``value`` as a 6-digit region code, or None when it cannot be one."""
    code = str(value or "").strip()
    return code if REGION_CODE.fullmatch(code) else None


class Faults:
    """The faults found in one input, by field, in the order found."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        """One ValidationFailed naming every fault (its message and field: the first one's)."""
        if self.errors:
            field, messages = next(iter(self.errors.items()))
            raise ValidationFailed(messages[0], field=field, errors=self.errors)


@dataclass(frozen=True)
class Submission:
    """A submission that passed every check that needs no database, its values cleaned."""

    id_number: str
    name: str
    phone: str
    insurance_type: str
    category: str
    insured: Region
    destination: Region
    start: dt.date
    end: dt.date | None
    retroactive_reason: str
    commitment_signed: bool
    documents_provided: bool
    documents_owed: str
    documents_due: dt.date | None

    @property
    def commitment_based(self) -> bool:
        """Relies on the commitment: signed, and documents not provided or some still owed."""
        return self.commitment_signed and (not self.documents_provided or bool(self.documents_owed))

    @property
    def pooling(self) -> Region:
        """The insured pooling area (every insured region that passed has one)."""
        return cast(Region, self.insured.pooling_area)

    def instant(self, pooling: Region, today: dt.date) -> bool:
        """即申即享: the pooling area has it on, the commitment is signed, nothing is owed, not retroactive."""
        return pooling.instant_approval and self.commitment_signed and not self.documents_owed and self.start >= today


def validate_submission(data: Mapping[str, Any], *, today: dt.date, regions: Mapping[str, Region]) -> Submission:
    """``data`` (the API's fields, plus optional ``documents_provided``, ``documents_owed``, ``documents_due``)
    checked against every rule that needs no database; ``regions`` holds the regions it names. Raises one
    ValidationFailed listing every fault."""
    faults = Faults()
    id_number = _id_number(data.get("id_number"), faults)
    name = _name(data.get("name"), faults)
    phone = _phone(data.get("phone"), faults)
    insurance_type = _insurance_type(data.get("insurance_type"), faults)
    category = data.get("category")
    if category not in Category.values:
        faults.add("category", _("请选择备案类别。"))
    insured = _insured_region(data.get("insured_region"), regions, faults)
    destination = _destination(data.get("destination_region"), regions, insured, faults)
    start, end, retroactive_reason = _validity(data, category, today, faults)
    signed, provided, owed, due = _proof(data, today, faults)
    faults.raise_if_any()
    return Submission(
        id_number=id_number, name=name, phone=phone, insurance_type=insurance_type, category=cast(str, category),
        insured=cast(Region, insured), destination=cast(Region, destination), start=start, end=end,
        retroactive_reason=retroactive_reason, commitment_signed=signed, documents_provided=provided,
        documents_owed=owed, documents_due=due)


def validate_person_changes(*, name: Any = None, phone: Any = None, insurance_type: Any = None,
                            insured_region: Any = None, regions: Mapping[str, Region]) -> dict[str, Any]:
    """The cleaned values of the arguments given (None: leave as is), checked by the same rules as a
    submission; ``insured_region`` becomes its Region. Raises one ValidationFailed listing every fault."""
    faults = Faults()
    wanted: dict[str, Any] = {}
    if name is not None:
        wanted["name"] = _name(name, faults)
    if phone is not None:
        wanted["phone"] = _phone(phone, faults)
    if insurance_type is not None:
        wanted["insurance_type"] = _insurance_type(insurance_type, faults)
    if insured_region is not None:
        wanted["insured_region"] = _insured_region(insured_region, regions, faults)
    faults.raise_if_any()
    return wanted


def clean_reason(reason: Any, *, missing: str) -> str:
    """A review reason (reject, cancel, a change of details): required, at most ``REASON_MAX_LENGTH``
    characters, line breaks allowed, no other control characters."""
    faults = Faults()
    text = _text(reason, "reason", faults, limit=REASON_MAX_LENGTH,
                 too_long=_("原因不能超过%(n)s个字符。") % {"n": REASON_MAX_LENGTH}, multiline=True)
    if "reason" in faults:
        raise ValidationFailed(faults.errors["reason"][0], field="reason")
    if not text:
        raise ValidationFailed(missing, field="reason")
    return text


# ---- one field each ----------------------------------------------------------------------------------

def _id_number(value: Any, faults: Faults) -> str:
    id_number = idnumbers.normalise(str(value or ""))
    if (error := inputs.text_error(id_number) or idnumbers.id_number_error(id_number)):
        faults.add("id_number", error)
    return id_number


def _name(value: Any, faults: Faults) -> str:
    name = _text(value, "name", faults, limit=NAME_MAX_LENGTH, too_long=_("姓名不能超过64个字符。"))
    if not name and "name" not in faults:
        faults.add("name", _("请填写姓名。"))
    return name


def _phone(value: Any, faults: Faults) -> str:
    phone = str(value or "").strip()
    if not PHONE.fullmatch(phone):
        faults.add("phone", _("手机号码应为11位中国大陆手机号码。"))
    return phone


def _insurance_type(value: Any, faults: Faults) -> str:
    if value not in InsuranceType.values:
        faults.add("insurance_type", _("请选择险种（职工医保或城乡居民医保）。"))
    return value


def _insured_region(value: Any, regions: Mapping[str, Region], faults: Faults) -> Region | None:
    """A region that has a pooling area (a county, a pooling city, a province-pooled province)."""
    region = regions.get(region_code(value) or "")
    if region is None:
        faults.add("insured_region", _("参保地区划代码「%(code)s」不存在，请填写6位行政区划代码。")
                   % {"code": _shown_code(value)})
    elif region.pooling_area is None:
        faults.add("insured_region", _("参保地须为县（区）或参保统筹区，不能是未实行省级统筹的整个省份。"))
        return None
    return region


def _destination(value: Any, regions: Mapping[str, Region], insured: Region | None, faults: Faults
                 ) -> Region | None:
    """A province or a city outside the insured pooling area, in either direction."""
    region = regions.get(region_code(value) or "")
    pooling = insured.pooling_area if insured is not None else None
    if region is None:
        faults.add("destination_region", _("就医地区划代码「%(code)s」不存在，请填写省或地市的6位代码。")
                   % {"code": _shown_code(value)})
    elif region.level not in (Level.PROVINCE, Level.CITY):
        faults.add("destination_region", _("就医地须为省或地市，不能是县（区）或单个医院。"))
    elif pooling is not None and (pooling.contains(region.code) or region.contains(pooling.code)):
        faults.add("destination_region", _("就医地须在参保统筹区（%(area)s）以外。") % {"area": pooling.name})
    return region


def _validity(data: Mapping[str, Any], category: Any, today: dt.date, faults: Faults
              ) -> tuple[dt.date, dt.date | None, str]:
    """(start, end, retroactive reason): the start within its window, a reason for a retroactive start,
    the end within its bounds or the category's default."""
    start = _as_date(data.get("start_date"), "start_date", faults) or today
    end = _as_date(data.get("end_date"), "end_date", faults)
    earliest, latest = add_months(today, -RETROACTIVE_MAX_MONTHS), add_months(today, START_AHEAD_MAX_MONTHS)
    if start < earliest:
        faults.add("start_date", _("开始日期不能早于 %(day)s：补办备案最多追溯%(months)s个月。")
                   % {"day": f"{earliest:%Y-%m-%d}", "months": RETROACTIVE_MAX_MONTHS})
    elif start > latest:
        faults.add("start_date", _("开始日期不能晚于 %(day)s：备案最多提前%(months)s个月办理。")
                   % {"day": f"{latest:%Y-%m-%d}", "months": START_AHEAD_MAX_MONTHS})
    reason = _text(data.get("retroactive_reason"), "retroactive_reason", faults,
                   limit=RETROACTIVE_REASON_MAX_LENGTH, too_long=_("补办原因不能超过255个字符。"))
    if "start_date" in faults:
        return start, end, reason
    if start < today and not reason and "retroactive_reason" not in faults:
        faults.add("retroactive_reason", _("开始日期早于今天的，属于补办备案，须填写补办原因。"))
    default_end = default_end_date(category, start) if category in Category.values else None
    if end is None:
        return start, default_end, reason
    _check_end(start, end, default_end, faults)
    return start, end, reason


def _check_end(start: dt.date, end: dt.date, default_end: dt.date | None, faults: Faults) -> None:
    """Not before the start, not shorter than a temporary registration's minimum, at most the longest validity."""
    last_end = add_months(start, 12 * MAX_VALIDITY_YEARS) - dt.timedelta(days=1)
    if end < start:
        faults.add("end_date", _("有效期结束日期不得早于开始日期。"))
    elif default_end is not None and end < default_end:
        faults.add("end_date", _("临时外出就医备案有效期不得少于%(months)s个月（结束日期最早为 %(end)s）。")
                   % {"months": settings.YIDI_TEMPORARY_MIN_MONTHS, "end": default_end})
    elif end > last_end:
        faults.add("end_date", _("有效期最长%(years)s年（结束日期最晚为 %(end)s）；长期居住类备案不填结束日期即为长期有效。")
                   % {"years": MAX_VALIDITY_YEARS, "end": f"{last_end:%Y-%m-%d}"})


def _proof(data: Mapping[str, Any], today: dt.date, faults: Faults) -> tuple[bool, bool, str, dt.date | None]:
    """(commitment signed, documents provided, documents owed, due date): documents or a commitment;
    documents owed only under a commitment, by a due date in its window."""
    signed = _as_bool(data.get("commitment_signed"))
    provided = _as_bool(data.get("documents_provided"))
    owed = _text(data.get("documents_owed"), "documents_owed", faults, limit=DOCUMENTS_OWED_MAX_LENGTH,
                 too_long=_("待补材料不能超过255个字符。"))
    due = _as_date(data.get("documents_due"), "documents_due", faults)
    if not signed and not provided:
        faults.add("commitment_signed", _("未提交证明材料的，须签署个人承诺书（承诺制备案）。"))
    if owed and not signed:
        faults.add("commitment_signed", _("容缺后补须签署个人承诺书，承诺在期限内补交材料。"))
    if due is not None and not owed and "documents_owed" not in faults:
        faults.add("documents_owed", _("填写了补交截止日期的，请写明待补交的材料。"))
    if not owed:
        return signed, provided, owed, None
    return signed, provided, owed, _due_date(due, today, faults)


def _due_date(due: dt.date | None, today: dt.date, faults: Faults) -> dt.date:
    """The due date of owed documents: by default ``YIDI_DOCUMENTS_DUE_DAYS`` from today; from today to
    ``DOCUMENTS_DUE_MAX_MONTHS`` ahead (or the default, if longer)."""
    default_due = today + dt.timedelta(days=settings.YIDI_DOCUMENTS_DUE_DAYS)
    last_due = max(add_months(today, DOCUMENTS_DUE_MAX_MONTHS), default_due)
    due = due or default_due
    if due < today:
        faults.add("documents_due", _("材料补交截止日期不得早于今天。"))
    elif due > last_due:
        faults.add("documents_due", _("材料补交截止日期最晚为 %(day)s（自今天起不超过%(months)s个月）。")
                   % {"day": f"{last_due:%Y-%m-%d}", "months": DOCUMENTS_DUE_MAX_MONTHS})
    return due


# ---- shapes --------------------------------------------------------------------------------------------

def _as_date(value: Any, field: str, faults: Faults) -> dt.date | None:
    """``value`` (a date, or ``YYYY-MM-DD``) as a date inside the kernel's window; else a fault for ``field``
    and None."""
    if value in (None, ""):
        return None
    day = _date_of(value)
    if day is None:
        faults.add(field, _("日期格式应为 YYYY-MM-DD。"))
        return None
    if (error := inputs.date_error(day)):
        faults.add(field, error)
        return None
    return day


def _date_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _text(value: Any, field: str, faults: Faults, *, limit: int, too_long: str, multiline: bool = False) -> str:
    """``value`` stripped; a fault for ``field`` when it holds control characters or lone surrogates, or is
    longer than ``limit``."""
    text = "" if value is None else str(value).strip()
    if (error := inputs.text_error(text, multiline=multiline)):
        faults.add(field, error)
    elif len(text) > limit:
        faults.add(field, too_long)
    return text


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return bool(value)


def _shown_code(value: Any) -> str:
    """A submitted region code as a message may quote it: no control characters or lone surrogates (which
    could not even be encoded in the answer), at most 12 characters."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]", "", str(value or "").strip())
    return text if len(text) <= 12 else text[:12] + "…"
