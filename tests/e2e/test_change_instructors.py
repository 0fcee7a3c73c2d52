"""申请变更 on a published project (CH-1): the instructors after the change are picked from the
project's own by name (with their 职称), and only someone new is typed; what is sent is the
picked names in the project's order, then the new ones."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import as_user, no_horizontal_scroll

pytestmark = pytest.mark.e2e


def test_a_change_of_instructors_picks_the_projects_own_by_name_CH_1(stack, phone, api):
    mine = api("GET", "/api/projects", user="inst-zjnu").json()["projects"]
    project = next(p for p in mine if p["status"] == "published" and len(p["instructors"]) > 1)
    people = project["instructors"]
    page = phone
    sent: list[dict[str, Any]] = []

    # The request is answered here, not by the stack: a minor change applies at once, and the
    # demo project is shared by the other tests.
    def answer(route: Any) -> None:
        sent.append(json.loads(route.request.post_data))
        route.fulfill(
            status=201,
            content_type="application/json",
            body=json.dumps({"status": "applied", "change_id": "e2e"}),
        )

    page.route(f"**/api/projects/{project['project_id']}/changes", answer)
    as_user(page, stack, "inst-zjnu", "/apply/")
    item = page.locator(f'li[data-project="{project["project_id"]}"]')
    item.locator(".zjt-change-open").click()
    box = item.locator("form.zjt-change")
    picks = box.locator('input[name="keep_instructor"]')
    labels = box.locator(".zjt-change-instructors label.zjt-field--check").all_inner_texts()
    assert [t.split("（")[0] for t in labels] == [p["name"] for p in people]
    titled = next(p for p in people if p["title"])
    assert any(t.startswith(f"{titled['name']}（{titled['title']}") for t in labels), labels
    assert picks.count() == len(people) and all(
        picks.nth(i).is_checked() for i in range(len(people))
    )
    no_horizontal_scroll(page)

    box.locator('select[name="kind"]').select_option(label="授课教师")
    picks.first.uncheck()
    box.locator('input[name="instructors"]').fill(f"新专家、{people[1]['name']}")
    box.locator('[name="what"]').fill("调整授课教师")
    box.locator('[name="why"]').fill("专家出差")
    box.get_by_role("button", name="提交变更申请").click()
    box.locator(".zjt-msg--ok").wait_for()
    assert sent[0]["kind"] == "instructors"
    assert sent[0]["instructors"] == [p["name"] for p in people[1:]] + ["新专家"]
