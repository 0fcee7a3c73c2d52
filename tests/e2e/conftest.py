"""The e2e layer: the whole local stack (DynamoDB endpoint, seeded demo data, built site,
gateway with worker processes) once per session, and Debian chromium driven by Playwright."""

from __future__ import annotations

import itertools
import json
import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests

from schemas.catalog import ClassInfo

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_session: pytest.MonkeyPatch
) -> Iterator[Any]:
    from local.stack import running_stack

    # Import files go up in parts of 256 bytes, so the pages' small files take several parts.
    monkeypatch_session.setenv("ZJT_RECORDS_IMPORT_PART_BYTES", "256")
    with running_stack(tmp_path_factory.mktemp("stack"), seed=True, build=True, workers=2) as s:
        yield s


@pytest.fixture(scope="session")
def monkeypatch_session() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture
def api(stack: Any) -> Any:
    """A tiny HTTP client of the running stack: api(method, path, user=None, **kw) -> Response."""

    def call(method: str, path: str, user: str | None = None, **kw: Any) -> requests.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if user:
            headers["Authorization"] = f"Bearer {stack.token(user)}"
        kw.setdefault("timeout", 30)
        return requests.request(method, stack.url + path, headers=headers, **kw)

    return call


@pytest.fixture
def set_clock(stack: Any) -> Iterator[Any]:
    """Move the platform clock (POST /api/dev/clock); back to round 1 afterwards. Moving forward
    runs the phase function for every boundary crossed before it answers (closing a review
    window, the publish at PH-PUBLISH), hence the long timeout."""

    def set_to(iso: str) -> None:
        r = requests.post(stack.url + "/api/dev/clock", json={"now": iso}, timeout=600)
        assert r.status_code == 200, r.text
        assert not [f for f in r.json().get("fired", []) if "error" in f], r.text

    yield set_to
    set_to("2024-03-20T09:00:00+08:00")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        pytest.fail(
            "Debian chromium is not installed: `make test` installs it (apt-get install chromium)"
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def _guarded_page(browser: Any, stack: Any, **context: Any) -> Iterator[Any]:
    """A page that fails the test on a JS error or a request leaving the platform."""
    ctx = browser.new_context(locale="zh-CN", **context)
    page = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    host = urlparse(stack.url).netloc
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:")
            else None
        ),
    )
    # Every wait is for a state, never a fixed sleep; the bound only decides how long a state
    # that never comes takes to fail. 30 s: the stack, its worker processes and chromium share two
    # cores, and a page's first answer from a cold worker has taken over 15 s on a loaded machine.
    page.set_default_timeout(30_000)
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert not outside, f"requests outside the platform: {outside}"


