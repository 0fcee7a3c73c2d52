"""PH-1 use cases: a teacher sees her own record and, while the records are updated before
selection opens, asks her school to correct it; the school's principal or admin approves (the
record changes in the same transaction) or refuses with a reason. Kept apart from the records
service, which is already large."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from functions.common import scope
from functions.common.errors import (
    CorrectionDecided,
    Forbidden,
    NotFound,
    OutsideWindow,
    ReasonRequired,
    ValidationFailed,
)
from functions.common.settings import settings
from functions.records import rules, store
from functions.records.service import teacher_view
from schemas.calendar import term_calendar
from schemas.org import School
from schemas.people import Role, Teacher, User
from schemas.records import (
    CORRECTABLE,
    CORRECTION_STATUS_NAMES,
    STAGES,
    TITLES,
    Correction,
    CorrectionChoices,
    CorrectionDecision,
    CorrectionItem,
    CorrectionRequest,
    CorrectionStatus,
    CorrectionView,
    MyRecord,
    RecordsWindow,
    SchoolChoice,
    SchoolCorrections,
)
from schemas.regions import region_tree


def _window_view(now: datetime) -> RecordsWindow:
    cal = term_calendar(settings().term)
    w = cal.records_update
    problem = rules.records_window_problem(cal, now)
    return RecordsWindow(
        name=w.name if w else "",
        opens=w.opens if w else None,
        closes=w.closes if w else None,
        open=problem is None,
        message=problem or "",
    )


def correction_view(c: Correction, schools: dict[str, School] | None = None) -> CorrectionView:
    """A request with Chinese labels, and school names instead of ids."""
    names = {sid: s.name for sid, s in (schools or {}).items()}

    def shown(field: str, value: str) -> str:
        if field == "school_id":
            return names.get(value, value)
        return value or "（空）"

    return CorrectionView(
        **dict(c),
        status_text=CORRECTION_STATUS_NAMES[c.status],
        items=[
            CorrectionItem(
                field=f,
                label=CORRECTABLE[f],
                before=shown(f, c.before.get(f, "")),
                after=shown(f, v),
            )
            for f, v in c.changes.items()
        ],
    )


def _schools_of(corrections: Sequence[Correction]) -> dict[str, School]:
    ids = {c.school_id for c in corrections}
    ids |= {c.changes["school_id"] for c in corrections if "school_id" in c.changes}
    ids |= {c.before["school_id"] for c in corrections if "school_id" in c.before}
    return store.schools(ids)


def my_record(user: User, now: datetime) -> MyRecord:
    """GET /api/records/me: the teacher's own record, the PH-1 window, her requests this term
    and the choices a correction offers (the schools of her county, stages, titles)."""
    t = _own_teacher(user)
    school = store.get_school(t.school_id)
    term = settings().term
    mine = sorted(store.corrections_of_teacher(t.teacher_id, term), key=lambda c: c.request_id)
    schools = _schools_of(mine)
    county = school.region_code if school else t.region_code
    return MyRecord(
        teacher=teacher_view(user, t, school),
        region_name=region_tree().full_name(t.region_code)
        if t.region_code in region_tree().regions
        else "",
        window=_window_view(now),
        requests=[correction_view(c, schools) for c in reversed(mine)],
        open_request=next(
            (c.request_id for c in mine if c.status == CorrectionStatus.PENDING), None
        ),
        choices=CorrectionChoices(
            stages=list(STAGES),
            titles=[x for x in TITLES if x],
            schools=[
                SchoolChoice(school_id=s.school_id, name=s.name)
                for s in store.schools_in_county(county)
            ],
        ),
        labels=CORRECTABLE,
    )


def _own_teacher(user: User) -> Teacher:
    if user.role != Role.TEACHER or not user.teacher_id:
        raise Forbidden("只有教师本人可以查看和更正自己的信息")
    t = store.get_teacher(user.teacher_id)
    if t is None:
        raise NotFound("未找到你的教师信息，请联系学校管理员")
    return t


def request_correction(user: User, req: CorrectionRequest, now: datetime) -> CorrectionView:
    """PH-1: a teacher asks her school to correct her record, inside the records window; one
    pending request at a time (the guard in the write refuses a second)."""
    t = _own_teacher(user)
    problem = rules.records_window_problem(term_calendar(settings().term), now)
    if problem:
        raise OutsideWindow(problem)
    changes = rules.correction_changes(t, req.asked())
    if not changes:
        raise ValidationFailed("填写的内容与现有信息相同，无需更正")
    if "school_id" in changes:
        new_school = store.get_school(changes["school_id"])
        if new_school is None:
            raise ValidationFailed("所选学校不存在", field="school_id")
    c = Correction(
        request_id=f"{now.astimezone(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
        term=settings().term,
        teacher_id=t.teacher_id,
        teacher_name=t.name,
        school_id=t.school_id,
        changes=changes,
        before={f: str(getattr(t, f)) for f in changes},
        note=req.note,
        created_at=now,
    )
    store.create_correction(c)
    return correction_view(c, _schools_of([c]))


def school_corrections(user: User, status: str | None, now: datetime) -> SchoolCorrections:
    """GET /api/records/corrections: the requests of the caller's school (PH-1)."""
    if user.role not in scope.SCHOOL_STAFF or not user.school_id:
        raise Forbidden("只有校长或学校管理员可以处理教师信息更正")
    rows = store.corrections_of_school(user.school_id, status)
    schools = _schools_of(rows)
    return SchoolCorrections(
        window=_window_view(now), requests=[correction_view(c, schools) for c in rows]
    )


def decide_correction(
    user: User, teacher_id: str, request_id: str, req: CorrectionDecision, now: datetime
) -> CorrectionView:
    """PH-1: the teacher's school approves (the record changes in the same transaction, in the
    window only) or refuses with a reason (any time, so nothing stays pending forever)."""
    term = settings().term
    c = store.get_correction(teacher_id, term, request_id)
    if c is None or not rules.may_decide_correction(user, c.school_id):
        raise NotFound("未找到该更正申请")
    if c.status != CorrectionStatus.PENDING:
        raise CorrectionDecided()
    reason = req.reason.strip()
    if not req.approve and len(reason) < 2:
        raise ReasonRequired("不通过时须填写原因，教师会看到")
    new_teacher: Teacher | None = None
    found = store.teacher_doc(teacher_id)
    if found is None:
        raise NotFound("教师记录不存在")
    old, old_doc = found
    if req.approve:
        problem = rules.records_window_problem(term_calendar(term), now)
        if problem:
            raise OutsideWindow(problem)
        if old.school_id != c.school_id:
            raise CorrectionDecided("该教师已不在本校，无法更正")
        school = store.get_school(c.changes["school_id"]) if "school_id" in c.changes else None
        new_teacher = rules.corrected_teacher(old, c.changes, school)
    decided = c.model_copy(
        update={
            "status": CorrectionStatus.APPROVED if req.approve else CorrectionStatus.REFUSED,
            "decided_at": now,
            "decided_by": user.user_id,
            "decided_by_name": user.name,
            "reason": reason,
        }
    )
    store.decide_correction(decided, new_teacher, old_doc)
    return correction_view(decided, _schools_of([decided]))
