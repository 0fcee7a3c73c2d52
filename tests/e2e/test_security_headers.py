"""The site under its Content-Security-Policy in chromium (issue 11, item 5): every role's pages,
served with the headers of schemas/headers.py, run without a single CSP violation (a blocked
inline script, handler, style, image, font, worker or connection)."""

from __future__ import annotations

from typing import Any

import pytest

from local.demo import demo_data
from schemas.headers import SITE
from tests.e2e.conftest import as_user

pytestmark = pytest.mark.e2e

# Every page of the site, each visited as a role that uses it (other roles would see a refusal,
# which runs less of the page's script). "PROJECT" is a project page, where a teacher selects.
PAGES: dict[str, tuple[str, ...]] = {
    "": (
        "/",
        "/catalog/",
        "/calendar/",
        "/login/",
        "/verify/",
        "/guide/",
        "/guide/teacher/",
        "/guide/school/",
        "/guide/institution/",
        "/guide/bureau/",
        "/operator/",
        "/operator/api/",
        "/operator/deploy/",
        "/operator/import/",
        "/operator/notify/",
        "/operator/privacy/",
        "PROJECT",
        "/nope/",  # the 404 page
    ),
    "t00092": (
        "/home/",
        "/catalog/",
        "PROJECT",
        "/my/",
        "/me/",
        "/inbox/",
        "/credits/",
        "/credits/certificate/",
        "/training/",
        "/training/mine/",
        "/training/checkin/",
        "/quality/evaluate/",
    ),
    "p-s33010603": (
        "/home/",
        "/school/",
        "/records/teachers/",
        "/records/corrections/",
        "/records/import/",
        "/records/anomalies/",
        "/credits/school/",
    ),
    "inst-zjnu": (
        "/home/",
        "/apply/",
        "/institution/",
        "/orders/institution/",
        "/training/qr/",
        "/quality/results/",
    ),
    "bureau-330106": (
        "/home/",
        "/dashboard/",
        "/review/",
        "/bureau/",
        "/orders/county/",
        "/records/accounts/",
        "/credits/bureau/",
        "/credits/archive/",
        "/training/bureau/",
        "/training/reports/",
        "/quality/monitoring/",
        "/quality/reports/",
    ),
    "centre": ("/home/", "/dashboard/", "/orders/centre/", "/operator/mailbox/"),
}

# Collects what the browser blocked, from the page's own `securitypolicyviolation` events (an
# init script runs before any of the page's scripts, and CSP does not apply to it).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' +
  e.lineNumber + ' ' + (e.sample || '')));
"""


def _project_path() -> str:
    return f"/projects/{demo_data().projects[0].project_id}/"


def _settle(page: Any) -> None:
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => !Array.from(document.querySelectorAll('.zjt-msg'))"
        ".some(m => m.textContent.indexOf('正在加载') >= 0)",
        timeout=30_000,
    )


@pytest.mark.parametrize("user", sorted(PAGES))
def test_every_page_runs_without_a_csp_violation(stack, phone, user):
    page = phone
    page.context.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console",
        lambda m: (
            console.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None
        ),
    )
    if user:
        as_user(page, stack, user)
    violations: dict[str, list[str]] = {}
    for path in PAGES[user]:
        path = _project_path() if path == "PROJECT" else path
        response = page.goto(stack.url + path)
        assert response is not None
        # The policy is really on the page (else zero violations would prove nothing).
        assert response.headers.get("content-security-policy") == SITE.content_security_policy
        _settle(page)
        if found := page.evaluate("window.__csp"):
            violations[path] = found
    assert not violations, violations
    assert not console, console


def test_the_search_dialog_runs_under_the_csp(stack, phone):
    """The search dialog loads its script and index on first use (api.js, search.js)."""
    page = phone
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.goto(stack.url + "/catalog/")
    _settle(page)
    page.click("#zjt-search-open")
    page.fill(".zjt-search__input", "教师")
    page.wait_for_selector(".zjt-search__hit")
    assert page.evaluate("window.__csp") == []
