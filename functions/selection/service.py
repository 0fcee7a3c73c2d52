"""Selection use cases: plain functions over the records and the selection store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from functions.common import idempotency, keys, records, xlsx
from functions.common.auth import require, still
from functions.common.errors import (
    Busy,
    ClassFull,
    DomainError,
    Forbidden,
    NotFound,
    OutsideWindow,
    ReasonRequired,
    SeatsAvailable,
    ValidationFailed,
)
from functions.common.idempotency import Idem
from functions.common.settings import settings
from functions.selection import rules, store
from schemas.calendar import PhaseId, term_calendar
from schemas.catalog import ClassInfo
from schemas.people import Role, Teacher, User
from schemas.regions import region_tree
from schemas.selection import (
    ClassSeats,
    Expansion,
    ExpansionDecisionRequest,
    ExpansionRequest,
    ExpansionState,
    InstitutionClassList,
    InstitutionRoster,
    ItemResult,
    RecheckDecision,
    RecheckRequest,
    ReviewDecision,
    ReviewRequest,
    RosterSelection,
    SchoolOverview,
    SchoolTeacherRow,
    SeatsView,
    Selection,
    SelectionRef,
    SelectionStatus,
    SelectionView,
    WaitlistPlace,
)

MAX_SEAT_QUERY = 100


def _teacher_of(user: User) -> Teacher:
    require(user, Role.TEACHER)
    teacher = records.get_teacher(user.teacher_id or "")
    if teacher is None:
        raise NotFound("未找到你的教师信息，请联系学校管理员")
    return teacher


def _class_info(class_id: str, term: str) -> ClassInfo:
    doc = records.get_class_doc(class_id)
    if doc is None:
        raise NotFound("该班期不存在或尚未发布")
    info = ClassInfo.model_validate_json(doc)
    if info.term != term:
        raise NotFound("该班期不属于本学期")
    return info


def _idem(teacher: Teacher, request_key: str | None, request: str) -> Idem | None:
    """The request's idempotency (keyed per teacher): what it asks, as one canonical text."""
    return idempotency.of(f"teacher:{teacher.teacher_id}", request_key, request)


def select_class(
    user: User, class_id: str, now: datetime, request_key: str | None, waitlist: bool = False
) -> Selection:
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
    sel = _new_selection(teacher, info, term, rnd, now)
    idem = _idem(teacher, request_key, f"POST /api/selections {class_id} waitlist={waitlist}")
    return store.hold_seat(
        sel, info.days(), calendar.limits.max_classes_per_teacher, idem, account=user
    )


def _new_selection(
    teacher: Teacher, info: ClassInfo, term: str, rnd: int, now: datetime
) -> Selection:
    return Selection(
        **info.naming(Selection),
        term=term,
        teacher_id=teacher.teacher_id,
        school_id=teacher.school_id,
        region_code=teacher.region_code,
        round=rnd,
        status=SelectionStatus.PENDING,
        created_at=now,
        updated_at=now,
    )


def my_selections(user: User) -> list[Selection]:
    teacher = _teacher_of(user)
    return store.list_for_teacher(teacher.teacher_id, settings().term)


def seats_left(class_ids_csv: str) -> list[SeatsView]:
    ids = [c for c in (s.strip() for s in class_ids_csv.split(",")) if c]
    if not ids or len(ids) > MAX_SEAT_QUERY:
        raise ValidationFailed(f"class_ids 需包含 1 到 {MAX_SEAT_QUERY} 个班期编号")
    return store.seats(ids)


# --- waitlist-aware selection --------------------------------------------------------------


def select_or_waitlist(
    user: User, class_id: str, now: datetime, request_key: str | None, waitlist: bool
) -> tuple[Selection, int | None]:
    """POST /api/selections: take a seat; with `waitlist` a full class puts the teacher on its
    waitlist (候补) instead. Returns the selection and, when waitlisted, the position."""
    if not waitlist:
        try:
            return _with_position(select_class(user, class_id, now, request_key))
        except ClassFull as exc:
            raise ClassFull(can_waitlist=True) from exc
    teacher = _teacher_of(user)
    term = settings().term
    calendar = term_calendar(term)
    idem = _idem(teacher, request_key, f"POST /api/selections {class_id} waitlist=True")
    for _ in range(3):
        try:
            return _with_position(select_class(user, class_id, now, request_key, True))
        except ClassFull:
            pass
        info = _class_info(class_id, term)
        sel = _new_selection(teacher, info, term, rules.selection_round(calendar, now), now)
        try:
            w = store.join_waitlist(
                sel,
                info.days(),
                calendar.limits.max_classes_per_teacher,
                idem,
                account=user,
            )
        except SeatsAvailable:
            continue  # a seat was freed meanwhile: take it
        return _with_position(w)
    raise Busy(retry_after=1)


