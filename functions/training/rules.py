"""Training-week rules as pure functions (PH-TRAIN, QA-2, SE-2): rotating check-in codes, the
class's sessions, the proposed completion outcome, and who may decide or correct it when."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, time, timedelta

from functions.common.errors import OutsideWindow
from schemas.calendar import SHANGHAI, PhaseId, TermCalendar, TrainingRules
from schemas.catalog import ClassInfo, TrainingClass, TrainingForm
from schemas.training import ATTENDED, Attendance, Outcome, Proposal, SessionSlot

CODE_DIGITS = 6


def code_step(at: datetime, step_seconds: int) -> int:
    """The number of the rotating code's time step containing `at` (like TOTP)."""
    return int(at.timestamp()) // step_seconds


def checkin_code(secret: bytes, class_id: str, step: int) -> str:
    """PH-TRAIN: the check-in code of `class_id` for time step `step`: an HMAC of the class and
    the step under the class's secret, truncated to 6 digits as HOTP does (RFC 4226)."""
    digest = hmac.new(secret, f"{class_id}:{step}".encode(), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def code_accepted(secret: bytes, class_id: str, code: str, at: datetime, step_seconds: int) -> bool:
    """PH-TRAIN: a code shown now or one step ago is accepted, so a photo sent to an absent
    colleague stops working within two steps (a minute at 30 s)."""
    now = code_step(at, step_seconds)
    return any(hmac.compare_digest(checkin_code(secret, class_id, s), code) for s in (now, now - 1))


def on_class_day(info: ClassInfo, at: datetime) -> bool:
    """PH-TRAIN: check-in happens on one of the class's days (Asia/Shanghai)."""
    return at.astimezone(SHANGHAI).date() in info.days()


def sessions_of(klass: TrainingClass, rules: TrainingRules) -> list[SessionSlot]:
    """The class's timetable sessions, the unit of attendance; a class without a timetable
    counts each of its days as one session of `default_day_hours`."""
    if klass.timetable:
        out = []
        for s in sorted(klass.timetable, key=lambda s: (s.day, s.start)):
            seconds = (datetime.combine(s.day, s.end) - datetime.combine(s.day, s.start)).seconds
            out.append(
                SessionSlot(
                    key=f"{s.day.isoformat()}T{s.start:%H%M}",
                    day=s.day,
                    start=s.start,
                    end=s.end,
                    topic=s.topic,
                    hours=round(seconds / 3600, 2),
                )
            )
        return out
    return [
        SessionSlot(
            key=f"{d.isoformat()}T{time(0):%H%M}",
            day=d,
            topic="全天",
            hours=rules.default_day_hours,
        )
        for d in klass.days()
    ]


def online_hours_required(form: TrainingForm, credits_online: int, rules: TrainingRules) -> float:
    """A blended project's online part: its online credits at `hours_per_credit` hours each."""
    if form != TrainingForm.BLENDED:
        return 0.0
    return round(credits_online * rules.hours_per_credit, 2)


def propose(
    att: Attendance | None,
    sessions: list[SessionSlot],
    online_required: float,
    rules: TrainingRules,
) -> Proposal:
    """QA-2: the outcome the term data's rule proposes: attended (present or late) hours at
    least `pass_attendance_percent` of the scheduled hours, and a blended project's online
    hours done. A teacher never checked in and never marked is a no-show."""
    scheduled = round(sum(s.hours for s in sessions), 2)
    marks = att.marks if att else {}
    attended = round(
        sum(s.hours for s in sessions if s.key in marks and marks[s.key].mark in ATTENDED), 2
    )
    online = att.online_hours if att else None
    reasons: list[str] = []
    if att is None or (att.checked_in_at is None and not marks):
        reasons.append("未报到，未参加培训")
    elif scheduled and attended * 100 < scheduled * rules.pass_attendance_percent:
        reasons.append(
            f"出勤 {attended:g} 学时，不足计划 {scheduled:g} 学时的 {rules.pass_attendance_percent}%"
        )
    if online_required and (online or 0) < online_required:
        reasons.append(f"线上学习 {online or 0:g} 学时，未达到要求的 {online_required:g} 学时")
    return Proposal(
        outcome=Outcome.FAIL if reasons else Outcome.PASS,
        attended_hours=attended,
        scheduled_hours=scheduled,
        online_hours=online,
        online_required=online_required,
        reasons=reasons,
    )


def decision_window(info: ClassInfo, rules: TrainingRules) -> tuple[datetime, datetime]:
    """QA-2: completion is decided from the class's last day (the closing session) until
    `completion_deadline_days` after it, inclusive: [opens, closes)."""
    opens = datetime.combine(info.end_date, time(0), tzinfo=SHANGHAI)
    closes = opens + timedelta(days=rules.completion_deadline_days + 1)
    return opens, closes


def check_institution_decides(info: ClassInfo, rules: TrainingRules, at: datetime) -> None:
    """QA-2: the institution decides and corrects within the window; after it only the
    responsible bureau corrects. Raises OutsideWindow."""
    opens, closes = decision_window(info, rules)
    if at < opens:
        raise OutsideWindow(f"结业认定须在班期最后一天（{info.end_date:%m月%d日}）及之后进行")
    if at >= closes:
        last = (closes - timedelta(days=1)).date()
        raise OutsideWindow(f"结业认定已于{last:%m月%d日}截止，如需更正请联系负责的教育局")


def check_bureau_corrects(info: ClassInfo, rules: TrainingRules, at: datetime) -> None:
    """QA-2: the responsible bureau decides or corrects after the class's last day (after the
    deadline it is the only one who may)."""
    opens, _ = decision_window(info, rules)
    if at < opens:
        raise OutsideWindow(f"结业认定须在班期最后一天（{info.end_date:%m月%d日}）及之后进行")


def marking_open(info: ClassInfo, rules: TrainingRules, at: datetime) -> bool:
    """Attendance is recorded from the first day until the completion deadline."""
    _, closes = decision_window(info, rules)
    return datetime.combine(info.start_date, time(0), tzinfo=SHANGHAI) <= at < closes


def cancellation_open(calendar: TermCalendar, at: datetime) -> bool:
    """取消办班 (SE-2): from round 1's recheck until round 2 opens, so the teachers of a cancelled
    class can select again in round 2."""
    return calendar.window(PhaseId.R1_RECHECK).opens <= at < calendar.window(PhaseId.R2).opens


def min_size(info: ClassInfo, rules: TrainingRules) -> int:
    """The class's minimum (project data), else the term file's."""
    return info.min_size or rules.min_class_size
