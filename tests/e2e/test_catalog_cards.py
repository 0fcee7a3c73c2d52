"""选课目录's cards as a teacher sees them on a 375-px phone: seats left, or 已满 with the
waitlist, how many results still have seats, her subject marked, and under 适合我 a first result
she can take (SE-4: a full class takes no selection, only its waitlist)."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import catalog
from local.demo import demo_data
from schemas.catalog import Project
from tests.e2e.conftest import as_user, no_horizontal_scroll, seats
from tests.e2e.test_teacher_slice import eligible_classes

pytestmark = pytest.mark.e2e


def seats_left(api: Any, project: Project) -> int:
    return sum(
        max(0, s["capacity"] - s["held"]) for s in (seats(api, c.class_id) for c in project.classes)
    )


def test_cards_show_seats_or_full_and_her_first_result_is_one_she_can_take_SE_4(
    stack, phone, api, new_teacher
):
    data = demo_data()
    demo_projects = {p.project_id: p for p in data.projects}

    def project(project_id: str) -> Project:
        """A card's project: a demo one, or one another e2e test published (the catalog
        holds both, e.g. the training pages' copies)."""
        found = demo_projects.get(project_id) or catalog.get(project_id)
        assert found is not None, project_id
        return found

    demo = data.demo_accounts[0]
    # A one-class project with a tiny class, filled by this test's own teachers.
    tiny = next(
        i
        for i in eligible_classes(demo.user_id, min_capacity=1)
        if i.capacity <= 3 and len(demo_projects[i.project_id].classes) == 1
    )
    s = seats(api, tiny.class_id)
    for _ in range(s["capacity"] - s["held"]):
        filler = new_teacher(like=tiny)
        r = api("POST", "/api/selections", user=filler.teacher_id, json={"class_id": tiny.class_id})
        assert r.status_code == 201, r.text

    me = new_teacher(like=tiny)
    page = phone
    as_user(page, stack, me.teacher_id)
    page.goto(stack.url + "/catalog/")
    # 适合我 is on for a teacher; the count says how many of the results still have seats.
    page.locator('.zjt-forme[aria-pressed="true"]').wait_for()
    page.locator(".zjt-count").filter(has_text="尚有名额").wait_for()
    first = page.locator(".zjt-results > li").first
    first.locator(".zjt-result__seats--open").filter(has_text="剩余").wait_for()
    pid = first.get_attribute("data-project")
    assert pid is not None
    shown = first.locator(".zjt-result__seats").inner_text()
    assert shown == f"剩余 {seats_left(api, project(pid))} 个名额"
    # The page runs: seats left in her subject (or any subject), seats left in another, full.
    cards = page.evaluate(
        """() => Array.from(document.querySelectorAll('.zjt-results > li')).map(li => [
             li.dataset.project,
             !!li.querySelector('.zjt-result__seats--open'),
             !!li.querySelector('.zjt-tag--mine')])"""
    )
    for project_id, _, marked in cards:
        subject = project(project_id).subject
        assert marked == (subject in (me.subject, "不限", "全学科")), project_id
    ranks = [(0 if open_ else 2) + (0 if marked else 1) for _, open_, marked in cards]
    assert ranks == sorted(ranks), cards
    no_horizontal_scroll(page)

    # The full project says so on its card, with its waitlist.
    page.fill("input[name=q]", tiny.project_title)
    card = page.locator(f'.zjt-results > li[data-project="{tiny.project_id}"]')
    card.locator(".zjt-result__seats--full").filter(has_text="已满").wait_for()
    waiting = seats(api, tiny.class_id)["waitlist"]
    expected = f"已满，候补 {waiting} 人" if waiting else "已满，可加入候补"
    assert card.locator(".zjt-result__seats").inner_text() == expected


def test_cards_stay_where_they_are_when_the_seat_counts_arrive(stack, phone):
    """A teacher taps a card while the seat counts load: the cards must not move under her
    finger when the counts arrive (each card's seat line keeps its height while empty)."""
    page = phone
    held: list[Any] = []

    def hold(route: Any) -> None:  # answered only once the cards are measured
        held.append(route)

    page.route("**/api/seats*", hold)
    page.goto(stack.url + "/catalog/")
    cards = page.locator(".zjt-results > li")
    cards.nth(3).wait_for()
    page.locator('.zjt-results[aria-busy="false"]').wait_for()
    for _ in range(600):  # the list asks for the counts right after it is drawn
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the catalog never asked for seat counts"
    before = [cards.nth(i).bounding_box() for i in range(4)]
    for route in held:
        route.continue_()
    page.unroute("**/api/seats*", hold)
    page.locator(".zjt-results > li .zjt-result__seats:not(:empty)").first.wait_for()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.zjt-results > li')).slice(0, 4)"
        ".every(li => li.querySelector('.zjt-result__seats').textContent !== '')"
    )
    after = [cards.nth(i).bounding_box() for i in range(4)]
    assert after == before


def test_leaving_the_search_box_does_not_redraw_the_list_under_her_tap(stack, phone):
    """Typing redraws the list (input events). When the teacher then taps a result, the search
    box loses focus and fires `change`: that redrew the same list again, in the middle of the
    tap, and the tap was lost (the teacher-slice test failed so under load, seeds 2721325869,
    3296635082 and 978613965). Leaving the box must leave the list alone."""
    page = phone
    page.goto(stack.url + "/catalog/")
    page.locator(".zjt-count").filter(has_text="个").wait_for()
    title = page.locator(".zjt-results > li h3 a").first.inner_text()
    page.fill("input[name=q]", title)  # busy from this input until its list is drawn
    page.locator('.zjt-results[aria-busy="false"] > li').first.wait_for()
    page.locator(".zjt-results > li").first.evaluate("li => { li.dataset.drawn = 'before' }")
    page.locator("input[name=q]").blur()  # fires change: the value differs from the focus's
    # A redraw would start at once: the list marked busy, then its cards replaced.
    assert page.locator(".zjt-results").get_attribute("aria-busy") == "false"
    page.locator(".zjt-results > li").first.click(trial=True)  # a tap's checks, not its action
    assert page.locator('.zjt-results > li[data-drawn="before"]').count() == 1
