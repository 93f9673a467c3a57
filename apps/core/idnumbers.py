"""The 18-character resident identity number (GB 11643): check character, birth date, sex, masking."""
import datetime as dt
import re

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]\Z")  # ASCII digits only: int() would read full-width ones too


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def normalise(id_number: str) -> str:
    return (id_number or "").strip().upper()


def id_number_error(id_number: str) -> str | None:
    """What is wrong with ``id_number`` in the active language (Chinese by default), or None when it is valid."""
    value = normalise(id_number)
    if len(value) != 18:
        return _("身份证号码应为18位。")
    if not _SHAPE.match(value):
        return _("身份证号码前17位应为数字，最后一位为数字或X。")
    try:
        birth_date(value)
    except ValueError:
        return _("身份证号码中的出生日期无效。")
    if check_char(value[:17]) != value[17]:
        return _("身份证号码校验位不正确，请核对。")
    return None


def is_valid(id_number: str) -> bool:
    return id_number_error(id_number) is None


def birth_date(id_number: str) -> dt.date:
    v = normalise(id_number)
    return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def sex(id_number: str) -> str:
    """'M' or 'F' from the 17th character (odd: male)."""
    return "M" if int(normalise(id_number)[16]) % 2 else "F"


def mask(id_number: str) -> str:
    """``3205**********1234``: the first four and last four characters only."""
    v = normalise(id_number)
    if len(v) < 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def make_id_number(region_code: str, born: dt.date, seq: int, male: bool = True) -> str:
    """A valid ID for tests and demo data: region, birth date, a 3-digit sequence of the right parity."""
    s = seq % 1000
    if (s % 2 == 1) != male:
        s = (s + 1) % 1000
    first17 = f"{region_code}{born:%Y%m%d}{s:03d}"
    return first17 + check_char(first17)
