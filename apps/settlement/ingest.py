"""Reading a reported settlement: field checks in plain Python (fast enough for 1,000-item bulks) and the
canonical content whose hash decides idempotency.

What a field may hold (the kernel's limits, ``apps.core.inputs``, for every text, date and amount):

- **number** (结算编号): 1 to 64 characters from ``[A-Za-z0-9_.-]`` — ASCII letters, digits, underscore, dot
  and hyphen; no ``/``, spaces or other characters. It is unique per reporting facility, not nationally: the
  same number reported for two facilities is two settlements.
- **text** (names, codes, items' codes and names): no control characters (NUL included), no lone surrogates.
- **dates** ``YYYY-MM-DD`` in ASCII digits, from 1900-01-01; service dates at the latest tomorrow.
  **settled_at** ISO 8601, from 1900-01-01 and not later than the present (10 minutes' clock skew allowed).
- **amounts** plain ASCII decimals as strings (``"1234.50"``) or integers: no floats, full-width digits,
  exponents, NaN or ``-0.00``; never negative. **days_supply** a whole number from 0 to 3650.

A value outside these rules makes its settlement (or bulk item) ``invalid`` with a message under the field; it
never reaches the database, so one bad item cannot sink the others of a bulk.

Messages are Chinese msgids marked with ``_`` (a no-op, so makemessages finds them) and translated
by ``Messages`` only when an error is found, in the request's language (Chinese by default, English with
Accept-Language: en): a valid settlement never touches the translation machinery, and a bulk of bad items looks
each message up once per language instead of paying ``gettext``'s context-local lookup for every error."""
import datetime as dt
import hashlib
import json
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, gettext

from apps.core import idnumbers
from apps.core.inputs import date_error, parse_decimal, text_error

from .models import ItemCategory, VisitType

VISIT_TYPES = frozenset(VisitType.values)
ITEM_CATEGORIES = frozenset(ItemCategory.values)
DISEASE_CODE = re.compile(r"M\d{5}", re.ASCII)
REGION_CODE = re.compile(r"\d{6}", re.ASCII)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# The settlement number's character set (module docstring); the API schema and the lookups use the same pattern.
NUMBER_PATTERN = r"[A-Za-z0-9_.-]{1,64}"
NUMBER = re.compile(NUMBER_PATTERN, re.ASCII)
NUMBER_HELP = ("结算编号：1至64个字符，只能由英文字母、数字、下划线（_）、点（.）和连字符（-）组成，不能含“/”；"
               "在上报机构内唯一（不同机构可以使用相同编号）。")
MAX_MONEY = Decimal("999999999999.99")
MAX_DAYS_SUPPLY = 3650
CLOCK_SKEW = dt.timedelta(minutes=10)  # the reporting system's clock may run a little ahead
MONEY_FIELDS = ("total_amount", "eligible_amount", "fund_paid", "account_paid", "cash_paid")


def _(msgid: str) -> str:
    """Marks a msgid for makemessages, like ``gettext_noop`` without its two indirections; Messages translates it."""
    return msgid


# apps.core.idnumbers answers in Chinese only; its messages are listed here so that makemessages keeps them.
ID_NUMBER_MESSAGES = (
    _("身份证号码应为18位。"), _("身份证号码前17位应为数字，最后一位为数字或X。"), _("身份证号码中的出生日期无效。"),
    _("身份证号码校验位不正确，请核对。"),
)
_TEXTS: dict[str, dict[str, str]] = {}  # language → {msgid: text}; the catalogues do not change at run time


class Messages:
    """Translates msgids into the active language, which it reads once, on the first message it is asked for."""

    __slots__ = ("_texts",)

    def __init__(self):
        self._texts = None

    def __call__(self, msgid: str, params: dict | None = None) -> str:
        texts = self._texts
        if texts is None:
            texts = self._texts = _TEXTS.setdefault(get_language(), {})
        text = texts.get(msgid)
        if text is None:
            text = texts[msgid] = gettext(msgid)
        return text % params if params else text


class _Errors(dict):
    __slots__ = ("messages",)  # set right after creation: no Python-level __init__ on the hot path

    def add(self, field, msgid, params=None):
        self.setdefault(field, []).append(self.messages(msgid, params))

    def add_text(self, field, text):
        """A message the kernel already translated (``apps.core.inputs``)."""
        self.setdefault(field, []).append(text)


