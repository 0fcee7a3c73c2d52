"""运维 › 接口说明: rendered from the API document, every route with who may call it and the
Chinese labels of its fields (issue 11)."""

from __future__ import annotations

from functions.apidoc.document import document
from functions.common.routes import ROUTES
from sitebuild.apidoc import api_markdown


def test_the_page_lists_every_route_with_its_method() -> None:
    page = api_markdown(document())
    for r in ROUTES:
        assert f"<code>{r.method} {r.path}</code>" in page, f"{r.method} {r.path}"


def test_a_row_names_its_callers_and_labels_its_fields() -> None:
    page = api_markdown(document())
    row = next(
        line for line in page.splitlines() if "<code>POST /api/school/reviews</code>" in line
    )
    assert "校长、学校管理员" in row
    assert "decision（" in row  # the body field with its Chinese label
    seats = next(line for line in page.splitlines() if "<code>GET /api/seats</code>" in line)
    assert "公开（无需登录）" in seats
    assert "class_ids（班期编号）" in seats


def test_the_page_loads_nothing_from_elsewhere() -> None:
    page = api_markdown(document())
    assert "<script" not in page and "http://" not in page and "https://" not in page
