"""The import file (xlsx or csv of the national teacher system's export) and the xlsx report.

openpyxl is imported lazily: only the import and report paths pay for it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from functions.common import xlsx
from functions.common.errors import BadImportFile
from schemas.records import IMPORT_COLUMNS, OUTCOME_NAMES, RowResult

REQUIRED = tuple(h for h, _ in IMPORT_COLUMNS if h != "专业技术职务")

Row = tuple[int, dict[str, Any]]  # (row number in the file, header -> cell)


def _rows(table: Iterable[Iterable[Any]]) -> Iterator[Row]:
    header: list[str] | None = None
    for n, cells in enumerate(table, start=1):
        values = list(cells)
        if header is None:
            names = [str(v).strip() if v is not None else "" for v in values]
            if "身份证件号" in names:
                missing = [h for h in REQUIRED if h not in names]
                if missing:
                    raise BadImportFile(f"导入文件缺少列：{'、'.join(missing)}")
                header = names
            elif n >= 10:
                raise BadImportFile("前 10 行中没有找到表头（应包含“身份证件号”列）")
            continue
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        yield n, {h: v for h, v in zip(header, values, strict=False) if h}
    if header is None:
        raise BadImportFile("导入文件没有表头（应包含“身份证件号”等列，见导入模板）")


def _table(file_name: str, content: bytes) -> Iterator[Row]:
    if content[:2] == b"PK" or file_name.lower().endswith(".xlsx"):
        return _rows(_xlsx_rows(content))
    return _rows(csv.reader(io.StringIO(_decode(content))))


def parse(file_name: str, content: bytes) -> list[Row]:
    """The data rows of an xlsx or csv file; the header row names the columns (TD-1)."""
    return list(_table(file_name, content))


def check(file_name: str, content: bytes) -> None:
    """Fail fast (BadImportFile) on a file that cannot be read or lacks the template's header;
    reads only up to the first data row."""
    rows = _table(file_name, content)
    next(rows, None)
    if hasattr(rows, "close"):
        rows.close()  # closes the workbook too


def _decode(content: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(enc)
        except UnicodeDecodeError:
            continue
    raise BadImportFile("无法识别 csv 文件的编码（请使用 UTF-8 或 GBK）")


def _xlsx_rows(content: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise BadImportFile("无法打开 xlsx 文件，请确认文件未损坏") from exc
    try:
        yield from wb.worksheets[0].iter_rows(values_only=True)
    finally:
        wb.close()


def write_xlsx(header: list[str], rows: Iterable[Iterable[Any]], title: str) -> bytes:
    """A one-sheet workbook (the import template's layout, the report)."""
    return xlsx.large_workbook(title, header, (list(r) for r in rows))


def report_xlsx(rows: Iterable[RowResult]) -> bytes:
    """The per-row import report as a workbook (ID numbers masked)."""
    return write_xlsx(
        ["行号", "身份证件号", "姓名", "结果", "说明", "平台教师编号"],
        (
            (r.row, r.id_masked, r.name, OUTCOME_NAMES[r.outcome], r.reason, r.teacher_id)
            for r in rows
        ),
        "导入结果",
    )


def export_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """Teacher records in the import layout (round trip: export -> import changes nothing)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([h for h, _ in IMPORT_COLUMNS])
    for r in rows:
        w.writerow([r.get(f, "") for _, f in IMPORT_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")
