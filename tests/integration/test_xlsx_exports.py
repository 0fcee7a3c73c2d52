"""Files people open carry no formulas (issue 11, item 3): every xlsx export, with hostile values
in every column a person typed, has no formula cell, and every text starting with `= + - @`, a
tab or a carriage return is neutralised with a leading apostrophe (OWASP CSV injection)."""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from functions.common import catalog, records, store, xlsx
from functions.orders.handler import lambda_handler as orders_handler
from functions.projects.handler import lambda_handler as projects_handler
from functions.records.handler import lambda_handler as records_handler
from functions.selection.handler import lambda_handler as selection_handler
from schemas.catalog import ClassInfo
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory, School
from schemas.people import Role, User
from schemas.records import IMPORT_COLUMNS
from tests.integration import test_records_api as rec
from tests.support import world as w
from tests.support.events import FakeContext, http_event

# What an attacker types: each starts with one of the characters that make a formula.
HOSTILE = (
    '=HYPERLINK("http://e.vil/","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)


SHORT = ("=1+1", "+1+1", "-1+1", "@A1", "\t=1", "\r=1")  # for fields of at most 20 characters


def hostile(n: int, short: bool = False) -> str:
    return (SHORT if short else HOSTILE)[n % len(HOSTILE)]


def cells_of(data: bytes) -> list[tuple[str, Any, str]]:
    """(sheet, value, data type) of every cell; and the raw XML has no <f> (formula) element."""
    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), f"formula in {name}"
    wb = load_workbook(io.BytesIO(data))
    return [(ws.title, c.value, c.data_type) for ws in wb for row in ws.iter_rows() for c in row]


def assert_no_formula(data: bytes, *expected: str) -> None:
    cells = cells_of(data)
    assert all(t != "f" for _, _, t in cells)
    texts = [v for _, v, _ in cells if isinstance(v, str)]
    for v in texts:
        assert not v.startswith(xlsx.FORMULA_TRIGGERS), repr(v)
    for value in expected:  # the hostile value is there, as text (XML reads a CR back as LF)
        value = value.replace("\r", "\n")
        assert any(value in v.replace("\r", "\n") for v in texts), f"{value!r} not in the export"


def download(handler: Any, path: str, sub: str, **kw: Any) -> bytes:
    resp = handler(http_event("GET", path, sub=sub, **kw), FakeContext())
    assert resp["statusCode"] == 200, resp.get("body")
    assert resp["headers"]["Content-Type"] == xlsx.MIME
    assert resp["headers"]["Content-Disposition"].startswith("attachment; filename=")
    return base64.b64decode(resp["body"])


def test_neutralise_prefixes_every_formula_trigger_and_nothing_else() -> None:
    for value in HOSTILE:
        assert xlsx.neutralise(value) == "'" + value
    for value in ("王芳", "2024-05-06", "第1期", "", "a=b"):
        assert xlsx.neutralise(value) == value


def test_a_workbook_writes_hostile_text_as_text_and_numbers_as_numbers() -> None:
    data = xlsx.workbook(
        [
            xlsx.Sheet("表", [[*HOSTILE, 12, Decimal("1.5")]], header=HOSTILE),
            xlsx.Sheet("表单", [["x", HOSTILE[0]]], heading=HOSTILE[1], widths=(10, 20), wrap=True),
        ]
    )
    assert_no_formula(data, *HOSTILE)
    values = [v for _, v, _ in cells_of(data)]
    assert 12 in values and 1.5 in values
    assert_no_formula(xlsx.large_workbook("大表", HOSTILE, [HOSTILE, (1, None)]), *HOSTILE)


# --- every export, through its route --------------------------------------------------------


