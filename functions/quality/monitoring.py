"""Spot checks and quality monitoring (QA-1): the provincial training centre and the
省教师教育质量监控中心 (the monitor role, province-wide) record what they checked in a class, what
they found, a rating and whether the institution must follow up; the institution sees and
answers the findings about its classes; the monitor confirms the follow-up. Records are kept
per institution and project, exported as xlsx, and shown on the review page of the
institution's next applications with its past evaluation ratings."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from functions.common import notices, records, scope, xlsx
from functions.common.auth import require
from functions.common.errors import Forbidden, NotFound, ValidationFailed
from functions.common.settings import settings
from functions.quality import rules, store
from functions.quality.evaluation import result_of
from schemas.calendar import SHANGHAI
from schemas.catalog import ClassInfo
from schemas.people import Role, User
from schemas.quality import (
    CHECK_ITEMS,
    CHECK_STATUS_NAMES,
    QUESTIONS,
    RATING_NAMES,
    AnswerRequest,
    CheckRequest,
    CheckStatus,
    CheckView,
    ClassChoice,
    CloseRequest,
    InstitutionQuality,
    QualityCheck,
    QuestionResult,
)
from schemas.regions import region_tree

RECORDERS = (Role.CENTRE, Role.MONITOR)
# Who reads every record: the recorders and the province bureau.
PROVINCE_READERS = (*RECORDERS, Role.PROVINCE_BUREAU)


def view(c: QualityCheck) -> CheckView:
    return CheckView(
        **c.model_dump(),
        rating_text=RATING_NAMES[c.rating],
        status_text=CHECK_STATUS_NAMES[c.status],
    )


def _label(c: QualityCheck) -> str:
    return f"《{c.project_title}》{c.class_name}"


def record(user: User, req: CheckRequest, now: datetime) -> CheckView:
    """QA-1: a spot check or monitoring visit of a class, recorded by the centre or the monitor;
    a finding that needs follow-up is sent to the institution in the same write."""
    require(user, *RECORDERS)
    doc = records.get_class_doc(req.class_id)
    if doc is None:
        raise NotFound("该班期不存在")
    info = ClassInfo.model_validate_json(doc)
    if req.checked_on > now.astimezone(SHANGHAI).date():
        raise ValidationFailed("检查日期不能晚于今天")
    unknown = [i for i in req.items if i not in CHECK_ITEMS]
    if unknown:
        raise ValidationFailed(f"检查内容不在可选范围内：{'、'.join(unknown)}")
    c = QualityCheck(
        check_id=f"{now.astimezone(SHANGHAI):%Y%m%d%H%M%S}-{secrets.token_hex(4)}",
        term=info.term,
        institution_id=info.institution_id,
        institution_name=info.institution_name,
        project_id=info.project_id,
        project_title=info.project_title,
        class_id=info.class_id,
        class_name=info.class_name,
        bureau_region=info.bureau_region or scope.PROVINCE,
        checked_on=req.checked_on,
        method=req.method.strip() or "现场检查",
        items=tuple(req.items),
        findings=req.findings.strip(),
        rating=req.rating,
        follow_up=req.follow_up,
        follow_up_by=req.follow_up_by,
        recorded_by=user.user_id,
        recorded_by_name=user.name,
        recorded_role=user.role.value,
        recorded_at=now,
        status=rules.status_after_record(req.follow_up),
    )
    messages = []
    if c.follow_up:
        messages.append(
            notices.quality_finding(
                c.institution_id, c.check_id, _label(c), c.findings, user.name, now
            )
        )
    store.put_check(c, None, messages)
    return view(c)


def _get(institution_id: str, check_id: str) -> QualityCheck:
    c = store.get_check(institution_id, check_id)
    if c is None:
        raise NotFound("记录不存在")
    return c


def answer(
    user: User, institution_id: str, check_id: str, req: AnswerRequest, now: datetime
) -> CheckView:
    """QA-1: the institution answers a finding about its class (整改情况)."""
    require(user, Role.INSTITUTION)
    if user.institution_id != institution_id:
        raise NotFound("记录不存在")
    c = _get(institution_id, check_id)
    rules.check_may_answer(c.status)
    new = c.model_copy(
        update={
            "status": CheckStatus.ANSWERED,
            "answer": req.answer.strip(),
            "answered_at": now,
            "answered_by_name": user.name,
            "version": c.version + 1,
        }
    )
    msg = notices.quality_answered(c.recorded_by, c.check_id, _label(c), c.institution_name, now)
    store.put_check(new, c.version, [msg])
    return view(new)


def close(
    user: User, institution_id: str, check_id: str, req: CloseRequest, now: datetime
) -> CheckView:
    """QA-1: the centre or the monitor confirms an answered finding's follow-up."""
    require(user, *RECORDERS)
    c = _get(institution_id, check_id)
    rules.check_may_close(c.status)
    new = c.model_copy(
        update={
            "status": CheckStatus.CLOSED,
            "closed_at": now,
            "closed_by_name": user.name,
            "close_note": req.note.strip(),
            "version": c.version + 1,
        }
    )
    store.put_check(new, c.version)
    return view(new)


def _reads(user: User, c: QualityCheck) -> bool:
    if user.role in PROVINCE_READERS:
        return True
    if user.role == Role.INSTITUTION:
        return c.institution_id == user.institution_id
    if user.role in scope.BUREAUS:
        return bool(user.region_code) and region_tree().within(
            c.bureau_region or scope.PROVINCE, user.region_code or ""
        )
    return False


