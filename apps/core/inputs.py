"""What the whole portal accepts as text, dates and money from outside (forms, API, imports, bulks).

One place for the limits every input path shares, so a NUL byte, a lone surrogate, year 1 or a
full-width amount is refused with the same Chinese message wherever it arrives. Each ``*_error``
function returns the message for a bad value (in the active language) or None; none of them touches
the database.
"""
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# Dates the portal handles at all; anything outside is a typo or an attack, never a real record.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)

# C0 controls (NUL … US) and DEL and the C1 block; tab/CR/LF are allowed only where multi-line text is.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# A plain decimal in ASCII digits: optional minus, digits, optional point and digits. No exponent,
# no full-width digits (Python's Decimal() would take "１２３"), no NaN/Infinity, no spaces inside.
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$", re.ASCII)


def text_error(value: str, *, multiline: bool = False) -> str | None:
    """A control character (NUL included) or a lone surrogate in ``value``: the message, else None."""
    if _SURROGATE.search(value):
        return _("含有无法识别的字符，请检查输入。")
    if (_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(value):
        return _("不能包含控制字符。")
    return None


def date_error(value: dt.date, *, earliest: dt.date = DATE_MIN, latest: dt.date = DATE_MAX) -> str | None:
    """``value`` outside [earliest, latest]: the message naming the window, else None."""
    if value < earliest or value > latest:
        return _("日期应在 %(lo)s 至 %(hi)s 之间。") % {"lo": f"{earliest:%Y-%m-%d}", "hi": f"{latest:%Y-%m-%d}"}
    return None


def parse_date(value) -> dt.date | None:
    """An ISO ``YYYY-MM-DD`` string (or a date) as a date inside the portal's window; None when it is not
    one. Datetimes give their date."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip(), re.ASCII):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None


def parse_decimal(value) -> Decimal | None:
    """``value`` as a Decimal when it is a plain ASCII decimal (``"12.30"``, ``12``, a Decimal); None for
    anything else: floats, full-width digits, exponents, NaN, Infinity, ``-0``/``-0.00``, booleans."""
    if isinstance(value, bool) or isinstance(value, float):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    if not _DECIMAL.match(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
    if number.is_zero() and text.startswith("-"):
        return None
    return number