@pytest.fixture
def hostile_world(world: None, clock_at: Any) -> None:
    """The handler world with hostile text wherever a person types it: teacher names, a
    published project's title, class name and institution name, and the staff."""
    teachers = [
        t.model_copy(update={"name": hostile(i)})
        for i, t in enumerate(w.TEACHERS)
        if t.school_id == "s1"
    ]
    project = w.project("px", [("px-c1", date(2024, 5, 20), date(2024, 5, 22), 30)])
    project = project.model_copy(
        update={
            "title": HOSTILE[2],
            "institution_name": HOSTILE[3],
            "classes": tuple(c.model_copy(update={"name": HOSTILE[4]}) for c in project.classes),
        }
    )
    users = [
        User(user_id="inst-zjnu", role=Role.INSTITUTION, name=HOSTILE[0], institution_id="zjnu"),
        User(
            user_id="a-s1",
            role=Role.SCHOOL_ADMIN,
            name=HOSTILE[5],
            school_id="s1",
            region_code=w.COUNTY,
        ),
        User(
            user_id="bureau-330000",
            role=Role.PROVINCE_BUREAU,
            name=HOSTILE[1],
            region_code="330000",
        ),
        User(
            user_id="bureau-330106", role=Role.COUNTY_BUREAU, name=HOSTILE[2], region_code=w.COUNTY
        ),
    ]
    items = [records.teacher_item(t) for t in teachers]
    items += [records.user_item(u) for u in users]
    items += catalog.seed_items(project, with_project_item=True)
    store.batch_write(items)
    assert (
        ClassInfo.model_validate_json(records.get_class_doc("px-c1") or "").class_name == HOSTILE[4]
    )


def _select_and_reject(clock_at: Any) -> None:
    clock_at("2024-03-20 10:00")
    for t in ("t1", "t2"):
        resp = selection_handler(
            http_event("POST", "/api/selections", sub=t, body={"class_id": "px-c1"}), FakeContext()
        )
        assert resp["statusCode"] == 201, resp["body"]
    clock_at("2024-03-27 10:00")
    body = {
        "items": [{"teacher_id": "t1", "class_id": "px-c1"}],
        "decision": "reject",
        "reason": HOSTILE[1],
    }
    resp = selection_handler(
        http_event("POST", "/api/school/reviews", sub="p-s1", body=body), FakeContext()
    )
    assert resp["statusCode"] == 200, resp["body"]


@pytest.mark.usefixtures("hostile_world")
def test_school_selection_export_has_no_formula(clock_at: Any) -> None:
    _select_and_reject(clock_at)
    data = download(selection_handler, "/api/school/export", "p-s1")
    # teacher names, project title, class name, institution name, the rejection reason
    assert_no_formula(data, HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3], HOSTILE[4])


@pytest.mark.usefixtures("hostile_world")
def test_class_roster_export_has_no_formula(clock_at: Any) -> None:
    _select_and_reject(clock_at)
    data = download(
        selection_handler,
        "/api/institution/classes/px-c1/export",
        "inst-zjnu",
        route="/api/institution/classes/{class_id}/export",
        path_params={"class_id": "px-c1"},
    )
    assert_no_formula(data, HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3], HOSTILE[4])


ORDER_TEXT = (
    "bureau_name",
    "contact",
    "title",
    "theme",
    "target",
    "goals",
    "course_requirements",
)


@pytest.mark.usefixtures("ddb")
def test_order_export_has_no_formula(clock_at: Any) -> None:
    inst = Institution(
        institution_id="zjnu",
        name=HOSTILE[5],
        quota_category=QuotaCategory.Q1_NORMAL_UNIVERSITY,
        qualification=Qualification(
            scope=QualificationScope.PROVINCE,
            subject_categories=("语文",),
            qualified_since=date(2010, 1, 1),
        ),
    )
    store.batch_write(
        [
            records.institution_item(inst),
            records.user_item(
                User(
                    user_id="bureau-330106",
                    role=Role.COUNTY_BUREAU,
                    name="西湖区",
                    region_code="330106",
                )
            ),
            records.user_item(
                User(user_id="centre", role=Role.CENTRE, name="中心", region_code="330000")
            ),
        ]
    )
    clock_at("2024-03-08 10:00")
    form = {
        **{f: hostile(i, f == "contact") for i, f in enumerate(ORDER_TEXT)},
        # picked from the controlled vocabularies (data/vocab.yaml), not typed
        "subject": "语文",
        "field": "学科教学",
        "level": "骨干",
        "mobile": "13800001111",
        "stage": "小学",
        "trainees": 50,
        "days": 5,
        "form": "面授",
        "intended_institutions": ["zjnu"],
    }
    resp = orders_handler(
        http_event("POST", "/api/orders", sub="bureau-330106", body=form), FakeContext()
    )
    assert resp["statusCode"] == 201, resp["body"]
    data = download(orders_handler, "/api/orders/export", "centre")
    # the form strips surrounding whitespace (a leading tab or CR) on the way in
    assert_no_formula(data, *(form[f].strip() for f in ORDER_TEXT), HOSTILE[5])


