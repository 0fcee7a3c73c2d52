"""Training-week rules as pure functions: rotating check-in codes (PH-TRAIN), the proposed
completion outcome and its window (QA-2), the cancellation window (SE-2), promotion after the
last review window and what each window's close does (SE-1)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from functions.selection import rules as sel_rules
from functions.training import rules
from schemas.calendar import SHANGHAI, PhaseId, term_calendar
from schemas.catalog import ClassInfo, Session, Target, TrainingClass, TrainingForm
from schemas.selection import ClosingStep
from schemas.training import Attendance, Mark, MarkEntry, Outcome

CAL = term_calendar("2024H1")
TR = CAL.training
SECRET = b"s" * 32


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def klass(timetable: tuple[Session, ...] = ()) -> TrainingClass:
    return TrainingClass(
        class_id="c1",
        name="第1期",
        start_date=date(2024, 4, 8),
        end_date=date(2024, 4, 9),
        place="金华",
        capacity=30,
        timetable=timetable,
    )


def info() -> ClassInfo:
    return ClassInfo(
        class_id="c1",
        class_name="第1期",
        project_id="p1",
        project_title="t",
        institution_id="i",
        institution_name="i",
        term="2024H1",
        kind="regular",
        target=Target(),
        start_date=date(2024, 4, 8),
        end_date=date(2024, 4, 9),
        capacity=30,
    )


def test_a_code_is_accepted_for_its_step_and_the_next_only_PH_TRAIN() -> None:
    shown = at("2024-04-08 09:00:05")
    code = rules.checkin_code(SECRET, "c1", rules.code_step(shown, 30))
    assert len(code) == 6 and code.isdigit()
    assert rules.code_accepted(SECRET, "c1", code, shown, 30)
    assert rules.code_accepted(SECRET, "c1", code, shown + timedelta(seconds=30), 30)
    assert not rules.code_accepted(SECRET, "c1", code, shown + timedelta(seconds=60), 30)
    assert not rules.code_accepted(SECRET, "c2", code, shown, 30)  # another class
    assert not rules.code_accepted(b"t" * 32, "c1", code, shown, 30)  # another secret


def test_sessions_come_from_the_timetable_or_one_per_day() -> None:
    tt = (
        Session(day=date(2024, 4, 8), start=time(8, 30), end=time(11, 30), topic="a"),
        Session(day=date(2024, 4, 8), start=time(14), end=time(17), topic="b"),
    )
    assert [(s.key, s.hours) for s in rules.sessions_of(klass(tt), TR)] == [
        ("2024-04-08T0830", 3.0),
        ("2024-04-08T1400", 3.0),
    ]
    days = rules.sessions_of(klass(), TR)
    assert [s.key for s in days] == ["2024-04-08T0000", "2024-04-09T0000"]
    assert {s.hours for s in days} == {TR.default_day_hours}


def _att(marks: dict[str, Mark], online: float | None = None) -> Attendance:
    return Attendance(
        class_id="c1",
        teacher_id="t1",
        checked_in_at=at("2024-04-08 08:00"),
        marks={k: MarkEntry(mark=m) for k, m in marks.items()},
        online_hours=online,
    )


def test_the_proposal_counts_present_and_late_hours_against_90_percent_QA_2() -> None:
    sessions = rules.sessions_of(klass(), TR)  # two days of 6 hours
    k1, k2 = (s.key for s in sessions)
    assert rules.propose(_att({k1: Mark.PRESENT, k2: Mark.LATE}), sessions, 0, TR).outcome == (
        Outcome.PASS
    )
    half = rules.propose(_att({k1: Mark.PRESENT, k2: Mark.LEAVE}), sessions, 0, TR)
    assert half.outcome == Outcome.FAIL and "不足" in half.reasons[0]
    assert half.attended_hours == 6 and half.scheduled_hours == 12
    noshow = rules.propose(None, sessions, 0, TR)
    assert noshow.outcome == Outcome.FAIL and noshow.reasons == ["未报到，未参加培训"]


def test_a_blended_project_also_needs_its_online_hours_QA_2() -> None:
    sessions = rules.sessions_of(klass(), TR)
    marks = {s.key: Mark.PRESENT for s in sessions}
    need = rules.online_hours_required(TrainingForm.BLENDED, 6, TR)
    assert need == 6 * TR.hours_per_credit
    assert rules.online_hours_required(TrainingForm.FACE_TO_FACE, 6, TR) == 0
    assert rules.propose(_att(marks, 2), sessions, need, TR).outcome == Outcome.FAIL
    assert rules.propose(_att(marks, need), sessions, need, TR).outcome == Outcome.PASS


def test_completion_is_decided_from_the_last_day_until_the_deadline_QA_2() -> None:
    opens, closes = rules.decision_window(info(), TR)
    assert opens == at("2024-04-09 00:00")
    assert closes == at("2024-04-10 00:00") + timedelta(days=TR.completion_deadline_days)


def test_cancellation_runs_from_round_1_recheck_until_round_2_opens_SE_2() -> None:
    assert not rules.cancellation_open(CAL, at("2024-03-29 23:59"))
    assert rules.cancellation_open(CAL, at("2024-03-30 10:00"))
    assert not rules.cancellation_open(CAL, CAL.window(PhaseId.R2).opens)


def test_no_promotion_after_the_last_review_window_SE_1() -> None:
    assert sel_rules.promotion_open(CAL, at("2024-04-03 23:59"))
    assert not sel_rules.promotion_open(CAL, at("2024-04-04 00:00"))


def test_what_each_review_window_close_does_SE_1() -> None:
    assert sel_rules.closing_steps(PhaseId.R1_SCHOOL) == [(ClosingStep.SCHOOL, 1)]
    assert sel_rules.closing_steps(PhaseId.R2_RECHECK)[0] == (ClosingStep.WAITLIST, 2)
    assert sel_rules.closing_steps(PhaseId.R1) == []
