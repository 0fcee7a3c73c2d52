"""An institution clerk drafts a project in the browser, sees every problem next to its field,
completes and submits it (PH-APPLY); the province bureau spot-checks, approves (PH-REVIEW), reads
the project's history inline (CH-5) and publishes it (PH-PUBLISH); the project's catalog page is
then on the site, without ID numbers. A county bureau sees and changes its local cap (Q-6). All
on a 375-px phone screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.e2e.conftest import as_user, no_horizontal_scroll
from tests.integration.projects_world import idno

pytestmark = pytest.mark.e2e


def fill_person(page: Any, prefix: str, n: int, name: str, title: str, org: str) -> None:
    page.fill(f'[name="{prefix}.id_number"]', idno(n))
    page.fill(f'[name="{prefix}.name"]', name)
    page.fill(f'[name="{prefix}.title"]', title)
    page.fill(f'[name="{prefix}.organisation"]', org)


def test_draft_to_published_catalog_page_PH_APPLY_PH_REVIEW_PH_PUBLISH(
    stack, phone, set_clock, api
):
    page = phone
    set_clock("2024-03-08T10:00:00+08:00")
    as_user(page, stack, "inst-hznu")
    page.goto(stack.url + "/apply/")
    page.locator(".zjt-quota").filter(has_text="申报名额").wait_for()
    no_horizontal_scroll(page)

    # The application is a step form. 下一步 saves the draft, checks it and stays while this step
    # still has problems, each shown next to its field; the other steps stay open to jump to.
    page.click(".zjt-new")
    title = "小学语文阅读教学能力提升研修（测试）"
    page.fill('[name="title"]', title)
    page.click(".zjt-next")
    page.locator(".zjt-step-msg").filter(has_text="本步还有").wait_for()
    for f in ("stage", "subject", "field", "level", "form", "credits_total"):
        err = page.locator(f'[data-field="{f}"] > .zjt-field-error')
        assert err.inner_text().strip(), f"no error shown next to {f}"
    assert (
        page.locator('.zjt-wizard__go[data-step="0"] .zjt-wizard__bad').text_content()
        == "6 处需要修改"
    )
    no_horizontal_scroll(page)

    # The last step lists what submitting would report, each problem a link to its step.
    page.click('.zjt-wizard__go[data-step="4"]')
    page.locator(".zjt-check-summary").filter(has_text="处需要修改").wait_for()
    assert page.locator(".zjt-errors li").count() >= 8
    page.locator(".zjt-errors li button", has_text="收费：").first.click()
    assert page.locator('.zjt-wizard__step[data-step="3"]').is_visible()
    assert page.locator('[data-field="fee.total"] > .zjt-field-error').inner_text().strip()

    # Step 1 from the controlled vocabularies: a stage's subjects, fields, levels; whom it is for
    # by stage, subject and region picked from lists (no codes typed).
    page.click('.zjt-wizard__go[data-step="0"]')
    page.select_option('[name="stage"]', "小学")
    subjects = page.locator('[name="subject"] option').all_inner_texts()
    assert "语文" in subjects and "物理" not in subjects  # 物理 is taught in 高中 only
    page.select_option('[name="subject"]', "语文")
    page.select_option('[name="field"]', "学科教学")
    page.select_option('[name="level"]', "骨干")
    page.select_option('[name="form"]', "面授")
    page.fill('[name="credits_total"]', "24")
    page.fill('[name="credits_online"]', "0")
    page.fill('[name="target.description"]', "杭州市小学语文骨干教师")
    page.click('[data-field="target.stages"] .zjt-chip[data-value="小学"]')
    page.select_option('[data-field="target.subjects"] select', "语文")
    page.select_option('[data-field="target.region_codes"] select', "330100")
    page.locator('[data-field="target.region_codes"] .zjt-chip', has_text="杭州市").wait_for()
    no_horizontal_scroll(page)
    page.click(".zjt-next")

    # Step 2: the leader's title is too low; 下一步 keeps the step open with the reason.
    page.locator('.zjt-wizard__step[data-step="1"]').wait_for()
    fill_person(page, "leader", 960, "杨教授", "讲师", "杭州师范大学")
    page.check('[name="leader.formal_employee"]')
    page.click(".zjt-add-instructors")
    fill_person(page, "instructors.0", 961, "许老师", "副教授", "杭州师范大学")
    page.click(".zjt-next")
    page.locator('[data-field="leader.title"] > .zjt-field-error').filter(
        has_text="副高"
    ).wait_for()
    page.fill('[name="leader.title"]', "教授")
    page.click(".zjt-next")

    # Step 3: a class and its timetable as rows of date, times, topic and an instructor picked
    # from this application's instructors.
    page.locator('.zjt-wizard__step[data-step="2"]').wait_for()
    page.fill('[name="classes.0.name"]', "第1期")
    page.fill('[name="classes.0.start_date"]', "2024-05-27")
    page.fill('[name="classes.0.end_date"]', "2024-05-29")
    page.fill('[name="classes.0.place"]', "杭州师范大学仓前校区")
    page.fill('[name="classes.0.capacity"]', "50")
    klass = page.locator('.zjt-row[data-field="classes.0"]')
    klass.locator(".zjt-session__add").click()
    session = klass.locator(".zjt-session").first
    session.locator('input[data-k="day"]').fill("2024-05-27")
    session.locator('input[data-k="topic"]').fill("开班讲座")
    session.locator('select[data-k="instructor"]').select_option("许老师")
    no_horizontal_scroll(page)
    page.click(".zjt-next")

    # Step 4: fee items named from the fee standards; the total is their sum.
    page.locator('.zjt-wizard__step[data-step="3"]').wait_for()
    for _ in range(2):
        page.click(".zjt-add-fee-items")
    page.select_option('[name="fee.items.0.name"]', "住宿费")
    page.fill('[name="fee.items.0.amount"]', "480")
    page.select_option('[name="fee.items.1.name"]', "培训费")
    page.fill('[name="fee.items.1.amount"]', "720")
    total = page.locator('[name="fee.total"]')
    assert total.input_value() == "1200" and total.get_attribute("readonly") is not None
    page.click(".zjt-next")

    # Step 5: nothing left to fix; submit.
    page.locator(".zjt-check-summary").filter(has_text="检查通过").wait_for()
    page.click(".zjt-submit")
    page.locator("#zjt-apply > .zjt-msg").filter(has_text="已提交申报").wait_for()
    row = page.locator("li.zjt-project", has_text=title)
    row.filter(has_text="已提交").wait_for()
    pid = row.get_attribute("data-project")
    assert pid

    # The province bureau reviews: every rule check passes; spot check, then approve.
    set_clock("2024-03-13T10:00:00+08:00")
    as_user(page, stack, "bureau-330000")
    page.goto(stack.url + "/review/")
    item = page.locator(f'li[data-project="{pid}"]')
    item.wait_for()
    assert item.locator(".zjt-check--bad").count() == 0
    assert item.locator(".zjt-check--ok").count() >= 10
    assert idno(960) not in page.content()
    no_horizontal_scroll(page)
    # The whole application is on the page: classes with their timetables, instructors, fees.
    item.locator(".zjt-application > summary").click()
    assert "杨教授" in item.locator(".zjt-application").inner_text()
    assert item.locator(".zjt-application .zjt-daycard").count() >= 1
    # Approving before the spot check is refused; the message stays (no reload wipes it).
    item.locator(".zjt-approve").click()
    refused = item.locator(".zjt-msg.zjt-msg--error").filter(has_text="请先完成授课教师抽查")
    refused.wait_for()
    page.wait_for_timeout(1500)
    assert refused.is_visible()
    # AP-5: the pick is drawn only now, on the server, and shown; then the check is recorded
    # and approved at once (each step carries the version the previous one made).
    assert item.locator(".zjt-spot-pass").is_hidden()
    item.locator(".zjt-spot-draw").click()
    item.locator(".zjt-spot").filter(has_text="随机抽查授课教师：").wait_for()
    assert item.locator(".zjt-spot-draw").is_hidden()
    item.locator(".zjt-spot-pass").click()
    item.locator(".zjt-msg").filter(has_text="抽查结果已记录").wait_for()
    page.locator(f'li[data-project="{pid}"] .zjt-spot').filter(has_text="结果：通过").wait_for()
    page.locator(f'li[data-project="{pid}"] .zjt-approve').click()
    page.locator(f'li[data-project="{pid}"] .zjt-msg').filter(has_text="已审核通过").wait_for()

    # CH-5: the project's history is listed inline (time, who, what), next to its xlsx export.
    item = page.locator(f'li[data-project="{pid}"]')
    item.locator(".zjt-status").filter(has_text="审核通过，待发布").wait_for()
    item.locator(".zjt-audit-inline > summary").click()
    entries = item.locator(".zjt-audit-entry")
    entries.filter(has_text="审核通过").wait_for()
    texts = entries.all_inner_texts()
    steps = ("新建草稿", "提交申报", "随机抽取授课教师", "授课教师抽查", "审核通过")
    assert [next((s for s in steps if s in t), t) for t in texts] == list(steps), texts
    # Who, by name (never an account id), and when, in the pages' date style.
    names = {
        u: api("GET", "/api/me", user=u).json()["name"] for u in ("inst-hznu", "bureau-330000")
    }
    assert names["inst-hznu"] in texts[1] and names["bureau-330000"] in texts[4]
    assert not any("inst-hznu" in t or "bureau-330000" in t for t in texts)
    assert all(re.match(r"\d+月\d+日（周.）\d\d:\d\d", t) for t in texts), texts
    with page.expect_download() as download:
        item.locator(".zjt-audit-xlsx").click()
    assert download.value.suggested_filename == f"变更记录-{title}.xlsx"
    no_horizontal_scroll(page)

    # Publish: the request returns at once (发布中); the site worker puts the project's page
    # into the served site and the page says when (已发布).
    set_clock("2024-03-18T10:00:00+08:00")
    page.click(".zjt-publish")
    done = page.locator(".zjt-publish-msg.zjt-msg--ok, .zjt-publish-msg.zjt-msg--error")
    done.wait_for(timeout=90_000)
    assert "已发布 1 个项目" in done.inner_text(), done.inner_text()
    assert "选课目录已于" in done.inner_text() and "发布" in done.inner_text()
    page.goto(f"{stack.url}/projects/{pid}/")
    page.locator("h1", has_text=title).wait_for()
    html = page.content()
    assert idno(960) not in html and idno(961) not in html
    assert "杨教授" in html
    no_horizontal_scroll(page)
    index = requests.get(f"{stack.url}/data/catalog/index.json", timeout=30).json()
    parts = [requests.get(f"{stack.url}/{p['file']}", timeout=30).json() for p in index["parts"]]
    assert pid in [row[0] for part in parts for row in part["rows"]]


def test_a_county_bureau_sees_and_changes_its_local_cap_Q_6(stack, phone, set_clock, api):
    """西湖区's bureau sees its region's cap (12, from the term data) with its institution one
    short of it, lowers it below what is held (told so), and reads the change in the history."""
    page = phone
    set_clock("2024-03-08T10:00:00+08:00")
    as_user(page, stack, "bureau-330106")
    page.goto(stack.url + "/review/")
    row = page.locator('li.zjt-cap[data-region="330106"]')
    row.locator(".zjt-cap-value").filter(has_text="最多申报 12 个").wait_for()
    assert page.locator("li.zjt-cap").count() == 1
    assert "杭州市西湖区教师发展中心：已申报 11 / 12" in row.inner_text()
    no_horizontal_scroll(page)
    try:
        row.locator('[name="cap"]').fill("10")
        row.locator(".zjt-cap-save").click()
        row.locator(".zjt-msg").filter(has_text="已超过新上限").wait_for()
        row.locator(".zjt-cap-value").filter(has_text="最多申报 10 个").wait_for(timeout=15_000)
        assert "超过上限，不能再申报" in row.inner_text()
        row.locator(".zjt-audit-inline > summary").click()
        row.locator(".zjt-audit-entry").filter(has_text="12 → 10").wait_for()
        no_horizontal_scroll(page)
    finally:  # the session's stack is shared: put the cap back
        resp = api("PUT", "/api/projects/quotas/local/330106", "bureau-330106", json={"cap": 12})
        assert resp.status_code == 200, resp.text
