"""The teacher's selection messages (站内信, SE-1 … SE-4, CH-3) all lead to 我的选课, to the
teacher they are about, and only those that need the teacher to act are critical."""

from __future__ import annotations

from datetime import date, datetime

from functions.common import notices
from schemas.calendar import SHANGHAI
from schemas.notify import Message
from schemas.selection import Selection, SelectionStatus
from tests.unit.test_training_rules import info

AT = datetime(2024, 3, 20, 10, tzinfo=SHANGHAI)


def _selection() -> Selection:
    klass = info()
    return Selection(
        **klass.naming(Selection),
        term=klass.term,
        teacher_id="t1",
        school_id="s1",
        region_code="330106",
        round=1,
        status=SelectionStatus.CONFIRMED,
        created_at=AT,
        updated_at=AT,
    )


def test_selection_messages_lead_the_teacher_to_my_selections_SE_1() -> None:
    klass, sel = info(), _selection()
    critical: list[Message] = [
        notices.selection_rejected("t1", klass, "名额不足", AT, by_school=True),
        notices.selection_rejected("t1", klass, "名额不足", AT, by_school=False),
        notices.promoted("t1", klass, 1, AT),
        notices.waitlist_dropped("t1", klass, 2, "日期冲突", AT),
        notices.class_cancelled(sel, "人数不足", AT),
        notices.dates_clash(sel, date(2024, 4, 10), date(2024, 4, 11), "《其他》第2期", AT),
    ]
    told = [
        notices.selection_confirmed("t1", klass, AT),
        notices.waitlist_closed("t1", klass.class_id, "《t》第1期", "名额已满", AT),
    ]
    for m in critical + told:
        assert (m.party, m.link, m.link_text) == ("T:t1", "my/", "查看我的选课"), m.kind
    assert [m.critical for m in critical + told] == [True] * len(critical) + [False] * len(told)
    assert told[0].title == "选课已确认：《t》第1期"
    assert told[0].body == (
        "你选的《t》第1期已通过学校审核和培训机构复核，选课已确认。\n"
        "培训时间：4月8日（周一）至4月9日（周二），请按时参加。"
    )
