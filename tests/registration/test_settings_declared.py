"""The registration area reads its conventions as declared settings (``config/settings.py``, from the
environment), never with a default of its own that an operator could not see or change."""
import ast
import pathlib

from django.conf import settings

AREA = pathlib.Path(__file__).resolve().parents[2] / "apps" / "registration"


def _sources():
    return [p for p in AREA.rglob("*.py") if "migrations" not in p.parts]


def test_no_setting_is_read_with_a_default_in_code():
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr" and node.args \
                    and getattr(node.args[0], "id", None) == "settings":
                raise AssertionError(f"{path.name}:{node.lineno} reads a setting with getattr")


def test_every_setting_the_area_reads_is_declared():
    used = set()
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "settings" \
                    and node.attr.startswith("YIDI_"):
                used.add(node.attr)
    assert {"YIDI_TEMPORARY_MIN_MONTHS", "YIDI_LONG_TERM_LOCK_MONTHS", "YIDI_DOCUMENTS_DUE_DAYS",
            "YIDI_COMMITMENT_BAN_MONTHS", "YIDI_PUBLIC_FORM_RATE"} <= used
    declared = (AREA.parents[1] / "config" / "settings.py").read_text(encoding="utf-8")
    for name in sorted(used):
        assert f"\n{name} = " in declared, name
        assert hasattr(settings, name), name
