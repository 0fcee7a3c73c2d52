"""Attendance workbooks (xlsx in and out), the online platform's hours file, and the
non-completion export. openpyxl is imported lazily: only these paths pay for it.

The attendance template has one sheet per class: row 1 names the class (班期编号 in B1), row 2
the columns (教师编号, 姓名, 学校, then one column per session headed "2024-04-08 08:30-10:00
课程"), then one row per enrolled teacher. Each session cell holds 出勤 / 迟到 / 请假 / 缺勤; a
leave may carry its reason as "请假：病假". A workbook of several sheets imports several classes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from functions.common import xlsx
from functions.common.errors import BadImportFile
from schemas.training import MARK_NAMES, SessionSlot

FIXED = ("教师编号", "姓名", "学校")
_SESSION = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(?:(\d{2}):(\d{2})|全天)")
ONLINE_COLUMNS = ("班期编号", "教师编号", "身份证件号", "姓名", "线上学时")


def session_header(s: SessionSlot) -> str:
    if s.start and s.end:
        return f"{s.day.isoformat()} {s.start:%H:%M}-{s.end:%H:%M} {s.topic}"
    return f"{s.day.isoformat()} 全天"


def session_key(header: str) -> str | None:
    m = _SESSION.match(header.strip())
    if not m:
        return None
    day, hh, mm = m.groups()
    return f"{day}T{hh or '00'}{mm or '00'}"


def _sheet_title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", name)[:28] or "班期"
    title, n = base, 2
    while title in used:
        title, n = f"{base[:25]}({n})", n + 1
    used.add(title)
    return title


@dataclass
class SheetSpec:
    class_id: str
    title: str
    sessions: Sequence[SessionSlot]
    rows: Sequence[tuple[str, str, str, dict[str, str]]]  # teacher id, name, school, marks


def attendance_workbook(sheets: Iterable[SheetSpec]) -> bytes:
    used: set[str] = set()
    return xlsx.workbook(
        [
            xlsx.Sheet(
                _sheet_title(spec.title, used),
                [
                    [
                        "班期编号",
                        spec.class_id,
                        "班期",
                        spec.title,
                        "填写：出勤 / 迟到 / 请假：原因 / 缺勤",
                    ],
                    [*FIXED, *(session_header(s) for s in spec.sessions)],
                    *(
                        [tid, name, school, *(marks.get(s.key, "") for s in spec.sessions)]
                        for tid, name, school, marks in spec.rows
                    ),
                ],
            )
            for spec in sheets
        ]
    )


@dataclass
class AttendanceRow:
    sheet: str
    row: int
    class_id: str
    teacher_id: str
    name: str
    cells: dict[str, str]  # session key -> cell text
    unknown_columns: list[str]


def _open(content: bytes) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise BadImportFile("无法打开 xlsx 文件，请使用下载的考勤模板") from exc


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def attendance_rows(content: bytes) -> list[AttendanceRow]:
    """Every teacher row of every sheet; a sheet without the template's first two rows fails
    the file (BadImportFile) naming the sheet."""
    wb = _open(content)
    out: list[AttendanceRow] = []
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            first = [_text(v) for v in next(rows, ())]
            if not first or all(not v for v in first):
                continue
            if len(first) < 2 or first[0] != "班期编号" or not first[1]:
                raise BadImportFile(
                    f"工作表「{ws.title}」第 1 行应为“班期编号”及编号，请使用考勤模板"
                )
            class_id = first[1]
            header = [_text(v) for v in next(rows, ())]
            if tuple(header[:3]) != FIXED:
                raise BadImportFile(
                    f"工作表「{ws.title}」第 2 行应为表头（教师编号、姓名、学校……）"
                )
            keys = [session_key(h) for h in header[3:]]
            unknown = [h for h, k in zip(header[3:], keys, strict=True) if h and k is None]
            for n, values in enumerate(rows, start=3):
                cells = [_text(v) for v in values]
                if not any(cells):
                    continue
                marks = {
                    k: cells[3 + i]
                    for i, k in enumerate(keys)
                    if k and 3 + i < len(cells) and cells[3 + i]
                }
                out.append(
                    AttendanceRow(
                        sheet=ws.title,
                        row=n,
                        class_id=class_id,
                        teacher_id=cells[0] if cells else "",
                        name=cells[1] if len(cells) > 1 else "",
                        cells=marks,
                        unknown_columns=unknown,
                    )
                )
    finally:
        wb.close()
    return out


def parse_mark(text: str) -> tuple[str, str] | None:
    """'请假：病假' -> ('leave', '病假'); None if not one of the four marks."""
    head, _, reason = text.replace(":", "：").partition("：")
    by_name = {v: k.value for k, v in MARK_NAMES.items()}
    mark = by_name.get(head.strip())
    return (mark, reason.strip()) if mark else None


@dataclass
class OnlineRow:
    row: int
    class_id: str
    teacher_id: str
    id_number: str
    name: str
    hours: str


def online_rows(content: bytes) -> list[OnlineRow]:
    wb = _open(content)
    out: list[OnlineRow] = []
    try:
        rows: Iterator[tuple[Any, ...]] = wb.worksheets[0].iter_rows(values_only=True)
        header = [_text(v) for v in next(rows, ())]
        if "线上学时" not in header or "班期编号" not in header:
            raise BadImportFile(
                "线上学时文件须包含“班期编号”“线上学时”及“教师编号”或“身份证件号”列"
            )
        idx = {h: header.index(h) for h in ONLINE_COLUMNS if h in header}

        def cell(values: list[str], name: str) -> str:
            i = idx.get(name)
            return values[i] if i is not None and i < len(values) else ""

        for n, values in enumerate(rows, start=2):
            cells = [_text(v) for v in values]
            if not any(cells):
                continue
            out.append(
                OnlineRow(
                    row=n,
                    class_id=cell(cells, "班期编号"),
                    teacher_id=cell(cells, "教师编号"),
                    id_number=cell(cells, "身份证件号").upper(),
                    name=cell(cells, "姓名"),
                    hours=cell(cells, "线上学时"),
                )
            )
    finally:
        wb.close()
    return out


def table_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return xlsx.large_workbook(title, headers, rows)