def _with_position(sel: Selection) -> tuple[Selection, int | None]:
    if sel.status == SelectionStatus.WAITLISTED and sel.wl_seq is not None:
        return sel, store.waitlist_position(sel.class_id, sel.wl_seq)
    return sel, None


def withdraw_or_leave(
    user: User, class_id: str, now: datetime, request_key: str | None
) -> tuple[Selection, list[str]]:
    """DELETE /api/selections/<cid>: withdraw (退选) or leave the waitlist while a selection round
    is open; outside the rounds only with a CH-3 withdrawal right for the class's project.
    The freed seat goes to the waitlist head in the same transaction."""
    teacher = _teacher_of(user)
    term = settings().term
    calendar = term_calendar(term)
    info = _class_info(class_id, term)
    right = False
    try:
        rules.selection_round(calendar, now)
    except OutsideWindow:
        if store.get_withdrawal_right(teacher.teacher_id, term, info.project_id) is None:
            raise
        right = True
    return store.withdraw(
        teacher.teacher_id,
        term,
        class_id,
        info.days(),
        calendar.limits.max_classes_per_teacher,
        now,
        _idem(teacher, request_key, f"DELETE /api/selections/{class_id}"),
        right=right,
        project_id=info.project_id,
        klass=info,
        promote=rules.promotion_open(calendar, now),
        account=user,
    )


def my_selection_views(user: User, now: datetime) -> list[SelectionView]:
    """The teacher's selections with status text, next step and waitlist position; for a
    project with an approved major change, its explanation and the withdrawal button (CH-3)."""
    teacher = _teacher_of(user)
    term = settings().term
    calendar = term_calendar(term)
    rights = store.rights_of_teacher(teacher.teacher_id, term)
    try:
        rules.selection_round(calendar, now)
        round_open = True
    except OutsideWindow:
        round_open = False
    out = []
    for s in store.list_for_teacher(teacher.teacher_id, term):
        pos = None
        if s.status == SelectionStatus.WAITLISTED and s.wl_seq is not None:
            pos = store.waitlist_position(s.class_id, s.wl_seq)
        right = rights.get(s.project_id)
        out.append(
            SelectionView.of(
                s,
                pos,
                notice=right.reason if right else "",
                may_withdraw=rules.may_withdraw(s.status, round_open, right is not None),
            )
        )
    return out


# --- school review (PH-R1-SCHOOL, PH-R2-SCHOOL) --------------------------------------------


def _school_of(user: User) -> str:
    require(user, Role.PRINCIPAL, Role.SCHOOL_ADMIN)
    if not user.school_id:
        raise Forbidden("账号未关联学校")
    return user.school_id


def school_overview(user: User) -> SchoolOverview:
    """The school's teachers this term with their selections: every teacher on the
    school's roll (those who selected nothing too, so a principal can remind them), and any
    teacher whose selections name the school although the record has moved since."""
    school_id = _school_of(user)
    term = settings().term
    rows = store.list_for_school(school_id, term)
    roll = {t.teacher_id: t for t in records.teachers_of_school(school_id) if rules.on_roll(t)}
    moved = {s.teacher_id for s in rows} - set(roll)
    teachers = {**roll, **{t.teacher_id: t for t in store.teachers(moved)}}
    by_teacher: dict[str, list[Selection]] = {tid: [] for tid in roll}
    for s in rows:
        by_teacher.setdefault(s.teacher_id, []).append(s)
    out = []
    for tid, sels in sorted(by_teacher.items()):
        t = teachers.get(tid)
        out.append(
            SchoolTeacherRow(
                teacher_id=tid,
                name=t.name if t else tid,
                subject=t.subject if t else "",
                stage=t.stage if t else "",
                title=t.title if t else "",
                selected=rules.has_open_selection(sels),
                selections=[SelectionView.of(s) for s in sels],
            )
        )
    pending = sum(1 for s in rows if s.status == SelectionStatus.PENDING)
    return SchoolOverview(
        school_id=school_id,
        term=term,
        pending=pending,
        not_selected=sum(1 for t in out if not t.selected),
        teachers=out,
    )


def _require_reason(rejecting: bool, reason: str) -> str:
    reason = reason.strip()
    if rejecting and len(reason) < 2:
        raise ReasonRequired()
    return reason


