"""Training-week use cases (PH-TRAIN, QA-2, SE-2): check-in by rotating QR code and from the
roster, attendance per session (phone or xlsx through the worker), online hours, completion
decided by the institution (proposed by the term data's rule, corrected with a reason, audited
CH-5 style, by the bureau after the deadline), non-completion lists for schools and bureaus,
and cancelled classes. Plain functions over the stores."""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from functions.common import catalog, records, scope, site
from functions.common import store as table_store
from functions.common.auth import require
from functions.common.errors import (
    BadImportFile,
    Busy,
    CheckinClosed,
    ClassCancelled,
    CodeExpired,
    DomainError,
    Forbidden,
    NotConfirmed,
    NotEnrolled,
    NotFound,
    OutsideClassDays,
    OutsideWindow,
    ReasonRequired,
    ValidationFailed,
    WrongStatus,
)
from functions.common.settings import EnvSettings, settings
from functions.credits import rules as credit_rules
from functions.selection import store as sel_store
from functions.training import files, rules, store
from schemas.calendar import SHANGHAI, TermCalendar, TrainingRules, term_calendar
from schemas.catalog import ClassInfo, Project, TrainingClass, TrainingForm
from schemas.people import Role, Teacher, User
from schemas.projects import AuditEntry
from schemas.regions import region_tree
from schemas.selection import SelectionStatus
from schemas.training import (
    MARK_NAMES,
    OUTCOME_NAMES,
    AttendanceRequest,
    BulkCheckinRequest,
    CancelRequest,
    CancelResult,
    CheckinRequest,
    CheckinResult,
    ClassRoster,
    ClassSummary,
    CodeView,
    Completion,
    CompletionRequest,
    ImportKind,
    ImportProgress,
    ImportRequest,
    ImportStatus,
    ItemOutcome,
    Mark,
    MarkEntry,
    MyClass,
    MySession,
    NonCompletionRow,
    Outcome,
    RosterRow,
    RowReport,
    TrainingImport,
)

CHUNK = 500  # import rows per saved step
RESUME_MARGIN_SECONDS = 90
BUREAUS = scope.BUREAUS


class TrainingSettings(EnvSettings):
    # Name or ARN of the training worker (set by infra/ and by the local stack); empty runs an
    # import inside the request (tests).
    training_import_function: str = ""
    # Where the QR code sends a phone: the site's check-in page (the site's origin in a
    # deployment; the local stack serves the site and the API on one origin).
    site_url: str = ""


def _calendar() -> TermCalendar:
    return term_calendar(settings().term)


def _rules() -> TrainingRules:
    return _calendar().training


# --- classes -------------------------------------------------------------------------------


def _info(class_id: str) -> ClassInfo:
    doc = records.get_class_doc(class_id)
    if doc is None:
        raise NotFound("该班期不存在或尚未发布")
    info = ClassInfo.model_validate_json(doc)
    if info.term != settings().term:
        raise NotFound("该班期不属于本学期")
    return info


def _project(project_id: str) -> Project:
    """The published project (its timetables, form, credits) through the catalog seam."""
    doc = catalog.get(project_id)
    if doc is None:
        raise NotFound("项目不存在")
    return doc


def _klass(project: Project, class_id: str) -> TrainingClass:
    return next(c for c in project.classes if c.class_id == class_id)


def _own_class(user: User, class_id: str) -> ClassInfo:
    require(user, Role.INSTITUTION)
    info = _info(class_id)
    if info.institution_id != user.institution_id:
        raise NotFound("该班期不属于你的机构")
    return info


def _bureau_covers(user: User, info: ClassInfo) -> bool:
    region = info.bureau_region or scope.PROVINCE
    return bool(user.region_code) and region_tree().within(region, user.region_code or "")


def _stage(info: ClassInfo, klass: TrainingClass, now: datetime) -> tuple[str, str]:
    today = now.astimezone(SHANGHAI).date()
    _, closes = rules.decision_window(info, _rules())
    if klass.cancelled:
        return "cancelled", "已取消"
    if today < info.start_date:
        return "upcoming", "未开班"
    if today <= info.end_date:
        return "running", "培训中"
    if now < closes:
        return "deciding", "结业认定中"
    return "closed", "已结业"


def _summary(
    info: ClassInfo,
    klass: TrainingClass,
    now: datetime,
    confirmed: int,
    checked_in: int = 0,
    decided: int = 0,
    checkin_open: bool = False,
) -> ClassSummary:
    stage, text = _stage(info, klass, now)
    _, closes = rules.decision_window(info, _rules())
    minimum = rules.min_size(info, _rules())
    return ClassSummary(
        **info.naming(ClassSummary),
        place=klass.place,
        confirmed=confirmed,
        checked_in=checked_in,
        decided=decided,
        min_size=minimum,
        cancelled=klass.cancelled,
        cancel_reason=klass.cancel_reason,
        stage=stage,
        stage_text=text,
        deadline=(closes - timedelta(days=1)).date(),
        checkin_open=checkin_open,
        cancellable=(
            not klass.cancelled
            and confirmed < minimum
            and rules.cancellation_open(_calendar(), now)
        ),
    )