def list_checks(user: User, institution_id: str | None = None) -> list[CheckView]:
    """The records the caller reads: an institution its own (all terms), the recorders and the
    province bureau the term's (or one institution's), a bureau those of its projects."""
    if user.role == Role.INSTITUTION:
        found = store.checks_of_institution(user.institution_id or "")
    elif user.role in (*PROVINCE_READERS, *scope.BUREAUS):
        found = (
            store.checks_of_institution(institution_id)
            if institution_id
            else store.checks_of_term(settings().term)
        )
    else:
        raise Forbidden()
    out = [view(c) for c in found if _reads(user, c)]
    return sorted(out, key=lambda c: (c.checked_on, c.recorded_at), reverse=True)


def checks_xlsx(user: User, institution_id: str | None = None) -> tuple[str, bytes]:
    rows = list_checks(user, institution_id)
    data = _one_sheet(
        "质量监控记录",
        (
            "检查日期",
            "培训机构",
            "项目",
            "班期",
            "方式",
            "检查内容",
            "发现",
            "评价",
            "需整改",
            "状态",
            "机构答复",
            "记录人",
        ),
        (
            (
                c.checked_on.isoformat(),
                c.institution_name,
                c.project_title,
                c.class_name,
                c.method,
                "、".join(c.items),
                c.findings,
                c.rating_text,
                "是" if c.follow_up else "否",
                c.status_text,
                c.answer,
                c.recorded_by_name,
            )
            for c in rows
        ),
    )
    who = rows[0].institution_name if institution_id and rows else "全部"
    return f"质量监控记录（{who}）.xlsx", data


# --- the review page: an institution's record -------------------------------------------------


def institution_quality(user: User, institution_id: str) -> InstitutionQuality:
    """What a reviewing bureau (and the centre, the monitor) sees of an institution: its past
    classes' ratings, only those with enough answers, weighted by answers, and its QA-1
    records with those still awaiting follow-up counted."""
    require(user, *PROVINCE_READERS, *scope.BUREAUS)
    summaries = store.summaries_of_institution(institution_id)
    rated = [result_of(s) for s in summaries]
    shown = [r for r in rated if r.shown]
    answers = sum(r.answers for r in shown)
    questions = []
    if answers:
        for key, name in QUESTIONS.items():
            total = sum(
                next(q.average for q in r.questions if q.key == key) * r.answers for r in shown
            )
            dist = [
                sum(next(q.distribution for q in r.questions if q.key == key)[i] for r in shown)
                for i in range(5)
            ]
            questions.append(
                QuestionResult(
                    key=key, name=name, average=round(total / answers, 2), distribution=dist
                )
            )
    # The records themselves as list_checks shows them: a bureau sees those of its region's
    # classes (the ratings are aggregates of at least five answers, readable by any reviewer).
    checks = [view(c) for c in store.checks_of_institution(institution_id) if _reads(user, c)]
    checks.sort(key=lambda c: (c.checked_on, c.recorded_at), reverse=True)
    name = store.institution_name(institution_id)
    if not name:
        raise NotFound("培训机构不存在")
    overall = next((q.average for q in questions if q.key == "overall"), None)
    return InstitutionQuality(
        institution_id=institution_id,
        institution_name=name,
        rated_classes=len(shown),
        answers=answers,
        average=overall,
        questions=questions,
        classes=sorted(shown, key=lambda r: (r.term, r.end_date or r.term), reverse=True),
        checks=checks,
        open_checks=sum(1 for c in checks if c.status == CheckStatus.OPEN),
    )


def quality_for_project(user: User, project_id: str) -> InstitutionQuality:
    """The review page's panel of one application: its institution's past ratings and QA-1
    records (the application names the institution)."""
    from functions.projects import rules as projects_rules
    from functions.projects import service as projects_service
    from functions.projects import store as projects_store

    require(user, *PROVINCE_READERS, *scope.BUREAUS)
    rec = projects_store.get_record(project_id)
    if user.role not in PROVINCE_READERS:
        # PH-REVIEW: the panel belongs to the application's reviewing bureau, as the review does.
        inst = projects_service.institution_profile(rec.institution_id)
        if not projects_rules.bureau_may_review(user, inst):
            raise Forbidden("该项目不由你审核")
    return institution_quality(user, rec.institution_id)


def classes(user: User, text: str) -> list[ClassChoice]:
    """Published classes this term matching `text` (project, institution or class), for the
    recorders' form; at most 50."""
    from functions.common import catalog

    require(user, *RECORDERS)
    words = text.strip()
    out = []
    for p in catalog.published_projects(settings().term):
        for k in p.classes:
            hay = f"{p.title}{p.institution_name}{k.name}"
            if words and words not in hay:
                continue
            out.append(
                ClassChoice(
                    class_id=k.class_id,
                    class_name=k.name,
                    project_title=p.title,
                    institution_name=p.institution_name,
                    start_date=k.start_date,
                    end_date=k.end_date,
                )
            )
    out.sort(key=lambda c: (c.start_date, c.project_title))
    return out[:50]


def _one_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One worksheet with a bold header row, written by functions/common/xlsx."""
    return xlsx.workbook([xlsx.Sheet(title, rows, header=header)])
