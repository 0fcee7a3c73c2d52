"""满意度测评 (issue 14): after a class ends, each teacher who attended evaluates it once
(overall, content, instructors, organisation, 1–5, and a comment), anonymously: the answer is
stored apart from the marker of who answered. The institution and the responsible bureau (and
the centre and the quality monitor, province-wide) see averages, distributions and comments only
from `min_answers` answers on; the review page shows an institution's past ratings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from functions.common import catalog, records, scope
from functions.common.auth import require
from functions.common.errors import Forbidden, NotFound
from functions.common.settings import settings
from functions.quality import rules, store
from functions.selection import store as sel_store
from functions.training import store as training_store
from schemas.calendar import SHANGHAI
from schemas.catalog import ClassInfo, Project
from schemas.credits import credits_config
from schemas.people import Role, User
from schemas.quality import EvaluationOpen, EvaluationRequest, EvaluationResult
from schemas.regions import region_tree
from schemas.selection import SelectionStatus

PROVINCE_READERS = (Role.CENTRE, Role.MONITOR, Role.PROVINCE_BUREAU)


def _info(class_id: str) -> ClassInfo:
    doc = records.get_class_doc(class_id)
    if doc is None:
        raise NotFound("该班期不存在")
    return ClassInfo.model_validate_json(doc)


def open_for(user: User, now: datetime) -> list[EvaluationOpen]:
    """The teacher's classes this term that she attended and that have ended: open to evaluate,
    evaluated, or closed."""
    require(user, Role.TEACHER)
    tid = user.teacher_id or ""
    ev = credits_config().evaluation
    today = now.astimezone(SHANGHAI).date()
    confirmed = [
        s
        for s in sel_store.list_for_teacher(tid, settings().term)
        if s.status == SelectionStatus.CONFIRMED
    ]
    done = store.evaluated_of(tid, [s.class_id for s in confirmed]) if confirmed else set()
    out = []
    for s in confirmed:
        try:
            info = _info(s.class_id)
        except NotFound:
            continue
        if info.cancelled or today < info.end_date:
            continue
        if not rules.attended(training_store.get_attendance(s.class_id, tid)):
            continue
        closes = rules.evaluation_closes(info.end_date, ev)
        is_done = s.class_id in done
        out.append(
            EvaluationOpen(
                class_id=info.class_id,
                class_name=info.class_name,
                project_title=info.project_title,
                institution_name=info.institution_name,
                start_date=info.start_date,
                end_date=info.end_date,
                closes=closes,
                done=is_done,
                open=not is_done and today <= closes,
                note="已评价，感谢你的反馈"
                if is_done
                else ("" if today <= closes else "评价已截止"),
            )
        )
    return sorted(out, key=lambda e: (not e.open, e.end_date))


def evaluate(user: User, req: EvaluationRequest, now: datetime) -> EvaluationOpen:
    """满意度测评: once per teacher who attended, from the class's last day for `open_days`
    days. The write itself refuses a second answer and a teacher without attendance."""
    require(user, Role.TEACHER)
    tid = user.teacher_id or ""
    info = _info(req.class_id)
    if info.cancelled:
        raise NotFound("该班期已取消")
    ev = credits_config().evaluation
    rules.check_evaluation_open(info.start_date, info.end_date, ev, now)
    if not rules.attended(training_store.get_attendance(info.class_id, tid)):
        raise Forbidden("你没有参加该班期的培训，不能评价")
    store.evaluate(tid, info, req)
    return EvaluationOpen(
        class_id=info.class_id,
        class_name=info.class_name,
        project_title=info.project_title,
        institution_name=info.institution_name,
        start_date=info.start_date,
        end_date=info.end_date,
        closes=rules.evaluation_closes(info.end_date, ev),
        done=True,
        open=False,
        note="已评价，感谢你的反馈",
    )


# --- results ---------------------------------------------------------------------------------


def result_of(summary: dict[str, Any], with_comments: bool = False) -> EvaluationResult:
    """A class's result from its summary item: figures only from `min_answers` answers on."""
    ev = credits_config().evaluation
    n = int(summary.get("n", 0))
    show = rules.shown(n, ev)
    end = summary.get("end_date")
    return EvaluationResult(
        class_id=str(summary["class_id"]),
        class_name=str(summary.get("class_name", "")),
        project_id=str(summary.get("project_id", "")),
        project_title=str(summary.get("project_title", "")),
        institution_id=str(summary.get("institution_id", "")),
        institution_name=str(summary.get("institution_name", "")),
        term=str(summary.get("term", "")),
        end_date=date.fromisoformat(str(end)) if end else None,
        answers=n,
        shown=show,
        min_answers=ev.min_answers,
        questions=rules.question_results(summary) if show else [],
        comments=store.comments(str(summary["class_id"])) if show and with_comments else [],
    )


def _reads_class(user: User, info: ClassInfo) -> bool:
    if user.role == Role.INSTITUTION:
        return info.institution_id == user.institution_id
    if user.role in PROVINCE_READERS:
        return True
    if user.role in scope.BUREAUS:
        region = info.bureau_region or scope.PROVINCE
        return bool(user.region_code) and region_tree().within(region, user.region_code or "")
    return False


def _classes_read_by(user: User) -> list[ClassInfo]:
    term = settings().term
    projects: list[Project]
    if user.role == Role.INSTITUTION:
        projects = catalog.of_institution(user.institution_id or "", term)
    elif user.role in (*PROVINCE_READERS, *scope.BUREAUS):
        projects = catalog.published_projects(term)
    else:
        raise Forbidden()
    infos = [ClassInfo.of(p, k) for p in projects for k in p.classes]
    return [i for i in infos if _reads_class(user, i)]


def results(user: User) -> list[EvaluationResult]:
    """满意度测评结果: the classes this term the caller reads that have answers, figures only
    for those with enough."""
    infos = _classes_read_by(user)
    found = store.summaries([i.class_id for i in infos]) if infos else {}
    out = [result_of(s) for s in found.values()]
    return sorted(out, key=lambda r: (not r.shown, r.project_title, r.class_name))


def class_result(user: User, class_id: str) -> EvaluationResult:
    """One class's result with its comments (only when shown)."""
    require(user, Role.INSTITUTION, *PROVINCE_READERS, *scope.BUREAUS)
    info = _info(class_id)
    if not _reads_class(user, info):
        raise NotFound("该班期不存在或不由你负责")
    s = store.summary(class_id)
    if not s:
        s = {
            "class_id": class_id,
            "class_name": info.class_name,
            "project_id": info.project_id,
            "project_title": info.project_title,
            "institution_id": info.institution_id,
            "institution_name": info.institution_name,
            "term": info.term,
            "end_date": info.end_date.isoformat(),
        }
    return result_of(s, with_comments=True)
