"""项目申报's step buttons on a phone: a tap on each, after the thumb scrolled back up the long
form to reach them, opens its step."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import as_user

pytestmark = pytest.mark.e2e

# Which step button, if any, is the topmost element at the centre of step button i.
_HIT = """(i) => {
  const b = document.querySelector(`.zjt-wizard__go[data-step="${i}"]`);
  const r = b.getBoundingClientRect();
  const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  const go = at && at.closest('.zjt-wizard__go');
  return go ? go.getAttribute('data-step') : (at ? at.tagName + '.' + at.className : null);
}"""


def _scroll_up_to_the_steps(page: Any) -> None:
    """Scroll down past the step buttons, then up until they show below the header, as a thumb
    does; the theme shows its 回到页面顶部 button on an upward scroll. Waits until that button is
    shown and still, so what it covers is what a tap would meet."""
    frame = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))"
    page.evaluate(
        "() => scrollBy(0, document.querySelector('.zjt-wizard').getBoundingClientRect().top - 40)"
    )
    page.wait_for_function(frame)
    page.evaluate("() => scrollBy(0, -60)")
    page.wait_for_function(
        "() => { const t = document.querySelector('.md-top');"
        " return !t.hidden && t.getAnimations().length === 0; }"
    )


def test_a_tap_on_each_step_button_after_scrolling_up_opens_its_step(stack, phone):
    page = phone
    as_user(page, stack, "inst-zjnu", "/apply/")
    page.wait_for_function(
        "() => !Array.from(document.querySelectorAll('.zjt-msg'))"
        ".some(m => m.textContent.indexOf('正在加载') >= 0)"
    )
    page.click(".zjt-new")
    page.fill('[name="title"]', "分步按钮测试草稿")
    for i in (1, 2, 3, 4, 0):
        _scroll_up_to_the_steps(page)
        hit = page.evaluate(_HIT, i)
        assert hit == str(i), f"step button {i + 1}, reached by scrolling up, lies under {hit}"
        # A touch at the button's centre, where a finger lands: no retry if something covers it.
        box = page.locator(f'.zjt-wizard__go[data-step="{i}"]').bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.locator(f'.zjt-wizard__go[data-step="{i}"][aria-current="step"]').wait_for()
        page.locator(f'.zjt-wizard__step[data-step="{i}"]').wait_for()
