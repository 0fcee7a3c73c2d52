"""Every user their own workspace (issue 12): after login each role lands on its own 工作台 with
the phase open now and its deadline; the navigation (header menu, desktop bar, the phone's
bottom tabs) lists only that role's pages; the login link becomes a user menu with 退出."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e

# Pages only staff use: a teacher's navigation must never list one.
ADMIN_PAGES = (
    "school/",
    "institution/",
    "bureau/",
    "apply/",
    "review/",
    "dashboard/",
    "records/",
    "orders/",
    "operator/",
)


def _nav_paths(page: Any, base: str) -> list[str]:
    """Site-relative paths of every navigation link a person can see or open from the menu."""
    hrefs: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              '.zjt-tabbar a, .zjt-rolenav a, .zjt-usermenu__list a, .md-tabs a, .md-nav--primary a'))
            .filter(a => a.closest('.zjt-usermenu__list') || a.offsetParent !== null)
            .map(a => new URL(a.getAttribute('href'), location.href).pathname)"""
    )
    return [h[1:] if h.startswith("/") else h for h in hrefs]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_teachers_navigation_lists_no_admin_page(stack, request, size):
    page = request.getfixturevalue(size)
    as_user(page, stack, "t00092", "/home/")
    page.locator(".zjt-phasecard").wait_for()
    paths = _nav_paths(page, stack.url)
    assert "my/" in paths and "catalog/" in paths
    admin = [p for p in paths if p.startswith(ADMIN_PAGES)]
    assert not admin, f"a teacher's navigation lists admin pages: {admin}"
    if size == "phone":
        tabs = page.locator(".zjt-tabbar a").all_inner_texts()
        assert [t.strip() for t in tabs][:3] == ["首页", "选课", "我的培训"]
        assert 3 <= len(tabs) <= 5
        no_horizontal_scroll(page)
    else:
        assert page.locator(".zjt-rolenav").is_visible()
        assert not page.locator(".zjt-tabbar").is_visible()


def test_a_principal_lands_on_the_school_home_and_logs_out_from_the_user_menu(stack, phone):
    page = phone
    page.goto(stack.url + "/login/")
    page.get_by_role("button", name="郑琳文", exact=True).first.click()
    page.wait_for_url("**/home/")
    # The home names the phase open now for this role and when it closes.
    card = page.locator(".zjt-phasecard")
    card.filter(has_text="截止").wait_for()
    assert "进程表" in card.inner_text()
    tabs = [t.strip() for t in page.locator(".zjt-tabbar a").all_inner_texts()]
    assert tabs[:3] == ["首页", "审核", "教师"]
    paths = _nav_paths(page, stack.url)
    assert "school/" in paths
    assert not [p for p in paths if p.startswith(("my/", "review/", "apply/", "operator/"))]
    # The login link became a user menu; 退出 ends the session.
    page.locator(".zjt-usermenu__button").click()
    page.locator(".zjt-usermenu__list").get_by_role("button", name="退出").click()
    page.wait_for_url(stack.url + "/")
    page.locator(".zjt-usermenu__login").filter(has_text="登录").wait_for()
    assert page.evaluate("localStorage.getItem('zjt.token')") is None


def test_a_page_of_another_role_says_whom_it_is_for(stack, phone):
    page = phone
    as_user(page, stack, "bureau-330106", "/my/")
    page.locator(".zjt-not-for-you").filter(has_text="供教师使用").wait_for()
    page.locator(".zjt-not-for-you a").click()
    page.wait_for_url("**/home/")