@pytest.mark.usefixtures("hostile_world")
def test_audit_export_has_no_formula(clock_at: Any) -> None:
    # A change request by a clerk with a hostile name, with hostile what and why.
    clock_at("2024-03-20 10:00")
    body = {
        "kind": "place",
        "what": HOSTILE[3],
        "why": HOSTILE[4],
        "class_id": "px-c1",
        "place": HOSTILE[5],
    }
    resp = projects_handler(
        http_event(
            "POST",
            "/api/projects/px/changes",
            sub="inst-zjnu",
            body=body,
            route="/api/projects/{project_id}/changes",
            path_params={"project_id": "px"},
        ),
        FakeContext(),
    )
    assert resp["statusCode"] == 201, resp["body"]
    data = download(
        projects_handler,
        "/api/audit",
        "inst-zjnu",
        query={"project_id": "px", "format": "xlsx"},
    )
    assert_no_formula(data, HOSTILE[0], HOSTILE[3])


@pytest.mark.usefixtures("ddb")
def test_import_report_export_has_no_formula(clock_at: Any) -> None:
    clock_at("2024-03-01 10:00")
    store.batch_write(
        [records.user_item(u) for u in rec.STAFF]
        + [
            records.school_item(
                School(school_id="s1", name="实验小学", region_code="330106", stages=("小学",))
            )
        ]
    )
    rows = [rec.row(1, 姓名=HOSTILE[0]), rec.row(2, 姓名=HOSTILE[1], 学校代码=HOSTILE[2])]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([h for h, _ in IMPORT_COLUMNS])
    writer.writerows([r.get(h, "") for h, _ in IMPORT_COLUMNS] for r in rows)
    status, job = rec.upload("bureau-330000", out.getvalue().encode("utf-8"))
    assert status == 200, job
    data = download(
        records_handler,
        f"/api/records/imports/{job['job_id']}/report",
        "bureau-330000",
        route="/api/records/imports/{job_id}/report",
        path_params={"job_id": job["job_id"]},
        query={"format": "xlsx"},
    )
    assert_no_formula(data, HOSTILE[0], HOSTILE[1])


def test_the_mime_type_and_download_header_are_defined_once() -> None:
    import subprocess

    found = subprocess.run(
        ["git", "grep", "-l", "spreadsheetml.sheet", "--", "functions"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert found == ["functions/common/xlsx.py"]
    found = subprocess.run(
        ["git", "grep", "-l", "Content-Disposition", "--", "functions"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert found == ["functions/common/xlsx.py"]


@pytest.mark.usefixtures("ddb")
def test_stats_export_has_no_formula() -> None:
    """The dashboard's tables hold region names and counts, nothing a person types; written by
    the same module all the same."""
    from functions.stats.handler import lambda_handler as stats_handler

    store.batch_write(
        [
            records.user_item(
                User(user_id="centre", role=Role.CENTRE, name="中心", region_code="330000")
            )
        ]
    )
    for chart in ("progress", "backlog", "full", "projects", "orders"):
        data = download(stats_handler, "/api/stats/export", "centre", query={"chart": chart})
        assert_no_formula(data)
