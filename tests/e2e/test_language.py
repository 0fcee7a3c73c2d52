"""Every role's key pages as that role sees them at run time, on a phone: Chinese only (no rule
IDs, no internal codes, no English validation text). The built HTML is checked in
tests/unit/test_site_language.py; this looks at what the scripts put on screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import as_user
from tests.unit.test_site_language import RULE_ID

pytestmark = pytest.mark.e2e

PAGES = {
    "t00092": ("/home/", "/catalog/", "/my/", "/me/", "/calendar/"),
    "p-s33010603": ("/home/", "/school/", "/records/corrections/", "/records/teachers/"),
    "inst-zjnu": ("/home/", "/apply/", "/institution/", "/orders/institution/"),
    "bureau-330106": ("/home/", "/review/", "/bureau/", "/orders/county/", "/records/anomalies/"),
    "centre": ("/home/", "/orders/centre/"),
}
# English a person may meet on these pages: file formats and the like.
ALLOWED = {"Excel", "xlsx", "csv", "CSV", "JavaScript"}
# Brand names the calendar help on 我的选课 names so a teacher finds the setting on her own phone.
ALLOWED |= {"iPhone", "iPad", "OPPO", "vivo", "Outlook"}
# Internal ids: teacher, school, class and project ids (t00092, s33010603, 2024H1-zjnu-…).
INTERNAL_ID = re.compile(r"\b[A-Za-z]{1,4}-?\d{4,}\b|\b\d{4}H[12]-[\w-]+")
ENGLISH_VALIDATION = re.compile(
    r"Field required|Input should|String should|value is not|Extra inputs|Value error|"
    r"not a valid|validation error",
    re.IGNORECASE,
)


def _settled(page: Any) -> None:
    """Wait until no page message still says it is loading."""
    page.wait_for_function(
        "() => !Array.from(document.querySelectorAll('.zjt-msg'))"
        ".some(m => m.textContent.indexOf('正在加载') >= 0)",
        timeout=30_000,
    )


@pytest.mark.parametrize("user", sorted(PAGES))
def test_pages_show_no_rule_id_code_or_english(stack, phone, user):
    page = phone
    problems: dict[str, list[str]] = {}
    as_user(page, stack, user)
    for path in PAGES[user]:
        page.goto(stack.url + path)
        _settled(page)
        text = page.evaluate("document.querySelector('.md-container').innerText")
        assert len(text) > 40, f"{path} shows almost nothing"
        if found := _offending(text):
            problems[path] = found
    assert not problems, f"{user} sees: {problems}"


def _offending(text: str) -> list[str]:
    found = RULE_ID.findall(text)
    found += ENGLISH_VALIDATION.findall(text)
    found += INTERNAL_ID.findall(text)
    found += [w for w in re.findall(r"[A-Za-z][A-Za-z_]{3,}", text) if w not in ALLOWED]
    return sorted(set(found))


def test_the_application_steps_and_their_problems_are_plain_chinese(stack, phone, set_clock):
    """项目申报 in steps: every step, and the last step's list of what submitting would report
    (the rules behind it carry IDs such as AP-8 and AP-5), in Chinese without IDs or codes."""
    page = phone
    set_clock("2024-03-08T10:00:00+08:00")
    as_user(page, stack, "inst-zjnu", "/apply/")
    page.goto(stack.url + "/apply/")
    _settled(page)
    page.click(".zjt-new")
    page.fill('[name="title"]', "语言检查用草稿")
    problems: dict[str, list[str]] = {}
    for i in range(5):
        page.click(f'.zjt-wizard__go[data-step="{i}"]')
        if i == 4:
            page.locator(".zjt-check-summary").filter(has_text="处需要修改").wait_for()
            assert page.locator(".zjt-errors li").count() >= 8
        text = page.evaluate("document.querySelector('.zjt-form').innerText")
        if found := _offending(text):
            problems[f"step {i + 1}"] = found
    assert not problems, f"the application form shows: {problems}"


def test_a_change_request_names_classes_by_their_place_not_their_id(stack, phone):
    """申请变更 on a published project picks the class as 第1期, 第2期 … (CH-3)."""
    page = phone
    as_user(page, stack, "inst-zjnu")
    page.goto(stack.url + "/apply/")
    _settled(page)
    page.locator(".zjt-change-open").first.click()
    box = page.locator("form.zjt-change").first
    labels = box.locator('select[name="class_id"] option').all_inner_texts()
    assert labels[0] == "请选择" and len(labels) > 1
    assert all(re.fullmatch(r"第\d+期", t) for t in labels[1:]), labels
    assert not _offending(box.inner_text())
