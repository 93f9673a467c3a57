"""The kernel's input limits: what every form, API and import refuses."""
import datetime as dt
from decimal import Decimal

from apps.core import inputs


def test_text_refuses_nul_control_characters_and_lone_surrogates():
    assert inputs.text_error("张三\x00") == "不能包含控制字符。"
    assert inputs.text_error("a\nb") == "不能包含控制字符。"
    assert inputs.text_error("a\nb", multiline=True) is None
    assert inputs.text_error("\ud800") is not None
    assert inputs.text_error("正常文本 ABC-123") is None


def test_dates_outside_the_window_are_refused():
    assert inputs.parse_date("0001-01-01") is None
    assert inputs.parse_date("9999-12-31") is None
    assert inputs.parse_date("2026-13-01") is None
    assert inputs.parse_date("２０２６-01-01") is None
    assert inputs.parse_date("2026-03-05") == dt.date(2026, 3, 5)
    assert inputs.date_error(dt.date(1, 1, 1)) == "日期应在 1900-01-01 至 2100-12-31 之间。"


def test_amounts_refuse_negative_zero_full_width_digits_exponents_and_floats():
    for bad in ("-0.00", "-0", "１２.00", "1e3", "NaN", "Infinity", " ", "", 1.5, True, None, "1 000"):
        assert inputs.parse_decimal(bad) is None, bad
    assert inputs.parse_decimal("12.30") == Decimal("12.30")
    assert inputs.parse_decimal(" 7 ") == Decimal("7")
    assert inputs.parse_decimal(-5) == Decimal("-5")