def _bulk(
    user: User, items: list[SelectionRef], one: Callable[[SelectionRef], SelectionStatus]
) -> list[ItemResult]:
    """Apply `one` to each item; a domain error answers that item and the others go on. The
    items' class records and the caller's account are read first, in one strongly consistent
    call: the whole request is refused if the account was disabled, re-roled or moved since
    `user` was cached (`auth.still`). A bulk of N is one read and N writes, no read-back."""
    class_keys = [keys.class_meta(cid) for cid in sorted({ref.class_id for ref in items})]
    still(user, records.read_with_account(user.user_id, class_keys))
    out = []
    for ref in items:
        try:
            status = one(ref)
            out.append(
                ItemResult(teacher_id=ref.teacher_id, class_id=ref.class_id, ok=True, status=status)
            )
        except DomainError as exc:
            if isinstance(exc, Busy):
                raise
            out.append(
                ItemResult(
                    teacher_id=ref.teacher_id,
                    class_id=ref.class_id,
                    ok=False,
                    code=exc.code,
                    message=exc.message,
                )
            )
    return out


def school_review(user: User, req: ReviewRequest, now: datetime) -> list[ItemResult]:
    """Approve or reject pending selections of the caller's school, one or many (SE-1). A
    rejection needs a reason, frees the seat and promotes the waitlist head atomically."""
    school_id = _school_of(user)
    term = settings().term
    calendar = term_calendar(term)
    max_round = rules.review_round(calendar, now)
    rejecting = req.decision == ReviewDecision.REJECT
    reason = _require_reason(rejecting, req.reason)
    to = SelectionStatus.SCHOOL_REJECTED if rejecting else SelectionStatus.SCHOOL_APPROVED

    def one(ref: SelectionRef) -> SelectionStatus:
        info = _class_info(ref.class_id, term)
        status, _ = store.decide(
            ref.teacher_id,
            term,
            ref.class_id,
            frm=SelectionStatus.PENDING,
            to=to,
            max_round=max_round,
            reason=reason,
            actor=user.user_id,
            at=now,
            days=info.days(),
            limit=calendar.limits.max_classes_per_teacher,
            school_id=school_id,
            klass=info,
            promote=rules.promotion_open(calendar, now),
        )
        return status

    return _bulk(user, req.items, one)


# --- institutions: demand, expansion (SE-3), recheck ---------------------------------------


def _institution_of(user: User) -> str:
    require(user, Role.INSTITUTION)
    if not user.institution_id:
        raise Forbidden("账号未关联培训机构")
    return user.institution_id


def _own_class(user: User, class_id: str, term: str) -> ClassInfo:
    inst = _institution_of(user)
    info = _class_info(class_id, term)
    if info.institution_id != inst:
        raise NotFound("该班期不属于你的机构")
    return info


def institution_classes(user: User) -> InstitutionClassList:
    """Each class of the caller's institution this term: capacity, seats held, waitlist length
    and its expansion application, if any."""
    inst = _institution_of(user)
    term = settings().term
    infos = store.classes_of_institution(inst, term)
    seats = {s.class_id: s for s in store.seats([i.class_id for i in infos])} if infos else {}
    exps = {e.class_id: e for e in store.list_expansions(term) if e.institution_id == inst}
    out = []
    for i in infos:
        s = seats.get(i.class_id)
        out.append(
            ClassSeats(
                **i.naming(ClassSeats),
                capacity=s.capacity if s else i.capacity,
                held=s.held if s else 0,
                waitlist=s.waitlist if s else 0,
                expansion=exps.get(i.class_id),
            )
        )
    return InstitutionClassList(classes=out)


def apply_expansion(user: User, req: ExpansionRequest, now: datetime) -> Expansion:
    """PH-EXPAND-APPLY: the institution asks for `extra` seats in one of its classes."""
    term = settings().term
    rules.check_window(term_calendar(term), PhaseId.EXPAND_APPLY, now)
    info = _own_class(user, req.class_id, term)
    exp = Expansion(
        **info.naming(Expansion),
        term=term,
        bureau_region=rules.expansion_bureau_region(info),
        extra=req.extra,
        reason=req.reason.strip(),
        state=ExpansionState.APPLIED,
        applied_at=now,
    )
    return store.apply_expansion(exp)


def class_roster(user: User, class_id: str) -> InstitutionRoster:
    """The class's selections (every status) and waitlist, for the institution's recheck."""
    term = settings().term
    info = _own_class(user, class_id, term)
    rows = store.list_for_class(class_id)
    teachers = {t.teacher_id: t for t in store.teachers({s.teacher_id for s in rows})}
    return InstitutionRoster(
        class_info=info,
        selections=[
            RosterSelection(
                **SelectionView.of(s).model_dump(),
                teacher_name=teachers[s.teacher_id].name if s.teacher_id in teachers else "",
            )
            for s in sorted(rows, key=lambda s: (s.status.value, s.teacher_id))
        ],
        waitlist=[
            WaitlistPlace(teacher_id=w["teacher_id"], position=n + 1, round=int(w["round"]))
            for n, w in enumerate(store.waitlist(class_id))
        ],
    )