def _summaries(
    projects: list[Project], now: datetime, keep: Callable[[ClassInfo], bool]
) -> list[ClassSummary]:
    """Class summaries from published documents and one batched read of the seat counters per
    100 classes (no per-class reads: a bureau's list spans thousands). Seats held are the
    confirmed teachers once the review windows have closed (SE-1)."""
    pairs = [
        (ClassInfo.of(p, k), k) for p in projects for k in p.classes if keep(ClassInfo.of(p, k))
    ]
    held: dict[str, int] = {}
    ids = [i.class_id for i, _ in pairs]
    for n in range(0, len(ids), 100):
        held.update({v.class_id: v.held for v in sel_store.seats(ids[n : n + 100])})
    return [_summary(i, k, now, held.get(i.class_id, 0)) for i, k in pairs]


def institution_classes(user: User, now: datetime) -> list[ClassSummary]:
    """开班管理: the institution's classes this term, with counts and where each stands."""
    require(user, Role.INSTITUTION)
    projects = catalog.of_institution(user.institution_id or "", settings().term)
    out = _summaries(projects, now, lambda i: True)
    return sorted(out, key=lambda c: (c.start_date, c.class_id))


def _names(ids: set[str]) -> dict[str, Teacher]:
    return {t.teacher_id: t for t in sel_store.teachers(ids)} if ids else {}


def _school_names(ids: set[str]) -> dict[str, str]:
    items = table_store.batch_get([{"PK": f"SCHOOL#{s}", "SK": "PROFILE"} for s in sorted(ids)])
    out = {}
    for i in items:
        if "doc" in i:
            from schemas.org import School

            school = School.model_validate_json(i["doc"])
            out[school.school_id] = school.name
    return out


def class_roster(user: User, class_id: str, now: datetime) -> ClassRoster:
    """The class's confirmed teachers with check-in, marks per session, the proposed outcome
    and the decision (institution; the responsible bureau reads it too)."""
    if user.role in BUREAUS:
        info = _info(class_id)
        if not _bureau_covers(user, info):
            raise NotFound("该班期不由你负责")
    else:
        info = _own_class(user, class_id)
    project = _project(info.project_id)
    klass = _klass(project, class_id)
    tr = _rules()
    sessions = rules.sessions_of(klass, tr)
    online_required = rules.online_hours_required(project.form, project.credits_online, tr)
    sels = [s for s in sel_store.list_for_class(class_id) if s.status == SelectionStatus.CONFIRMED]
    atts = store.attendance_of_class(class_id)
    done = store.completions_of_class(class_id)
    teachers = _names({s.teacher_id for s in sels})
    schools = _school_names({s.school_id for s in sels})
    rows = []
    for s in sorted(sels, key=lambda s: (s.school_id, s.teacher_id)):
        att = atts.get(s.teacher_id)
        t = teachers.get(s.teacher_id)
        rows.append(
            RosterRow(
                teacher_id=s.teacher_id,
                name=t.name if t else s.teacher_id,
                school_name=schools.get(s.school_id, ""),
                checked_in_at=att.checked_in_at if att else None,
                checkin_by=att.checkin_by if att else "",
                marks=att.marks if att else {},
                online_hours=att.online_hours if att else None,
                proposal=rules.propose(att, sessions, online_required, tr),
                completion=done.get(s.teacher_id),
            )
        )
    state = store.checkin_state(class_id)
    summary = _summary(
        info,
        klass,
        now,
        confirmed=len(sels),
        checked_in=sum(1 for r in rows if r.checked_in_at),
        decided=sum(1 for r in rows if r.completion),
        checkin_open=bool(state and state.get("open")),
    )
    may, note = True, ""
    try:
        if user.role in BUREAUS:
            rules.check_bureau_corrects(info, tr, now)
        else:
            rules.check_institution_decides(info, tr, now)
    except OutsideWindow as exc:
        may, note = False, exc.message
    return ClassRoster(
        summary=summary,
        sessions=sessions,
        blended=project.form == TrainingForm.BLENDED,
        online_required=online_required,
        rows=rows,
        may_decide=may and not klass.cancelled,
        decide_note=note,
    )


# --- check-in (PH-TRAIN) ---------------------------------------------------------------------


