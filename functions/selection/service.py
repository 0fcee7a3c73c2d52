"""Selection use cases: plain functions over the records and the selection store."""

from __future__ import annotations

from datetime import datetime

from functions.common import records
from functions.common.auth import require
from functions.common.errors import NotFound, ValidationFailed
from functions.common.settings import settings
from functions.selection import rules, store
from schemas.calendar import term_calendar
from schemas.catalog import ClassInfo
from schemas.people import Role, Teacher, User
from schemas.regions import region_tree
from schemas.selection import SeatsView, Selection, SelectionStatus

MAX_SEAT_QUERY = 100


def _teacher_of(user: User) -> Teacher:
    require(user, Role.TEACHER)
    teacher = records.get_teacher(user.teacher_id or "")
    if teacher is None:
        raise NotFound("未找到你的教师信息，请联系学校管理员（TD-2）")
    return teacher


def _class_info(class_id: str, term: str) -> ClassInfo:
    doc = records.get_class_doc(class_id)
    if doc is None:
        raise NotFound("该班期不存在或尚未发布")
    info = ClassInfo.model_validate_json(doc)
    if info.term != term:
        raise NotFound("该班期不属于本学期")
    return info


def select_class(user: User, class_id: str, now: datetime, request_key: str | None) -> Selection:
    """A teacher takes a seat in a class during a selection round (SE-1, SE-2, SE-4).

    The window comes from the server clock; capacity, uniqueness, the term limit and date
    clashes are enforced by the one transaction in `store.hold_seat`.
    """
    teacher = _teacher_of(user)
    term = settings().term
    calendar = term_calendar(term)
    rnd = rules.selection_round(calendar, now)
    info = _class_info(class_id, term)
    rules.check_eligible(teacher, info, region_tree())
    sel = Selection(
        term=term,
        teacher_id=teacher.teacher_id,
        class_id=info.class_id,
        project_id=info.project_id,
        project_title=info.project_title,
        class_name=info.class_name,
        institution_name=info.institution_name,
        start_date=info.start_date,
        end_date=info.end_date,
        school_id=teacher.school_id,
        region_code=teacher.region_code,
        round=rnd,
        status=SelectionStatus.PENDING,
        created_at=now,
        updated_at=now,
    )
    return store.hold_seat(sel, info.days(), calendar.limits.max_classes_per_teacher, request_key)


def withdraw_class(user: User, class_id: str, now: datetime, request_key: str | None) -> Selection:
    """A teacher withdraws (退选) while a selection round is open; the seat is freed at once."""
    teacher = _teacher_of(user)
    term = settings().term
    rules.selection_round(term_calendar(term), now)
    info = _class_info(class_id, term)
    return store.release_seat(teacher.teacher_id, term, class_id, info.days(), now, request_key)


def my_selections(user: User) -> list[Selection]:
    teacher = _teacher_of(user)
    return store.list_for_teacher(teacher.teacher_id, settings().term)


def seats_left(class_ids_csv: str) -> list[SeatsView]:
    ids = [c for c in (s.strip() for s in class_ids_csv.split(",")) if c]
    if not ids or len(ids) > MAX_SEAT_QUERY:
        raise ValidationFailed(f"class_ids 需包含 1 到 {MAX_SEAT_QUERY} 个班期编号")
    return store.seats(ids)
