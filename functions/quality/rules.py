"""Quality rules as pure functions (issue 14): who may evaluate a class and when, when results may
be shown, what the figures are; the QA-1 record's states."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from functions.common.errors import Conflict, OutsideWindow
from schemas.calendar import SHANGHAI
from schemas.credits import EvaluationRules
from schemas.quality import QUESTIONS, SCALE, CheckStatus, QuestionResult
from schemas.training import ATTENDED, Attendance


def attended(att: Attendance | None) -> bool:
    """A teacher attended a class: checked in, or marked present or late at a session."""
    if att is None:
        return False
    return att.checked_in_at is not None or any(m.mark in ATTENDED for m in att.marks.values())


def evaluation_closes(end: date, rules: EvaluationRules) -> date:
    """The last day a class may be evaluated."""
    return end + timedelta(days=rules.open_days)


def check_evaluation_open(start: date, end: date, rules: EvaluationRules, at: datetime) -> None:
    """满意度测评 opens on the class's last day (after its closing session) and stays open
    `open_days` days. Raises OutsideWindow."""
    today = at.astimezone(SHANGHAI).date()
    if today < end:
        raise OutsideWindow(f"班期结束（{end.month}月{end.day}日）后才能评价")
    last = evaluation_closes(end, rules)
    if today > last:
        raise OutsideWindow(f"评价已于{last.month}月{last.day}日截止")


def shown(answers: int, rules: EvaluationRules) -> bool:
    """Results are shown only from `min_answers` answers: fewer would identify who said what."""
    return answers >= rules.min_answers


def question_results(summary: Mapping[str, Any]) -> list[QuestionResult]:
    """Averages and distributions from a class's summary counters (`n`, `sum_<q>`, `h_<q>_<k>`),
    or from several classes' counters added together."""
    n = int(summary.get("n", 0))
    out = []
    for key, name in QUESTIONS.items():
        total = int(summary.get(f"sum_{key}", 0))
        out.append(
            QuestionResult(
                key=key,
                name=name,
                average=round(total / n, 2) if n else 0.0,
                distribution=[int(summary.get(f"h_{key}_{k}", 0)) for k in SCALE],
            )
        )
    return out


# --- QA-1 ----------------------------------------------------------------------------------------


def status_after_record(follow_up: bool) -> CheckStatus:
    """QA-1: a finding that needs follow-up waits for the institution's answer."""
    return CheckStatus.OPEN if follow_up else CheckStatus.RECORDED


def check_may_answer(status: CheckStatus) -> None:
    """The institution answers a finding that asks for follow-up (again, until it is closed)."""
    if status not in (CheckStatus.OPEN, CheckStatus.ANSWERED):
        raise Conflict("该记录不需要答复或已确认整改")


def check_may_close(status: CheckStatus) -> None:
    """The monitor closes a finding once the institution has answered it."""
    if status != CheckStatus.ANSWERED:
        raise Conflict("培训机构答复后才能确认整改")