def _text(data, field, errors, max_length, required=True) -> str:
    value = data.get(field)
    if value is None or value == "":
        if required:
            errors.add(field, _("该字段是必填项。"))
        return ""
    if not isinstance(value, str):
        errors.add(field, _("应为字符串。"))
        return ""
    problem = text_error(value)
    if problem:
        errors.add_text(field, problem)
        return ""
    value = value.strip()
    if required and not value:
        errors.add(field, _("该字段是必填项。"))
    elif len(value) > max_length:
        errors.add(field, _("长度不能超过%(max)s个字符。"), {"max": max_length})
    return value


def _decimal(data, field, errors, places: int, required=True, maximum=MAX_MONEY) -> Decimal | None:
    value = data.get(field)
    if value is None or value == "":
        if required:
            errors.add(field, _("该字段是必填项。"))
        return None
    if isinstance(value, bool) or isinstance(value, float) or not isinstance(value, (str, int)):
        errors.add(field, _("金额应为字符串形式的十进制数，例如 \"1234.50\"。"))
        return None
    d = parse_decimal(value)
    if d is None:
        errors.add(field, _("应为半角数字写成的十进制数，例如 \"1234.50\"（不接受全角数字、科学计数法、NaN 或 -0）。"))
        return None
    if d < 0:
        errors.add(field, _("不能为负数。"))
        return None
    if d.as_tuple().exponent < -places:
        errors.add(field, _("最多%(places)s位小数。"), {"places": places})
        return None
    if d > maximum:
        errors.add(field, _("数值过大。"))
        return None
    return d.quantize(Decimal(1).scaleb(-places))


def _date(data, field, errors, latest: dt.date) -> dt.date | None:
    value = data.get(field)
    if not value:
        errors.add(field, _("该字段是必填项。"))
        return None
    try:
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors.add(field, _("日期格式应为 YYYY-MM-DD。"))
        return None
    problem = date_error(day, latest=latest)
    if problem:
        errors.add_text(field, problem)
        return None
    return day


def _datetime(data, field, errors, latest: dt.date) -> dt.datetime | None:
    """An ISO 8601 time whose own calendar day lies in [1900-01-01, latest]: judged on the written day before any
    time-zone arithmetic, which overflows near year 1 and year 9999."""
    value = data.get(field)
    if not value:
        errors.add(field, _("该字段是必填项。"))
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) and value.isascii() and len(value) <= 40 else None
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        errors.add(field, _("时间格式应为 ISO 8601，例如 2026-03-10T10:00:00+08:00。"))
        return None
    problem = date_error(parsed.date(), latest=latest)
    if problem:
        errors.add_text(field, problem)
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _items(data, errors) -> list[dict]:
    raw = data.get("items")
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        errors.add("items", _("应为列表。"))
        return []
    items = []
    for i, item in enumerate(raw):
        e = _Errors()
        e.messages = errors.messages
        if not isinstance(item, dict):
            errors.add("items", _("第%(n)s项应为对象。"), {"n": i + 1})
            continue
        category = item.get("category")
        clean = {
            "code": _text(item, "code", e, 64),
            "name": _text(item, "name", e, 128),
            "category": category if isinstance(category, str) else None,
            "quantity": _decimal(item, "quantity", e, 3, maximum=Decimal("999999999.999")),
            "unit_price": _decimal(item, "unit_price", e, 4, maximum=Decimal("9999999999.9999")),
            "amount": _decimal(item, "amount", e, 2),
            "days_supply": item.get("days_supply"),
        }
        if clean["category"] not in ITEM_CATEGORIES:  # None for a non-string (a list would not even hash)
            e.add("category", _("应为 drug、service 或 material。"))
        ds = clean["days_supply"]
        if ds is not None and (isinstance(ds, bool) or not isinstance(ds, int) or not 0 <= ds <= MAX_DAYS_SUPPLY):
            e.add("days_supply", _("应为0至%(max)s之间的整数。"), {"max": MAX_DAYS_SUPPLY})
        if e:
            line = errors.messages(_("第%(n)s项 %(field)s：%(message)s"))
            found = errors.setdefault("items", [])
            for field, messages in e.items():
                found.extend(line % {"n": i + 1, "field": field, "message": m} for m in messages)
        items.append(clean)
    return items


