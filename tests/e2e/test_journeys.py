"""Every role's main pages at 375 px and at desktop size. At 375 px the test also takes the
使用指南's screenshots (into site/guide-shots/, which the site build serves in place of the committed
site/docs/guide/img/), so the guide shows the pages as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.demo import demo_data
from tests.e2e.conftest import DESKTOP, PHONE, as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e

# The guide's pictures of this run: untracked, served in place of the committed ones by the
# site build (site/hooks/site_hooks.py `guide_screenshots`).
GUIDE_IMG = Path(__file__).resolve().parents[2] / "site" / "guide-shots"


def _project() -> str:
    p = next(p for p in demo_data().projects if not p.target.region_codes)
    return f"/projects/{p.project_id}/"


# role account -> (guide name, page, element that shows the page is ready)
JOURNEYS: dict[str, list[tuple[str, str, str]]] = {
    "t00092": [
        ("teacher-home", "/home/", ".zjt-phasecard"),
        ("teacher-catalog", "/catalog/", ".zjt-results li"),
        ("teacher-project", "PROJECT", ".zjt-actionbar__facts:not(:empty)"),
        ("teacher-my", "/my/", "#zjt-my .zjt-msg:not(:empty)"),
    ],
    "p-s33010603": [
        ("school-home", "/home/", ".zjt-phasecard"),
        ("school-review", "/school/", ".zjt-window"),
    ],
    "inst-zjnu": [
        ("institution-home", "/home/", ".zjt-phasecard"),
        ("institution-apply", "/apply/", ".zjt-projects li"),
    ],
    "bureau-330106": [
        ("bureau-home", "/home/", ".zjt-phasecard"),
        ("bureau-dashboard", "/dashboard/", ".zjt-chart canvas"),
        ("bureau-review", "/review/", "#zjt-review .zjt-caps li"),
    ],
}


def _walk(page: Any, stack: Any, user: str, shoot: bool, width: int) -> None:
    as_user(page, stack, user)
    for name, path, ready in JOURNEYS[user]:
        page.goto(stack.url + (_project() if path == "PROJECT" else path))
        page.locator(ready).first.wait_for(timeout=30_000)
        page.wait_for_timeout(300)  # let the last list or chart settle before the picture
        no_horizontal_scroll(page, width)
        if path == "PROJECT":
            # The timetable: one card per day on a phone, the table on a desktop.
            phone = width < 600
            assert page.locator(".zjt-timetable-days").first.is_visible() == phone
            assert page.locator(".zjt-timetable").first.is_visible() == (not phone)
        if shoot:
            GUIDE_IMG.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(GUIDE_IMG / f"{name}.png"))


@pytest.fixture(scope="module")
def stats_ready(stack: Any) -> None:
    import requests

    r = requests.post(stack.url + "/api/dev/stats", json={"cities": ["330100"]}, timeout=600)
    assert r.status_code == 200


@pytest.mark.parametrize("user", sorted(JOURNEYS))
def test_each_roles_main_pages_on_a_phone_and_the_guide_pictures(stack, phone, stats_ready, user):
    _walk(phone, stack, user, shoot=True, width=PHONE["width"])


@pytest.mark.parametrize("user", sorted(JOURNEYS))
def test_each_roles_main_pages_at_desktop_size(stack, desktop, stats_ready, user):
    _walk(desktop, stack, user, shoot=False, width=DESKTOP["width"])
