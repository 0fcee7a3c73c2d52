"""Every xlsx file the API returns is built here: the MIME type, the download header, the
workbook, and text cells written as text.

Spreadsheet (formula) injection (OWASP "CSV Injection"): a value someone typed, such as a teacher
named `=HYPERLINK("http://e.vil/","x")`, must never become a live formula in the file another
person opens. openpyxl makes any string starting with `=` a formula, so every string cell is
written with the text type, and a string starting with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading apostrophe (`neutralise`), which keeps it text when the cell is edited or
the sheet is saved as CSV. Numbers stay numbers.

openpyxl is imported on use: only export requests pay for it; powertools' `Response` too, so the
workers that build workbooks do not load the HTTP resolver.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60


def neutralise(value: str) -> str:
    """A text value that no spreadsheet program reads as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the UTF-8 name (RFC 5987 / RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def response(filename: str, data: bytes) -> Response[bytes]:
    """The download: a bytes body leaves the resolver base64-encoded with isBase64Encoded set.
    (A route returning it carries no return annotation, or the resolver would validate the
    bytes as JSON.)"""
    # Imported here: a worker builds workbooks (stored, not served) without the HTTP resolver.
    from aws_lambda_powertools.event_handler import Response

    return Response(
        status_code=200,
        content_type=MIME,
        body=data,
        # A download holds personal information: no shared cache keeps it.
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "no-store"},
    )


@dataclass
class Sheet:
    """One worksheet. With `header`, a bold first row, frozen; `heading` is a bold title line
    above everything (a form's name); `widths` fixes column widths (characters), else they
    follow the content; `wrap` wraps long text."""

    title: str
    rows: Iterable[Sequence[Any]]
    header: Sequence[str] = ()
    heading: str = ""
    widths: Sequence[int] = ()
    wrap: bool = False


def _value(cell: Any, value: Any) -> None:
    if isinstance(value, str):
        cell.value = neutralise(value)
        cell.data_type = "s"  # never "f", whatever the text
    else:
        cell.value = value


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The xlsx bytes of `sheets`, in order."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        _write_sheet(wb.create_sheet(spec.title[:31]), spec)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_sheet(ws: Any, spec: Sheet) -> None:
    from openpyxl.styles import Alignment, Font

    widths: list[int] = list(spec.widths)
    wrap = Alignment(wrap_text=True, vertical="top")
    n = 0

    def put(values: Sequence[Any], bold: bool = False, sized: bool = True) -> None:
        nonlocal n
        n += 1
        for i, v in enumerate(values, start=1):
            cell = ws.cell(row=n, column=i)
            _value(cell, v)
            if bold:
                cell.font = Font(bold=True)
            if spec.wrap:
                cell.alignment = wrap
            if sized and not spec.widths:
                widths.extend([0] * (i - len(widths)))
                widths[i - 1] = min(MAX_WIDTH, max(widths[i - 1], len(str(v)) * 2 + 2))

    if spec.heading:
        put([spec.heading], sized=False)  # spans the sheet: it does not size column A
        ws.cell(row=n, column=1).font = Font(bold=True, size=14)
    if spec.header:
        put(spec.header, bold=True)
        ws.freeze_panes = ws.cell(row=n + 1, column=1)
    for row in spec.rows:
        put(row)
    for i, w in enumerate(widths, start=1):
        if w:
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = w


def large_workbook(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet streamed in openpyxl's write-only mode: for a report of 100,000 rows, which a
    normal workbook would hold in memory cell by cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])

    def cells(values: Sequence[Any], bold: bool = False) -> list[Any]:
        out = []
        for v in values:
            cell = WriteOnlyCell(ws)
            _value(cell, v)
            if bold:
                cell.font = Font(bold=True)
            out.append(cell)
        return out

    ws.append(cells(header, bold=True))
    for r in rows:
        ws.append(cells(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
