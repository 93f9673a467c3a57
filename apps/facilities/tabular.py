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
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                return _clean(csv.DictReader(fh))
        except UnicodeDecodeError:
            raise ValidationFailed("文件不是 UTF-8 编码的 CSV：请在 Excel 中另存为“CSV UTF-8”后再导入。", field="file")
        except csv.Error as exc:
            raise ValidationFailed(f"CSV 文件格式错误：{exc}。", field="file")
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

    data = path.read_bytes()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = wb.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        headers = [str(h or "").strip().lower() for h in next(it, [])]
        rows = [dict(zip(headers, values)) for values in it if any(v not in (None, "") for v in values)]
        wb.close()
    except Exception:  # noqa: BLE001 - a damaged or disguised file fails in zipfile, XML or openpyxl itself
        raise ValidationFailed("无法读取该 XLSX 文件（文件损坏或不是 Excel 工作簿）。", field="file")
    return rows
