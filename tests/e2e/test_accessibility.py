"""axe-core (installed from npm, vendored in tests/e2e/vendor by `make vendor`) on each role's
key pages at 375 px: no serious or critical WCAG 2.1 A/AA violation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.demo import demo_data
from tests.e2e.conftest import PHONE, _guarded_page, as_user

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def phone(browser: Any, stack: Any) -> Any:
    """The shared phone page, bypassing the site's CSP: axe is injected as an inline script
    (`add_script_tag`), which the policy rightly blocks (tests/e2e/test_security_headers.py
    checks the pages under it)."""
    yield from _guarded_page(
        browser, stack, viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True
    )


def _a_project() -> str:
    return f"/projects/{demo_data().projects[0].project_id}/"


PAGES: dict[str, tuple[str, ...]] = {
    "": ("/", "/catalog/", "/calendar/", "/login/", "PROJECT"),
    "t00092": ("/home/", "/catalog/", "/my/", "/me/", "PROJECT"),
    "p-s33010603": ("/home/", "/school/", "/records/corrections/", "/records/teachers/"),
    "inst-zjnu": ("/home/", "/apply/", "/institution/", "/orders/institution/"),
    "bureau-330106": ("/home/", "/dashboard/", "/review/", "/bureau/", "/orders/county/"),
    "centre": ("/home/", "/dashboard/", "/orders/centre/"),
}


def _settle(page: Any) -> None:
    page.wait_for_function(
        "() => !Array.from(document.querySelectorAll('.zjt-msg'))"
        ".some(m => m.textContent.indexOf('正在加载') >= 0)",
        timeout=30_000,
    )


@pytest.mark.parametrize("user", sorted(PAGES))
def test_key_pages_have_no_serious_accessibility_violation(stack, phone, user):
    page = phone
    if user:
        as_user(page, stack, user)
    problems = {}
    for path in PAGES[user]:
        path = _a_project() if path == "PROJECT" else path
        page.goto(stack.url + path)
        _settle(page)
        if found := _violations(page):
            problems[path] = found
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def _violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on what the page shows now (once the theme's
    transitions, such as the back-to-top button fading in after a scroll, have finished)."""
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running')", timeout=10_000
    )
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(
        """async (tags) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
             return r.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
           }""",
        TAGS,
    )
    return found


def test_every_step_of_the_application_form_has_no_serious_violation(stack, phone):
    """项目申报's step form (pickers, chips, session rows) at 375 px, step by step."""
    page = phone
    as_user(page, stack, "inst-zjnu")
    page.goto(stack.url + "/apply/")
    _settle(page)
    page.click(".zjt-new")
    page.click(".zjt-add-segments")
    problems = {}
    for i in range(4):
        # A tap, as a clerk's: the back-to-top button that used to cover the middle step
        # buttons after scrolling up the form is gone from there (test_apply_steps.py).
        page.click(f'.zjt-wizard__go[data-step="{i}"]')
        page.locator(f'.zjt-wizard__step[data-step="{i}"]').wait_for()
        if i == 0:
            page.select_option('[data-field="target.region_codes"] select', "330100")
        if i == 1:
            page.click(".zjt-add-instructors")
        if i == 2:
            page.locator(".zjt-session__add").first.click()
        if i == 3:
            page.click(".zjt-add-fee-items")
        if found := _violations(page):
            problems[f"step {i + 1}"] = found
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
