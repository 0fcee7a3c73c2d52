"""xlsx exports (school selections, class rosters): built with openpyxl, returned by the API as
a base64 body with a Chinese file name (RFC 5987 `filename*`)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet: a bold header row, the rows, columns sized to their content."""
    from openpyxl import Workbook  # imported on use: only export requests pay for it
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) * 2 + 2 for h in headers]
    for row in rows:
        ws.append(list(row))
        for i, v in enumerate(row):
            widths[i] = min(60, max(widths[i], len(str(v)) * 2 + 2))
    for i, w in enumerate(widths):
        ws.column_dimensions[ws.cell(row=1, column=i + 1).column_letter].width = w
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the UTF-8 name (RFC 5987 / RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