def open_checkin(user: User, class_id: str, now: datetime, open_: bool) -> ClassSummary:
    """The institution opens (or closes) check-in of its class; the QR codes rotate from then."""
    info = _own_class(user, class_id)
    project = _project(info.project_id)
    klass = _klass(project, class_id)
    if klass.cancelled:
        raise ClassCancelled()
    if open_:
        store.open_checkin(class_id, secrets.token_bytes(32), user.user_id, now)
    else:
        store.close_checkin(class_id, user.user_id, now)
    sels = sel_store.list_for_class(class_id)
    confirmed = sum(1 for s in sels if s.status == SelectionStatus.CONFIRMED)
    return _summary(info, klass, now, confirmed, checkin_open=open_)


def _secret(state: dict[str, Any]) -> bytes:
    raw = state["secret"]
    return bytes(raw.value) if hasattr(raw, "value") else bytes(raw)


def checkin_code(user: User, class_id: str, now: datetime, origin: str) -> CodeView:
    """The QR screen: the current code as an SVG (segno) of the check-in page's URL."""
    import segno

    _own_class(user, class_id)
    state = store.checkin_state(class_id, consistent=True)
    if not state or not state.get("open"):
        raise CheckinClosed("请先开放报到")
    step_s = _rules().checkin_step_seconds
    step = rules.code_step(now, step_s)
    code = rules.checkin_code(_secret(state), class_id, step)
    base = TrainingSettings.from_environment().site_url or origin
    url = f"{base.rstrip('/')}/training/checkin/?c={class_id}&k={code}"
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=6, border=2, dark="#000", light="#fff")
    expires = step_s - int(now.timestamp()) % step_s
    return CodeView(
        class_id=class_id, code=code, url=url, svg=svg, step_seconds=step_s, expires_in=expires
    )


_STATES: dict[tuple[str, int], tuple[bool, bytes]] = {}


def _state_for_step(class_id: str, step: int) -> tuple[bool, bytes] | None:
    """The check-in state for one code step: a warm function reads an open class's state once
    per step (200 check-ins a minute cost one read a step, not one each); a closed or missing
    state is read again each time, so opening is seen at once."""
    found = _STATES.get((class_id, step))
    if found is not None:
        return found
    state = store.checkin_state(class_id)
    if not state or not state.get("open"):
        return None
    if len(_STATES) > 2000:
        _STATES.clear()
    _STATES[(class_id, step)] = (True, _secret(state))
    return _STATES[(class_id, step)]


def clear_cache() -> None:
    _STATES.clear()


def check_in(user: User, req: CheckinRequest, now: datetime) -> CheckinResult:
    """PH-TRAIN: a teacher with a confirmed seat checks in by the code the institution shows.
    Refusals: not enrolled, not confirmed, outside the class days, expired code, check-in not
    open; checking in again answers the first check-in again. The happy path is one cached read
    of the class's check-in state and one transaction; the refusals read what explains them."""
    require(user, Role.TEACHER)
    info = _info(req.class_id)
    if info.cancelled:
        raise ClassCancelled()
    tid = user.teacher_id or ""
    step_s = _rules().checkin_step_seconds
    refusal: DomainError | None = None
    state = None
    if not rules.on_class_day(info, now):
        refusal = OutsideClassDays(
            f"该班期培训日期为{info.start_date:%m月%d日}—{info.end_date:%m月%d日}，今天不能报到"
        )
    else:
        state = _state_for_step(info.class_id, rules.code_step(now, step_s))
        if state is None:
            refusal = CheckinClosed()
        elif not rules.code_accepted(state[1], info.class_id, req.code, now, step_s):
            refusal = CodeExpired()
    if refusal is None:
        try:
            att = store.check_in(tid, info.term, info.class_id, "qr", now)
        except NotFound as exc:
            raise NotEnrolled() from exc
        except WrongStatus as exc:
            if exc.details.get("code_status") == SelectionStatus.CONFIRMED.value:
                again = store.get_attendance(info.class_id, tid)  # checked in already
                assert again is not None
                att = again
            elif exc.details.get("code_status") in _NOT_ENROLLED:
                raise NotEnrolled() from exc
            else:
                raise NotConfirmed() from exc
        assert att.checked_in_at is not None
        return _checkin_result(info, att.checked_in_at, att.checked_in_at == now)
    # A repeat of a check-in that happened answers it again, whatever the code or the day.
    first = store.get_attendance(info.class_id, tid)
    if first and first.checked_in_at:
        return _checkin_result(info, first.checked_in_at, False)
    try:
        sel = sel_store.get_selection(tid, info.term, info.class_id)
    except DomainError:
        raise NotEnrolled() from None
    if sel.status in _NOT_ENROLLED:
        raise NotEnrolled()
    if sel.status != SelectionStatus.CONFIRMED:
        raise NotConfirmed()
    raise refusal


