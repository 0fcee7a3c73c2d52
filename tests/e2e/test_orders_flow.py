"""One order from a county's demand to a catalog page, in headless chromium on a 375-px phone
screen: the county posts it (PH-ORDER-DEMAND, OD-1, Q-7 counter), the centre publishes the list
(PH-ORDER-LIST), an institution responds (PH-ORDER-RESPOND, OD-5, AP-6) next to a competitor,
the county compares and picks (PH-ORDER-PICK), the contractor revises and formally submits
(PH-ORDER-REVISE), the county publishes it (PH-ORDER-PUBLISH) and the class is on the site as an
order project of the county. The clock is restored by the `set_clock` fixture."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from local.demo import demo_data, demo_id_number, order_plan
from schemas.orders import OrderForm
from tests.e2e.conftest import as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e

TITLE = "小学数学作业设计专题培训（端到端）"


def msg(page: Any, root: str, text: str, timeout: int = 15_000) -> None:
    page.locator(f"{root} > .zjt-msg").filter(has_text=text).wait_for(timeout=timeout)


def confirm(page: Any, button: str) -> None:
    """Answer the page's own confirmation dialog (in-page, never window.confirm)."""
    page.locator(".zjt-dialog").get_by_role("button", name=button, exact=True).click()


def test_an_order_from_demand_to_a_catalog_page_PH_ORDER(stack, phone, api, set_clock):
    page = phone

    # PH-ORDER-DEMAND: 西湖区 has 2 demo orders (more if another test posted some), so its
    # page says how many are missing (Q-7: at least 3).
    set_clock("2024-03-08T10:00:00+08:00")
    before = len(api("GET", "/api/orders", user="bureau-330106").json()["orders"])
    as_user(page, stack, "bureau-330106")
    page.goto(stack.url + "/orders/county/")
    if before < 3:
        page.locator(".zjt-order-counter").filter(has_text=f"还差 {3 - before} 个").wait_for()
    no_horizontal_scroll(page)
    fields = {
        "contact": "周老师",
        "mobile": "13800001111",
        "title": TITLE,
        "theme": "双减背景下的小学数学作业设计",
        "target": "西湖区小学数学教师",
        "trainees": "40",
        "days": "3",
        "course_requirements": "以作业案例研讨为主，送教到校。",
    }
    for name, value in fields.items():
        page.fill(f'#zjt-orders-county [name="{name}"]', value)
    # 学段, 学科, 领域 and 层次 from the vocabularies; the intended institutions by name (OD-1).
    page.select_option('#zjt-orders-county [name="stage"]', "小学")
    page.select_option('#zjt-orders-county [name="subject"]', "数学")
    page.select_option('#zjt-orders-county [name="field"]', "学科教学")
    page.select_option('#zjt-orders-county [name="level"]', "骨干")
    page.select_option('#zjt-orders-county [name="intended.0"]', label="浙江师范大学")
    page.select_option('#zjt-orders-county [name="intended.1"]', label="杭州师范大学")
    page.select_option('#zjt-orders-county [name="form"]', "面授")
    page.fill('#zjt-orders-county [name="goals"]', "提升作业设计能力")
    assert page.locator('.zjt-counter[data-for="goals"]').inner_text() == "8/200 字"
    page.click(".zjt-post-order")
    msg(page, "#zjt-orders-county", "订单已报送")
    if before + 1 >= 3:
        page.locator(".zjt-order-counter").filter(has_text="已达到要求").wait_for()
    mine = api("GET", "/api/orders", user="bureau-330106").json()
    order = next(o for o in mine["orders"] if o["form"]["title"] == TITLE)
    oid = order["order_id"]
    assert order["stage"] == "posted"
    assert order["form"]["intended_institutions"] == ["zjnu", "hznu"]
    card = page.locator(f'li.zjt-order[data-order="{oid}"]')
    names = card.locator(".zjt-intended-names").inner_text()
    assert names == "意向机构：浙江师范大学、杭州师范大学"

    # PH-ORDER-LIST: the centre publishes the list; counties below 3 are listed.
    set_clock("2024-03-10T10:00:00+08:00")
    as_user(page, stack, "centre")
    page.goto(stack.url + "/orders/centre/")
    page.locator(".zjt-below tbody tr").first.wait_for()
    page.click(".zjt-publish-list")
    confirm(page, "公布")
    msg(page, "#zjt-orders-centre", "已公布订单清单")
    no_horizontal_scroll(page)

    # PH-ORDER-RESPOND: a competitor answers through the API, zjnu in the browser (OD-5, AP-6).
    set_clock("2024-03-11T10:00:00+08:00")
    insts = {i.institution_id: i for i in demo_data().institutions}
    form = OrderForm.model_validate(order["form"])
    rival = order_plan(form, insts["hznu"], date(2024, 5, 20), key="e2e").model_dump(mode="json")
    r = api("POST", f"/api/orders/{oid}/responses", user="inst-hznu", json={"plan": rival})
    assert r.status_code == 201, r.text
    as_user(page, stack, "inst-zjnu")
    page.goto(stack.url + "/orders/institution/")
    card = page.locator(f'li.zjt-order[data-order="{oid}"]')
    card.locator(".zjt-my-response").filter(has_text="尚未响应").wait_for()
    card.locator(".zjt-respond").click()
    plan = {
        "credits_total": "24",
        "fee.住宿费": "900",
        "fee.伙食费": "360",
        "fee.培训费": "600",
        "leader.name": "钱教授",
        "leader.id_number": demo_id_number("e2e:leader"),
        "leader.title": "教授",
        "leader.organisation": "浙江师范大学",
        "instructors.0.name": "孙老师",
        "instructors.0.id_number": demo_id_number("e2e:i0"),
        "instructors.0.title": "副教授",
        "instructors.0.organisation": "浙江师范大学",
        "class.start_date": "2024-05-13",
        "class.place": "西湖区教师发展中心",
    }
    for name, value in plan.items():
        card.locator(f'[name="{name}"]').fill(value)
    card.locator('[name="leader.formal_employee"]').check()
    assert "2024-05-15" in card.locator(".zjt-end-date").inner_text()
    no_horizontal_scroll(page)
    card.locator(".zjt-send-response").click()
    msg(page, "#zjt-orders-inst", "已响应订单")
    card.locator(".zjt-my-response").filter(has_text="已响应").wait_for()

    # PH-ORDER-PICK: the county compares both responses side by side and picks zjnu.
    set_clock("2024-03-13T10:00:00+08:00")
    as_user(page, stack, "bureau-330106")
    page.goto(stack.url + "/orders/county/")
    card = page.locator(f'li.zjt-order[data-order="{oid}"]')
    card.locator(".zjt-show-responses").click()
    table = card.locator("table.zjt-compare")
    table.wait_for()
    assert table.locator("thead th").count() == 3
    no_horizontal_scroll(page)
    card.locator('.zjt-pick[data-institution="zjnu"]').click()
    confirm(page, "确定承接")
    msg(page, "#zjt-orders-county", "已确定承训机构：浙江师范大学")
    told = api("GET", f"/api/orders/{oid}/response", user="inst-hznu").json()
    assert told["status"] == "not_picked"

    # PH-ORDER-REVISE: zjnu revises its plan and formally submits it.
    set_clock("2024-03-16T10:00:00+08:00")
    as_user(page, stack, "inst-zjnu")
    page.goto(stack.url + "/orders/institution/")
    card = page.locator(f'li.zjt-order[data-order="{oid}"]')
    card.locator(".zjt-my-response").filter(has_text="已中选").wait_for()
    card.locator(".zjt-revise").click()
    assert card.locator('[name="leader.name"]').input_value() == "钱教授"
    card.locator('[name="title"]').fill(TITLE + "（修订稿）")
    card.locator(".zjt-submit-revision").click()
    msg(page, "#zjt-orders-inst", "已正式申报")

    # PH-ORDER-PUBLISH: the county publishes; the catalog is rebuilt with the order project.
    set_clock("2024-03-18T10:00:00+08:00")
    as_user(page, stack, "bureau-330106")
    page.goto(stack.url + "/orders/county/")
    card = page.locator(f'li.zjt-order[data-order="{oid}"]')
    card.locator(".zjt-publish").click()
    confirm(page, "发布")
    msg(page, "#zjt-orders-county", "已发布为订单式项目", timeout=120_000)
    # The link appears once the site worker has put the page into the served site.
    link = page.locator(".zjt-published-link")
    link.wait_for(timeout=120_000)
    link.click()
    page.wait_for_url(f"**/projects/{oid}/**")
    page.locator(".zjt-tag--order").filter(has_text="订单式").wait_for()
    assert "西湖区" in page.locator(".zjt-tag--order").inner_text()
    assert TITLE in page.locator("h1").inner_text()
    no_horizontal_scroll(page)

    # PH-2: only the county's teachers may select it (a 淳安 teacher is refused, nothing held).
    set_clock("2024-03-20T10:00:00+08:00")
    outsider = next(t for t in demo_data().teachers if t.region_code == "330127")
    class_id = f"{oid}-c1"
    r = api("POST", "/api/selections", user=outsider.teacher_id, json={"class_id": class_id})
    assert (r.status_code, r.json()["code"]) == (403, "not_eligible")
