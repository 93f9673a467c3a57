"""Helpers for the facilities tests: import rows and files in the columns of the issue."""
import csv
import io

import pytest

from apps.facilities.services import IMPORT_COLUMNS


def import_row(code: str, **overrides) -> dict:
    """One import row for ``code`` (a hospital with both services unless told otherwise)."""
    values = {
        "code": code, "name": f"测试机构{code[-5:]}", "kind": "pharmacy" if code.startswith("P") else "hospital",
        "level": "2", "region": code[1:7], "address": "测试路1号", "status": "active", "inpatient": "true",
        "outpatient": "true", "chronic_diseases": "",
    }
    values.update(overrides)
    return values


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    def make(rows: list[dict], name: str = "facilities.csv"):
        path = tmp_path / name
        path.write_text(csv_text(rows), encoding="utf-8")
        return path

    return make
