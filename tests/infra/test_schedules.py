"""Schedules derived from term calendars (no synth): names, Shanghai wall time, new terms."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

from infra.schedules import boundaries, sweep_firings
from schemas.calendar import PhaseId, TermCalendar, term_calendar


def _shifted(cal: TermCalendar, term: str, days: int) -> TermCalendar:
    phases = tuple(
        w.model_copy(update={"start": w.start + timedelta(days), "end": w.end + timedelta(days)})
        for w in cal.phases
    )
    return cal.model_copy(update={"term": term, "phases": phases})


def test_exact_opening_time_is_written_as_shanghai_wall_clock() -> None:
    """An administrator's 09:00 opening (RULES.md Term calendar) fires at 09:00 Beijing time."""
    cal = term_calendar("2024H1")
    r1 = cal.window(PhaseId.R1).model_copy(update={"opens_at": time(9, 0)})
    cal = cal.model_copy(
        update={"phases": tuple(r1 if w.phase == PhaseId.R1 else w for w in cal.phases)}
    )
    (b,) = [x for x in boundaries([cal]) if x.phase == "PH-R1" and x.action == "open"]
    assert b.expression == "at(2024-03-19T09:00:00)"  # 01:00 UTC; not at(...T01:00:00)
    assert b.name == "zjt-2024H1-PH-R1-open"
    assert json.loads(json.dumps(b.payload())) == {
        "term": "2024H1",
        "phase": "PH-R1",
        "action": "open",
        "at": "2024-03-19T09:00:00+08:00",
    }


def test_next_terms_calendar_adds_its_schedules_with_unique_names() -> None:
    h1 = term_calendar("2024H1")
    h2 = _shifted(h1, "2024H2", 183)
    both = boundaries([h1, h2])
    assert len(both) == len(h1.boundaries()) + len(h2.boundaries())
    assert len({b.name for b in both}) == len(both)
    assert all(len(b.name) <= 64 for b in both)
    opens = [b for b in both if b.term == "2024H2" and b.phase == "PH-R1" and b.action == "open"]
    assert opens[0].expression == f"at({date(2024, 3, 19) + timedelta(183)}T00:00:00)"


def test_completion_deadlines_are_swept_daily_through_the_last_deadline() -> None:
    """QA-2: a daily cron from the first day a class can be past its deadline to the last."""
    cal = term_calendar("2024H1")
    (w,) = sweep_firings([cal])
    assert w.name == "zjt-2024H1-settle-completions" and w.expression == "cron(5 0 * * ? *)"
    assert (w.first, w.last) == (cal.completion_sweeps()[0], cal.completion_sweeps()[-1])
    assert w.payload() == {
        "term": "2024H1",
        "phase": "PH-TRAIN",
        "action": "settle",
        "at": "<aws.scheduler.scheduled-time>",
    }