def institution_recheck(user: User, req: RecheckRequest, now: datetime) -> list[ItemResult]:
    """PH-R1-RECHECK / PH-R2-RECHECK: confirm or reject school-approved selections of the
    institution's classes. A rejection needs a reason, frees the seat and promotes."""
    # Refused as a whole, before any item: only an institution rechecks (each item then checks
    # that the class is the institution's own).
    _institution_of(user)
    term = settings().term
    calendar = term_calendar(term)
    max_round = rules.recheck_round(calendar, now)
    rejecting = req.decision == RecheckDecision.REJECT
    reason = _require_reason(rejecting, req.reason)
    to = SelectionStatus.RECHECK_REJECTED if rejecting else SelectionStatus.CONFIRMED

    def one(ref: SelectionRef) -> SelectionStatus:
        info = _own_class(user, ref.class_id, term)
        status, _ = store.decide(
            ref.teacher_id,
            term,
            ref.class_id,
            frm=SelectionStatus.SCHOOL_APPROVED,
            to=to,
            max_round=max_round,
            reason=reason,
            actor=user.user_id,
            at=now,
            days=info.days(),
            limit=calendar.limits.max_classes_per_teacher,
            klass=info,
            promote=rules.promotion_open(calendar, now),
        )
        return status

    return _bulk(user, req.items, one)


# --- bureaus: accept or refuse expansions (PH-EXPAND-ACCEPT, SE-3) -------------------------

_BUREAUS = (Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU)


def bureau_expansions(user: User) -> list[Expansion]:
    require(user, *_BUREAUS)
    regions = region_tree()
    return [
        e
        for e in store.list_expansions(settings().term)
        if rules.may_decide_expansion(user.region_code, e.bureau_region, regions)
    ]


def decide_expansion(
    user: User, class_id: str, req: ExpansionDecisionRequest, now: datetime
) -> tuple[Expansion, list[str]]:
    """Accept (capacity raised, waitlisted teachers promoted in order, atomically with the
    capacity change) or refuse (reason required) an expansion the caller is responsible for."""
    require(user, *_BUREAUS)
    term = settings().term
    calendar = term_calendar(term)
    rules.check_window(calendar, PhaseId.EXPAND_ACCEPT, now)
    exp = store.get_expansion(class_id, term)
    if exp is None or not rules.may_decide_expansion(
        user.region_code, exp.bureau_region, region_tree()
    ):
        raise NotFound("未找到该扩班申请")
    reason = _require_reason(not req.accept, req.reason)
    info = _class_info(class_id, term)
    return store.decide_expansion(
        exp,
        req.accept,
        reason,
        user.user_id,
        now,
        info.days(),
        calendar.limits.max_classes_per_teacher,
        klass=info,
    )


# --- exports -------------------------------------------------------------------------------

_SEL_HEADERS = (
    "教师编号",
    "姓名",
    "项目",
    "班期",
    "培训机构",
    "开始",
    "结束",
    "轮次",
    "状态",
    "原因",
)


def _sel_row(s: Selection, name: str) -> list[Any]:
    view = SelectionView.of(s)
    return [
        s.teacher_id,
        name,
        s.project_title,
        s.class_name,
        s.institution_name,
        s.start_date.isoformat(),
        s.end_date.isoformat(),
        f"第{s.round}轮",
        view.status_text,
        s.reason,
    ]


def school_export(user: User) -> tuple[str, bytes]:
    """The school's selections this term as an xlsx workbook: (file name, bytes)."""
    school_id = _school_of(user)
    term = settings().term
    rows = store.list_for_school(school_id, term)
    names = {t.teacher_id: t.name for t in store.teachers({s.teacher_id for s in rows})}
    data = xlsx.workbook(
        [
            xlsx.Sheet(
                "选课名单",
                (_sel_row(s, names.get(s.teacher_id, "")) for s in sorted(rows, key=_by_teacher)),
                header=_SEL_HEADERS,
            )
        ]
    )
    return f"{term}学校选课名单-{school_id}.xlsx", data


def roster_export(user: User, class_id: str) -> tuple[str, bytes]:
    """The class roster (every selection and its status) as an xlsx workbook."""
    term = settings().term
    info = _own_class(user, class_id, term)
    rows = store.list_for_class(class_id)
    names = {t.teacher_id: t.name for t in store.teachers({s.teacher_id for s in rows})}
    data = xlsx.workbook(
        [
            xlsx.Sheet(
                "班期名单",
                (_sel_row(s, names.get(s.teacher_id, "")) for s in sorted(rows, key=_by_teacher)),
                header=_SEL_HEADERS,
            )
        ]
    )
    return f"{info.project_title}-{info.class_name}名单.xlsx", data


def _by_teacher(s: Selection) -> tuple[str, str]:
    return (s.teacher_id, s.class_id)