_NOT_ENROLLED = {
    s.value
    for s in (
        SelectionStatus.WITHDRAWN,
        SelectionStatus.WAITLISTED,
        SelectionStatus.WAITLIST_DROPPED,
        SelectionStatus.WAITLIST_CLOSED,
        SelectionStatus.SCHOOL_REJECTED,
        SelectionStatus.RECHECK_REJECTED,
        SelectionStatus.CANCELLED,
    )
}


def _checkin_result(info: ClassInfo, at: datetime, first: bool) -> CheckinResult:
    local = at.astimezone(SHANGHAI)
    text = "报到成功" if first else "你已报到"
    return CheckinResult(
        **info.naming(CheckinResult),
        checked_in_at=at,
        first_time=first,
        message=f"{text}：《{info.project_title}》{info.class_name}，报到时间 {local:%m月%d日 %H:%M}",
    )


def bulk_checkin(
    user: User, class_id: str, req: BulkCheckinRequest, now: datetime
) -> list[ItemOutcome]:
    """Check in teachers without a phone from the roster (on a class day); per-teacher results."""
    info = _own_class(user, class_id)
    if info.cancelled:
        raise ClassCancelled()
    if not rules.on_class_day(info, now):
        raise OutsideClassDays("只能在班期培训日内为学员报到")
    out = []
    for tid in dict.fromkeys(req.teacher_ids):
        try:
            store.check_in(tid, info.term, class_id, user.user_id, now)
            out.append(ItemOutcome(teacher_id=tid, ok=True))
        except WrongStatus as exc:
            if exc.details.get("code_status") == SelectionStatus.CONFIRMED.value:
                out.append(ItemOutcome(teacher_id=tid, ok=True, message="已报到"))
            else:
                out.append(
                    ItemOutcome(teacher_id=tid, ok=False, code="not_confirmed", message=exc.message)
                )
        except NotFound as exc:
            out.append(
                ItemOutcome(teacher_id=tid, ok=False, code="not_confirmed", message=exc.message)
            )
    return out


# --- attendance ----------------------------------------------------------------------------


def mark_session(
    user: User, class_id: str, req: AttendanceRequest, now: datetime
) -> list[ItemOutcome]:
    """The roster on a phone: marks of one session for some teachers (a leave needs a reason)."""
    info = _own_class(user, class_id)
    tr = _rules()
    if not rules.marking_open(info, tr, now):
        raise OutsideWindow("考勤须在开班后至结业认定截止前记录")
    project = _project(info.project_id)
    keys_ = {s.key for s in rules.sessions_of(_klass(project, class_id), tr)}
    if req.session not in keys_:
        raise ValidationFailed("该课程安排不存在，请刷新页面")
    enrolled = {
        s.teacher_id
        for s in sel_store.list_for_class(class_id)
        if s.status == SelectionStatus.CONFIRMED
    }
    out = []
    for item in req.items:
        if item.teacher_id not in enrolled:
            out.append(
                ItemOutcome(
                    teacher_id=item.teacher_id,
                    ok=False,
                    code="not_enrolled",
                    message="不是本班学员",
                )
            )
            continue
        if item.mark == Mark.LEAVE and len(item.reason.strip()) < 2:
            out.append(
                ItemOutcome(
                    teacher_id=item.teacher_id,
                    ok=False,
                    code="reason_required",
                    message="请假须填写原因",
                )
            )
            continue
        entry = MarkEntry(mark=item.mark, reason=item.reason.strip(), by=user.user_id, at=now)
        store.set_marks(class_id, item.teacher_id, {req.session: entry})
        out.append(ItemOutcome(teacher_id=item.teacher_id, ok=True))
    return out


def attendance_template(user: User, class_id: str, now: datetime) -> tuple[str, bytes]:
    """The class's attendance workbook: its teachers and sessions, with the marks so far."""
    info = _own_class(user, class_id)
    roster = class_roster(user, class_id, now)
    rows = []
    for r in roster.rows:
        marks = {}
        for k, m in r.marks.items():
            text = MARK_NAMES[m.mark]
            marks[k] = f"{text}：{m.reason}" if m.reason else text
        rows.append((r.teacher_id, r.name, r.school_name, marks))
    title = f"{info.project_title}{info.class_name}"
    data = files.attendance_workbook([files.SheetSpec(class_id, title, roster.sessions, rows)])
    return f"{title}考勤.xlsx", data