def parse_settlement(data, messages: Messages | None = None) -> tuple[dict, dict]:
    """(clean values, errors as DRF's field map) for one reported settlement; only the row's own rules here.
    A bulk passes one ``messages`` for all its items."""
    errors = _Errors()
    errors.messages = messages or Messages()
    if not isinstance(data, dict):
        errors.add("non_field_errors", _("每条结算应为一个对象。"))
        return {}, dict(errors)
    latest = timezone.localdate() + dt.timedelta(days=1)
    visit_type = data.get("visit_type")
    c = {
        "number": _text(data, "number", errors, 64),
        "id_number": idnumbers.normalise(_text(data, "id_number", errors, 18)),
        "name": _text(data, "name", errors, 64),
        "insured_region": _text(data, "insured_region", errors, 6),
        "facility": _text(data, "facility", errors, 12),
        "visit_type": visit_type if isinstance(visit_type, str) else None,
        "disease_code": _text(data, "disease_code", errors, 6, required=False).upper(),
        "service_start": _date(data, "service_start", errors, latest),
        "service_end": _date(data, "service_end", errors, latest),
        "settled_at": _datetime(data, "settled_at", errors, latest),
    }
    if c["number"] and "number" not in errors and not NUMBER.fullmatch(c["number"]):
        errors.add("number", _("结算编号只能由英文字母、数字、下划线、点和连字符组成（1至64个字符），不能含“/”或空格。"))
    for f in MONEY_FIELDS:
        c[f] = _decimal(data, f, errors, 2)
    c["items"] = _items(data, errors)

    if c["id_number"] and "id_number" not in errors and not c["id_number"].isascii():  # no full-width digits
        errors.add("id_number", _("身份证号码前17位应为数字，最后一位为数字或X。"))
    if c["id_number"] and "id_number" not in errors:
        problem = idnumbers.id_number_error(c["id_number"])
        if problem:
            errors.add("id_number", problem)
    if c["insured_region"] and not REGION_CODE.fullmatch(c["insured_region"]):
        errors.add("insured_region", _("应为6位行政区划代码。"))
    if not isinstance(c["visit_type"], str) or c["visit_type"] not in VISIT_TYPES:
        errors.add("visit_type", _("应为 inpatient、outpatient、chronic 或 pharmacy。"))
    if c["visit_type"] == VisitType.CHRONIC:
        if not c["disease_code"]:
            errors.add("disease_code", _("门诊慢特病结算必须填写病种编码。"))
        elif not DISEASE_CODE.fullmatch(c["disease_code"]):
            errors.add("disease_code", _("病种编码格式应为 M 加5位数字，例如 M03900。"))
    if all(c[f] is not None for f in MONEY_FIELDS):
        if c["fund_paid"] + c["account_paid"] + c["cash_paid"] != c["total_amount"]:
            errors.add("total_amount", _("统筹基金、个人账户与个人现金支付之和应等于医疗总费用。"))
        if c["eligible_amount"] > c["total_amount"]:
            errors.add("eligible_amount", _("政策范围内费用不能大于医疗总费用。"))
    if c["service_start"] and c["service_end"] and c["service_end"] < c["service_start"]:
        errors.add("service_end", _("出院/就诊结束日期不能早于入院/就诊日期。"))
    if c["service_end"] and c["settled_at"] and timezone.localtime(c["settled_at"]).date() < c["service_end"]:
        errors.add("settled_at", _("结算时间不能早于出院/就诊结束日期。"))
    if c["settled_at"] and c["settled_at"] > timezone.now() + CLOCK_SKEW:
        errors.add("settled_at", _("结算时间不能晚于当前时间。"))
    return c, dict(errors)


def content_hash(c: dict) -> str:
    """sha256 of the canonical content: the same settlement sent twice hashes the same whatever its JSON shape."""
    canonical = {
        k: (str(v) if isinstance(v, (Decimal, dt.date)) else v)
        for k, v in c.items() if k not in ("items", "settled_at")
    }
    canonical["settled_at"] = c["settled_at"].astimezone(dt.timezone.utc).isoformat()
    canonical["items"] = [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in i.items()} for i in c["items"]]
    blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