@pytest.fixture
def phone(browser: Any, stack: Any) -> Iterator[Any]:
    """A phone-sized page (375 px); fails the test on a JS error or a request leaving the
    platform."""
    yield from _guarded_page(browser, stack, viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def desktop(browser: Any, stack: Any) -> Iterator[Any]:
    """A desktop-sized page (1280 px) with the same guards as `phone`."""
    yield from _guarded_page(browser, stack, viewport=DESKTOP)


# --- helpers every browser test uses ---------------------------------------------------------


def no_horizontal_scroll(page: Any, width: int = PHONE["width"]) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"page is {scroll}px wide on a {width}px screen"


def login(page: Any, base: str, name: str, next_path: str = "/my/") -> None:
    """Log in through the 登录 page by a demo account's button (demo accounts only)."""
    page.goto(f"{base}/login/?next={next_path}")
    page.get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_url(f"**{next_path}**")


def as_user(page: Any, stack: Any, user_id: str, next_path: str | None = None) -> None:
    """Sign the browser in as any account (a test's own teachers too), as the 登录 page would
    after the identity provider answered: the session is the token and the user from /api/me."""
    token = stack.token(user_id)
    me = requests.get(
        stack.url + "/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert me.status_code == 200, me.text
    page.goto(stack.url + "/login/")
    page.evaluate(
        "([t, u]) => { localStorage.setItem('zjt.token', t); localStorage.setItem('zjt.user', u); }",
        [token, json.dumps(me.json())],
    )
    if next_path:
        page.goto(stack.url + next_path)


# --- data each test owns ---------------------------------------------------------------------
# The stack is shared by the whole e2e layer and tests run in random order: a test never
# assumes a demo teacher holds nothing or a demo class has its seats. It creates the teachers
# and classes it relies on (below), or reads the state it needs first.

_SERIAL = itertools.count(1)
# Birth dates of this session's teachers start on a random day of 1985-1994, so the ID numbers
# of two sessions (a stack reused by hand) are unlikely to meet either.
_BIRTH_BASE = date(1985, 1, 1) + timedelta(days=secrets.randbelow(3650))


def serial() -> int:
    """A number no other call in this test session returns."""
    return next(_SERIAL)


def fresh_id_number(county: str = "330106") -> str:
    """A valid ID number no other test in this session uses."""
    from schemas.records import make_id_number

    n = serial()
    return make_id_number(county, _BIRTH_BASE + timedelta(days=n), n, n % 2 == 0)


def born_and_gender(id_number: str) -> tuple[str, str]:
    """The birth date (ISO) and gender (男/女) an ID number encodes, which a record must match."""
    born = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
    return born, "男" if int(id_number[16]) % 2 else "女"


@dataclass(frozen=True)
class NewTeacher:
    teacher_id: str
    name: str
    school_id: str
    stage: str
    subject: str


@pytest.fixture
def new_teacher(api: Any) -> Callable[..., NewTeacher]:
    """Create a teacher who holds nothing: `new_teacher(school_id, stage, subject)`, or
    `new_teacher(like=class_info)` for one eligible for that class (same school, stage and
    subject as the first demo teacher eligible for it). Added by the school's admin through the
    API (TD-2), so the teacher has an account and can log in."""
    from functions.selection.rules import check_eligible
    from local.demo import demo_data
    from schemas.regions import region_tree

    def make(
        school_id: str | None = None,
        stage: str | None = None,
        subject: str | None = None,
        *,
        like: ClassInfo | None = None,
    ) -> NewTeacher:
        if like is not None:
            tree = region_tree()
            template = None
            for t in demo_data().teachers:
                try:
                    check_eligible(t, like, tree)
                except Exception:
                    continue
                template = t
                break
            assert template is not None, f"no demo teacher is eligible for {like.class_id}"
            school_id, stage, subject = template.school_id, template.stage, template.subject
        assert school_id and stage and subject
        n = serial()
        id_number = fresh_id_number(school_id[1:7])
        born, gender = born_and_gender(id_number)
        body = {
            "id_number": id_number,
            "name": f"测试教师{n}",
            "gender": gender,
            "birth_date": born,
            "stage": stage,
            "subject": subject,
            "title": "一级教师",
        }
        r = api("POST", "/api/records/teachers", user=f"a-{school_id}", json=body)
        assert r.status_code in (200, 201), r.text
        got = r.json()
        return NewTeacher(got["teacher_id"], got["name"], school_id, stage, subject)

    return make


# Round 1 of the demo term (2024H1), inside each window: teachers select, schools review,
# institutions recheck.
R1_SELECT = "2024-03-20T10:00:00+08:00"
R1_REVIEW = "2024-03-27T10:00:00+08:00"
R1_RECHECK = "2024-03-30T10:00:00+08:00"


@pytest.fixture
def enrol(api: Any, set_clock: Callable[[str], None]) -> Callable[..., None]:
    """`enrol(class_info, teachers)`: round 1 walked through the API, each step asserted: every
    teacher selects the class, each one's school approves, the class's institution confirms
    them all. The clock is left inside the recheck window."""

    def walk(info: ClassInfo, teachers: Sequence[NewTeacher]) -> None:
        refs = [{"teacher_id": t.teacher_id, "class_id": info.class_id} for t in teachers]
        set_clock(R1_SELECT)
        for t in teachers:
            r = api("POST", "/api/selections", user=t.teacher_id, json={"class_id": info.class_id})
            assert r.status_code == 201, r.text
        set_clock(R1_REVIEW)
        for t, ref in zip(teachers, refs, strict=True):
            r = api(
                "POST",
                "/api/school/reviews",
                user=f"a-{t.school_id}",
                json={"items": [ref], "decision": "approve"},
            )
            assert r.status_code == 200 and r.json()["results"][0]["ok"], r.text
        set_clock(R1_RECHECK)
        r = api(
            "POST",
            "/api/institution/rechecks",
            user=f"inst-{info.institution_id}",
            json={"items": refs, "decision": "confirm"},
        )
        assert r.status_code == 200 and all(x["ok"] for x in r.json()["results"]), r.text

    return walk


@pytest.fixture
def confirmed_teacher(
    new_teacher: Callable[..., NewTeacher], enrol: Callable[..., None]
) -> Callable[[ClassInfo], NewTeacher]:
    """`confirmed_teacher(class_info)`: a new teacher eligible for the class, selected, approved
    by her school and confirmed by the institution (`enrol`)."""

    def make(info: ClassInfo) -> NewTeacher:
        teacher = new_teacher(like=info)
        enrol(info, [teacher])
        return teacher

    return make


@pytest.fixture
def private_class(stack: Any) -> Callable[..., ClassInfo]:
    """Seed a published class no other test knows: a copy of a demo project's first class under
    new ids, `private_class(capacity=3)`; `like` picks the project copied (default: the first
    demo project open to every teacher). Only the class items are written (what selection
    reads), so the class is in no catalog: API tests only, the site has no page for it."""
    from functions.common import catalog, store
    from local.demo import demo_data

    def make(capacity: int = 3, like: str | None = None) -> ClassInfo:
        projects = demo_data().projects
        if like is None:
            base = next(
                p
                for p in projects
                if not (p.target.region_codes or p.target.stages or p.target.subjects)
            )
        else:
            base = next(p for p in projects if p.project_id == like)
        n = serial()
        pid = f"{base.project_id}-e2e{n}"
        first = base.classes[0]
        klass = first.model_copy(
            update={"class_id": f"{pid}-c1", "capacity": capacity, "name": f"测试班{n}"}
        )
        project = base.model_copy(update={"project_id": pid, "classes": (klass,)})
        store.batch_write(catalog.class_items(project) + catalog.seat_items(project))
        return ClassInfo.of(project, klass)

    return make


def seats(api: Any, class_id: str) -> dict[str, Any]:
    """The class's public seat counter (held, capacity, waitlist)."""
    found: dict[str, Any] = api("GET", f"/api/seats?class_ids={class_id}").json()["seats"][0]
    return found