def start_import(user: User, req: ImportRequest, now: datetime) -> TrainingImport:
    """An attendance workbook or an online hours file: kept in parts, run by the worker."""
    require(user, Role.INSTITUTION)
    if not req.file_name.lower().endswith(".xlsx"):
        raise BadImportFile("请上传 xlsx 文件（使用下载的模板）")
    try:
        content = base64.b64decode(req.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadImportFile("文件内容无法读取，请重新选择文件") from exc
    if content[:2] != b"PK":
        raise BadImportFile("请上传 xlsx 文件（使用下载的模板）")
    job = TrainingImport(
        job_id=uuid.uuid4().hex,
        kind=req.kind,
        institution_id=user.institution_id or "",
        uploaded_by=user.user_id,
        file_name=req.file_name,
        parts=math.ceil(len(content) / store.PART_BYTES) or 1,
        status=ImportStatus.QUEUED,
        created_at=now,
    )
    store.create_import(job, content)
    worker = TrainingSettings.from_environment().training_import_function
    if worker:
        store.start_worker(worker, job.job_id)
    else:
        continue_import(job.job_id, now, lambda: math.inf, lambda: None)
    return store.get_import(job.job_id) or job


def continue_import(
    job_id: str, now: datetime, seconds_left: Callable[[], float], resume: Callable[[], None]
) -> TrainingImport | None:
    """One run of the training worker over an import: rows in chunks from where the job
    stands, progress saved per chunk guarded by the count before it (a retried run never counts
    a chunk twice); hands over to a new run when time runs short."""
    job = store.get_import(job_id)
    if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return job
    content = store.import_content(job_id)
    try:
        rows: list[Any] = (
            files.attendance_rows(content)
            if job.kind == ImportKind.ATTENDANCE
            else files.online_rows(content)
        )
    except BadImportFile as exc:
        job.status, job.message, job.finished_at = ImportStatus.FAILED, exc.message, now
        store.save_import(job)
        return job
    job.status, job.total = ImportStatus.RUNNING, len(rows)
    store.save_import(job)
    ctx = _ImportContext(job.institution_id, job.uploaded_by, now)
    while job.processed < len(rows):
        if seconds_left() < RESUME_MARGIN_SECONDS:
            resume()
            return job
        before = job.processed
        chunk = rows[before : before + CHUNK]
        reports = [
            ctx.attendance(r) if job.kind == ImportKind.ATTENDANCE else ctx.online(r) for r in chunk
        ]
        store.save_report(job_id, before // CHUNK, reports)
        job.accepted += sum(1 for r in reports if r.ok)
        job.rejected += sum(1 for r in reports if not r.ok)
        job.processed = before + len(chunk)
        if not store.save_import(job, expect_processed=before):
            return store.get_import(job_id)
    job.status, job.finished_at = ImportStatus.DONE, now
    job.message = f"共 {job.total} 行：成功 {job.accepted} 行，未导入 {job.rejected} 行"
    store.save_import(job)
    return job


class _ImportContext:
    """What the rows of one import need, read once per class."""

    def __init__(self, institution_id: str, by: str, now: datetime) -> None:
        self.institution_id, self.by, self.now = institution_id, by, now
        self.classes: dict[str, tuple[ClassInfo, set[str], dict[str, str]] | str] = {}
        self.identities: dict[str, str | None] = {}

    def _class(self, class_id: str) -> tuple[ClassInfo, set[str], dict[str, str]] | str:
        if class_id not in self.classes:
            try:
                info = _info(class_id)
            except NotFound:
                self.classes[class_id] = "班期编号不存在"
                return self.classes[class_id]
            if info.institution_id != self.institution_id:
                self.classes[class_id] = "该班期不属于你的机构"
            elif not rules.marking_open(info, _rules(), self.now):
                self.classes[class_id] = "该班期当前不能记录考勤（开班后至结业认定截止前）"
            else:
                klass = _klass(_project(info.project_id), class_id)
                sessions = {s.key: s.topic for s in rules.sessions_of(klass, _rules())}
                enrolled = {
                    s.teacher_id
                    for s in sel_store.list_for_class(class_id)
                    if s.status == SelectionStatus.CONFIRMED
                }
                self.classes[class_id] = (info, enrolled, sessions)
        return self.classes[class_id]

    def attendance(self, r: files.AttendanceRow) -> RowReport:
        base = {"row": r.row, "sheet": r.sheet, "teacher_id": r.teacher_id, "name": r.name}
        got = self._class(r.class_id)
        if isinstance(got, str):
            return RowReport(**base, ok=False, message=got)
        _, enrolled, sessions = got
        if r.teacher_id not in enrolled:
            return RowReport(**base, ok=False, message="教师编号不是本班已确认的学员")
        marks: dict[str, MarkEntry] = {}
        problems = []
        for key, text in r.cells.items():
            if key not in sessions:
                problems.append(f"{key[:10]} 的课程不在课程表中")
                continue
            parsed = files.parse_mark(text)
            if parsed is None:
                problems.append(f"“{text}”不是出勤、迟到、请假或缺勤")
                continue
            mark, reason = parsed
            if mark == Mark.LEAVE.value and len(reason) < 2:
                problems.append("请假须写明原因（如“请假：病假”）")
                continue
            marks[key] = MarkEntry(mark=Mark(mark), reason=reason, by=self.by, at=self.now)
        if problems:
            return RowReport(**base, ok=False, message="；".join(problems))
        if not marks:
            return RowReport(**base, ok=False, message="本行没有填写考勤")
        store.set_marks(r.class_id, r.teacher_id, marks)
        return RowReport(**base, ok=True, message=f"已记录 {len(marks)} 次课的考勤")

    def online(self, r: files.OnlineRow) -> RowReport:
        base = {"row": r.row, "teacher_id": r.teacher_id, "name": r.name}
        got = self._class(r.class_id)
        if isinstance(got, str):
            return RowReport(**base, ok=False, message=got)
        _, enrolled, _ = got
        tid = r.teacher_id
        if not tid and r.id_number:
            if r.id_number not in self.identities:
                item = table_store.get_item({"PK": f"IDNO#{r.id_number}", "SK": "IDENTITY"})
                self.identities[r.id_number] = str(item["teacher_id"]) if item else None
            tid = self.identities[r.id_number] or ""
        if tid not in enrolled:
            return RowReport(
                **base, ok=False, message="找不到本班已确认的该学员（核对教师编号或身份证件号）"
            )
        try:
            hours = Decimal(r.hours)
        except InvalidOperation:
            return RowReport(**base, ok=False, message=f"线上学时“{r.hours}”不是数字")
        if not 0 <= hours <= 1000:
            return RowReport(**base, ok=False, message="线上学时应在 0 到 1000 之间")
        store.set_online_hours(r.class_id, tid, float(hours), "import")
        return RowReport(**{**base, "teacher_id": tid}, ok=True, message=f"线上学时 {hours}")


def import_status(user: User, job_id: str) -> ImportProgress:
    require(user, Role.INSTITUTION)
    job = store.get_import(job_id)
    if job is None or job.institution_id != user.institution_id:
        raise NotFound("导入任务不存在")
    rows = list(store.report_rows(job_id)) if job.status == ImportStatus.DONE else []
    rejected = [r for r in rows if not r.ok]
    return ImportProgress(job=job, rejected=rejected[:500])


# --- completion (QA-2) ---------------------------------------------------------------------


def decide(user: User, class_id: str, req: CompletionRequest, now: datetime) -> list[ItemOutcome]:
    """结业 (QA-2): the institution decides 合格/不合格 per teacher within the window, proposed
    by the rule; a decision against the proposal, a 不合格 and any correction carry a reason;
    after the deadline only the responsible bureau corrects. Each decision is one transaction
    (record, audit entry, non-completion report)."""
    tr = _rules()
    if user.role in BUREAUS:
        info = _info(class_id)
        if not _bureau_covers(user, info):
            raise NotFound("该班期不由你负责")
        rules.check_bureau_corrects(info, tr, now)
    else:
        info = _own_class(user, class_id)
        rules.check_institution_decides(info, tr, now)
    roster = class_roster(user, class_id, now)
    if roster.summary.cancelled:
        raise ClassCancelled()
    project = _project(info.project_id)
    # What a pass earns: the class's credits, a segment's in a segmented project (CR-2).
    worth = credit_rules.class_credits(project, info.term)
    by_id = {r.teacher_id: r for r in roster.rows}
    teachers = _names({i.teacher_id for i in req.items if i.teacher_id in by_id})
    out = []
    for item in req.items:
        row = by_id.get(item.teacher_id)
        if row is None:
            out.append(
                ItemOutcome(
                    teacher_id=item.teacher_id,
                    ok=False,
                    code="not_enrolled",
                    message="不是本班学员",
                )
            )
            continue
        prev = row.completion
        reason = item.reason.strip()
        if prev and prev.outcome == item.outcome and (not reason or reason == prev.reason):
            out.append(ItemOutcome(teacher_id=item.teacher_id, ok=True))  # a repeat
            continue
        if (
            item.outcome == Outcome.FAIL
            and not reason
            and prev is None
            and row.proposal.outcome == item.outcome
        ):
            reason = "；".join(row.proposal.reasons)
        needs_reason = (
            item.outcome != row.proposal.outcome or item.outcome == Outcome.FAIL or prev is not None
        )
        if needs_reason and len(reason) < 2:
            out.append(
                ItemOutcome(
                    teacher_id=item.teacher_id,
                    ok=False,
                    code=ReasonRequired.code,
                    message="与建议结果不同、不合格或更正已有认定时须填写原因",
                )
            )
            continue
        t = teachers.get(item.teacher_id)
        sel = sel_store.get_selection(item.teacher_id, info.term, class_id)
        verb = "更正" if prev else "认定"
        history = [*(prev.history if prev else [])]
        history.append(
            {
                "at": now.isoformat(),
                "by": f"{user.name}（{user.user_id}）",
                "outcome": item.outcome.value,
                "reason": reason,
                "event": verb,
            }
        )
        c = Completion(
            **info.naming(Completion),
            term=info.term,
            teacher_id=item.teacher_id,
            teacher_name=t.name if t else row.name,
            school_id=sel.school_id,
            region_code=sel.region_code,
            outcome=item.outcome,
            proposed=row.proposal.outcome,
            reason=reason,
            decided_by=user.user_id,
            decided_role=user.role.value,
            decided_at=now,
            version=(prev.version + 1) if prev else 1,
            credits=worth.credits,
            credits_online=worth.online,
            class_end=info.end_date,
            segment=worth.segment,
            history=history,
        )
        audit = AuditEntry(
            at=now,
            project_id=info.project_id,
            institution_id=info.institution_id,
            term=info.term,
            event="completion_corrected" if prev else "completion_decided",
            actor=f"{user.name}（{user.user_id}）",
            detail=(
                f"{info.class_name} {c.teacher_name}：{verb}为{OUTCOME_NAMES[item.outcome]}"
                + (f"（原为{OUTCOME_NAMES[prev.outcome]}）" if prev else "")
                + (f"；原因：{reason}" if reason else "")
            ),
        )
        try:
            items = store.completion_items(
                c, prev, audit, segments=len(project.segments), by_name=user.name
            )
            store.write_completion(items)
            out.append(ItemOutcome(teacher_id=item.teacher_id, ok=True))
        except Busy:
            raise
        except DomainError as exc:
            out.append(
                ItemOutcome(
                    teacher_id=item.teacher_id, ok=False, code=exc.code, message=exc.message
                )
            )
    return out


# --- the teacher's own view ----------------------------------------------------------------


def my_training(user: User, now: datetime) -> list[MyClass]:
    """The teacher's confirmed (and cancelled) classes: check-in, attendance per session,
    online hours, the proposed and the decided completion with its reason."""
    require(user, Role.TEACHER)
    tid = user.teacher_id or ""
    term = settings().term
    tr = _rules()
    done = {c.class_id: c for c in store.completions_of_teacher(tid, term)}
    out = []
    for s in sel_store.list_for_teacher(tid, term):
        if s.status not in (SelectionStatus.CONFIRMED, SelectionStatus.CANCELLED):
            continue
        try:
            info = _info(s.class_id)
            project = _project(s.project_id)
        except NotFound:
            continue
        klass = _klass(project, s.class_id)
        sessions = rules.sessions_of(klass, tr)
        att = store.get_attendance(s.class_id, tid)
        online_required = rules.online_hours_required(project.form, project.credits_online, tr)
        c = done.get(s.class_id)
        _, closes = rules.decision_window(info, tr)
        stage, text = _stage(info, klass, now)
        marks = att.marks if att else {}
        out.append(
            MyClass(
                class_id=s.class_id,
                class_name=s.class_name,
                project_id=s.project_id,
                project_title=s.project_title,
                institution_name=s.institution_name,
                start_date=info.start_date,
                end_date=info.end_date,
                place=klass.place,
                status_text=text,
                cancelled=s.status == SelectionStatus.CANCELLED,
                cancel_reason=s.reason if s.status == SelectionStatus.CANCELLED else "",
                checked_in_at=att.checked_in_at if att else None,
                sessions=[
                    MySession(
                        key=x.key,
                        day=x.day,
                        start=x.start,
                        end=x.end,
                        topic=x.topic,
                        mark=marks[x.key].mark if x.key in marks else None,
                        mark_text=MARK_NAMES[marks[x.key].mark] if x.key in marks else "",
                        reason=marks[x.key].reason if x.key in marks else "",
                    )
                    for x in sessions
                ],
                online_hours=att.online_hours if att else None,
                online_required=online_required,
                proposal=rules.propose(att, sessions, online_required, tr)
                if stage in ("deciding", "closed")
                else None,
                outcome=c.outcome if c else None,
                outcome_text=OUTCOME_NAMES[c.outcome] if c else "",
                outcome_reason=c.reason if c else "",
                deadline=(closes - timedelta(days=1)).date(),
            )
        )
    return sorted(out, key=lambda m: m.start_date)


# --- non-completion reports (QA-2) ---------------------------------------------------------


def noncompletion(user: User) -> list[NonCompletionRow]:
    """QA-2: teachers reported as not completing, with the institution's reason: a school sees
    its teachers, a bureau its region."""
    term = settings().term
    tree = region_tree()
    if user.role in scope.SCHOOL_STAFF:
        item = table_store.get_item({"PK": f"SCHOOL#{user.school_id}", "SK": "PROFILE"})
        if not item or "doc" not in item:
            raise Forbidden("账号未关联学校")
        from schemas.org import School

        s = School.model_validate_json(item["doc"])
        found = store.noncompletions(s.region_code, term, s.school_id)
    elif user.role in BUREAUS:
        region = scope.region_scope(user) or ""
        found = []
        for county in scope.counties_in(region, tree):
            found += store.noncompletions(county, term)
    else:
        raise Forbidden()
    schools = _school_names({c.school_id for c in found})
    responsible: dict[str, bool] = {}
    if user.role in BUREAUS:
        for cid in {c.class_id for c in found}:
            try:
                responsible[cid] = _bureau_covers(user, _info(cid))
            except NotFound:
                responsible[cid] = False
    rows = [
        NonCompletionRow(
            class_id=c.class_id,
            teacher_id=c.teacher_id,
            teacher_name=c.teacher_name,
            school_id=c.school_id,
            school_name=schools.get(c.school_id, ""),
            region_code=c.region_code,
            region_name=tree.full_name(c.region_code) if c.region_code in tree.regions else "",
            project_title=c.project_title,
            class_name=c.class_name,
            institution_name=c.institution_name,
            reason=c.reason,
            decided_at=c.decided_at,
            correctable=responsible.get(c.class_id, False),
        )
        for c in found
    ]
    return sorted(rows, key=lambda r: (r.region_code, r.school_name, r.teacher_name))


def noncompletion_xlsx(user: User) -> tuple[str, bytes]:
    rows = noncompletion(user)
    data = files.table_workbook(
        "未完成培训名单",
        ("县（市、区）", "学校", "教师", "项目", "班期", "培训机构", "原因", "认定时间"),
        (
            (
                r.region_name,
                r.school_name,
                r.teacher_name,
                r.project_title,
                r.class_name,
                r.institution_name,
                r.reason,
                f"{r.decided_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
            )
            for r in rows
        ),
    )
    return f"{settings().term}未完成培训名单.xlsx", data


# --- cancelled classes (取消办班, SE-2) -----------------------------------------------------


def bureau_classes(user: User, now: datetime) -> list[ClassSummary]:
    """The classes the bureau is responsible for, with their teachers against the minimum."""
    require(user, *BUREAUS)
    projects = catalog.published_projects(settings().term)
    out = _summaries(projects, now, lambda i: _bureau_covers(user, i))
    return sorted(out, key=lambda c: (not c.cancellable, c.confirmed, c.class_id))


def cancel_class(user: User, class_id: str, req: CancelRequest, now: datetime) -> CancelResult:
    """取消办班 (SE-2): after round 1's recheck and before round 2 opens, the responsible bureau
    cancels a class with fewer confirmed teachers than its minimum, with a reason. The class
    stops taking seats at once (its counter is marked, conditioned on the seats it holds); each
    teacher's seat and days are freed in one transaction per teacher (they keep their round-1
    participation, SE-2); waiting teachers end 未递补. Calling it again finishes what a first
    call left undone."""
    from functions.projects import store as projects_store

    require(user, *BUREAUS)
    info = _info(class_id)
    if not _bureau_covers(user, info):
        raise NotFound("该班期不由你负责")
    calendar = _calendar()
    if not rules.cancellation_open(calendar, now):
        raise OutsideWindow("取消办班须在第一轮复核开始后、第二轮选课开始前进行")
    reason = req.reason.strip()
    sel_store.mark_cancelled(
        class_id, rules.min_size(info, calendar.training), reason, user.user_id, now
    )
    found = projects_store.get_published(info.project_id)
    if found is not None:
        item, doc = found
        klass = _klass(doc, class_id)
        if not klass.cancelled:
            new = doc.model_copy(
                update={
                    "classes": tuple(
                        c.model_copy(update={"cancelled": True, "cancel_reason": reason})
                        if c.class_id == class_id
                        else c
                        for c in doc.classes
                    )
                }
            )
            audit = AuditEntry(
                at=now,
                project_id=doc.project_id,
                institution_id=doc.institution_id,
                term=doc.term,
                event="class_cancelled",
                actor=f"{user.name}（{user.user_id}）",
                detail=f"{klass.name}取消办班：{reason}",
            )
            projects_store.write_revision(item, new, [], audit)
            records.clear_cache()
    released = 0
    for sel in sel_store.list_for_class(class_id):
        if sel.status in (
            SelectionStatus.PENDING,
            SelectionStatus.SCHOOL_APPROVED,
            SelectionStatus.CONFIRMED,
        ) and sel_store.cancel_selection(sel, f"班期已取消：{reason}", now):
            released += 1
    closed = sel_store.close_waitlist(
        class_id, f"班期已取消：{reason}", now, f"《{info.project_title}》{info.class_name}"
    )
    site.request_publication(info.term, "a class was cancelled", [info.project_id])
    return CancelResult(
        class_id=class_id,
        cancelled=True,
        released=released,
        waitlist_closed=len(closed),
        reason=reason,
    )
