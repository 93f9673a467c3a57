"""Reading an import file (CSV or XLSX) into rows of the import columns, for the command line."""
import csv
import io
from pathlib import Path

from apps.core.errors import ValidationFailed


def read_rows(path: str | Path) -> list[dict]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX file as dicts keyed by the header's column names."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix in {".csv", ".txt"}:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _clean(csv.DictReader(fh))
    raise ValidationFailed(f"不支持的文件类型 {suffix}：请使用 .csv 或 .xlsx。", field="file")


def rows_from_dataset(dataset) -> list[dict]:
    """Rows of a tablib Dataset (what django-import-export hands the admin's resource)."""
    headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
    return [dict(zip(headers, row)) for row in dataset]


def _clean(dict_rows) -> list[dict]:
    out = []
    for row in dict_rows:
        out.append({str(k or "").strip().lower(): v for k, v in row.items()})
    return out


def _xlsx_rows(path: Path) -> list[dict]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    sheet = wb.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    headers = [str(h or "").strip().lower() for h in next(it, [])]
    rows = [dict(zip(headers, values)) for values in it if any(v not in (None, "") for v in values)]
    wb.close()
    return rows
