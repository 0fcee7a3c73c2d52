"""Closing the review windows (SE-1): what the scheduled phase toggle does when PH-R1-SCHOOL,
PH-R2-SCHOOL, PH-R1-RECHECK or PH-R2-RECHECK closes.

A selection nobody reviewed in its window must not hold its seat forever: the term data
(`closing` in `data/terms/<term>.yaml`) says whether it moves on (the reason says the window
passed) or is released with the reason 「学校未在审核期内审核」 / 「机构未在复核期内复核」. When the
last recheck window closes, every waitlist entry ends 未递补 first (no window is left to review a
promoted seat, SE-1), then what is pending or unrechecked is resolved without promotion.

Exactly once, in batches, safe to retry: the first toggle creates the window's job item
(`keys.closing_job`), then classes are processed in class-id order and the cursor saved after
each batch, conditional on the cursor it started from. A repeated or retried toggle continues
the job and never starts it again; every selection change is itself conditional on the status
it moves from, so a batch done twice changes nothing the second time. A run that nears its time
limit calls `resume` (the phase function invokes itself with the same event) and returns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from functions.common import records
from functions.common.errors import DomainError
from functions.selection import rules, store
from schemas.calendar import PhaseId, TermCalendar
from schemas.catalog import ClassInfo
from schemas.selection import ClosingJob, ClosingStep, SelectionStatus

SCHOOL_LATE = "学校未在审核期内审核"
RECHECK_LATE = "机构未在复核期内复核"
WAITLIST_CLOSED = "第二轮复核结束时仍未轮到递补，候补名单已关闭"
ACTOR = "system"
BATCH = 100  # classes per saved step of the cursor (one batched read of their counters)
RESUME_MARGIN_SECONDS = 60


def close_window(
    calendar: TermCalendar,
    phase: PhaseId,
    now: datetime,
    seconds_left: Callable[[], float],
    resume: Callable[[], None],
) -> ClosingJob | None:
    """Carry out what the close of `phase` does (None: nothing to do for this phase)."""
    steps = rules.closing_steps(phase)
    if not steps:
        return None
    job = store.start_closing_job(
        ClosingJob(
            term=calendar.term,
            phase=phase.value,
            steps=[s for s, _ in steps],
            started_at=now,
        )
    )
    if job.done:
        return job
    class_ids = store.term_class_ids(calendar.term)
    job.classes, job.runs = len(class_ids), job.runs + 1
    while job.cursor < len(class_ids):
        if seconds_left() < RESUME_MARGIN_SECONDS:
            store.save_closing_job(job, expect_cursor=job.cursor)
            resume()
            return job
        before = job.cursor
        batch = class_ids[before : before + BATCH]
        # Only classes holding seats or a waitlist have anything to close (one batched read).
        busy = {v.class_id for v in store.seats(batch) if v.held or v.waitlist}
        for class_id in (c for c in batch if c in busy):
            for step, rnd in steps:
                n = _close_class(calendar, class_id, step, rnd, now)
                for k, v in n.items():
                    job.counts[k] = job.counts.get(k, 0) + v
        job.cursor = min(len(class_ids), before + BATCH)
        if not store.save_closing_job(job, expect_cursor=before):
            return store.get_closing_job(calendar.term, phase.value)  # another run is ahead
    job.done, job.finished_at = True, now
    store.save_closing_job(job, expect_cursor=job.cursor)
    return job


def _close_class(
    calendar: TermCalendar, class_id: str, step: ClosingStep, rnd: int, now: datetime
) -> dict[str, int]:
    doc = records.get_class_doc(class_id)
    if doc is None:
        return {}
    info = ClassInfo.model_validate_json(doc)
    if step == ClosingStep.WAITLIST:
        label = f"《{info.project_title}》{info.class_name}"
        ended = store.close_waitlist(class_id, WAITLIST_CLOSED, now, label)
        return {"waitlist_closed": len(ended)} if ended else {}
    rule = calendar.closing
    if step == ClosingStep.SCHOOL:
        frm = SelectionStatus.PENDING
        release = rule.unreviewed_school == "release"
        to = SelectionStatus.SCHOOL_REJECTED if release else SelectionStatus.SCHOOL_APPROVED
        reason = SCHOOL_LATE if release else f"{SCHOOL_LATE}，按规定视为同意"
        counted = "school_released" if release else "school_approved"
    else:
        frm = SelectionStatus.SCHOOL_APPROVED
        release = rule.unreviewed_recheck == "release"
        to = SelectionStatus.RECHECK_REJECTED if release else SelectionStatus.CONFIRMED
        reason = RECHECK_LATE if release else f"{RECHECK_LATE}，按规定视为确认"
        counted = "recheck_released" if release else "recheck_confirmed"
    n = 0
    promote = rules.promotion_open(calendar, now)
    for sel in store.list_for_class(class_id):
        if sel.status != frm or sel.round > rnd:
            continue
        try:
            store.decide(
                sel.teacher_id,
                sel.term,
                class_id,
                frm=frm,
                to=to,
                max_round=rnd,
                reason=reason,
                actor=ACTOR,
                at=now,
                days=info.days(),
                limit=calendar.limits.max_classes_per_teacher,
                klass=info,
                promote=promote,
            )
            n += 1
        except DomainError:
            continue  # changed meanwhile (withdrawn, reviewed at the last second): nothing to do
    return {counted: n} if n else {}
