"""Records use cases (TD-1 … TD-3): import the national export, school maintenance, anomalies,
staff accounts. Plain functions over the records store; every read and write is scoped by
`functions.common.scope`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, ClassVar

from pydantic import Field, ValidationError

from functions.common import notices, outbox, records, scope
from functions.common.errors import (
    BadImportFile,
    Conflict,
    Forbidden,
    IdempotencyKeyReused,
    MergeHasSelections,
    NotFound,
    OutsideScope,
    OwnAccount,
    ReasonRequired,
    RecordMerged,
    ValidationFailed,
)
from functions.common.settings import EnvSettings, settings
from functions.records import files, rules, store
from schemas.org import School
from schemas.people import ROLE_NAMES, Role, Teacher, User
from schemas.privacy import mask_id_number
from schemas.records import (
    ANOMALY_NAMES,
    IMPORT_PART_BYTES,
    IMPORT_SUFFIXES,
    OUTCOME_NAMES,
    RECORD_SOURCE_NAMES,
    STAFF_ROLES,
    AccountList,
    AccountRequest,
    AccountRow,
    AccountStatusRequest,
    AccountView,
    Anomaly,
    AnomalyKind,
    AnomalyList,
    AnomalyStatus,
    AnomalyView,
    CheckIndexing,
    CheckProgress,
    ImportJob,
    ImportReportPage,
    ImportRow,
    ImportUpload,
    JobStatus,
    LocalTeacherRequest,
    Outcome,
    PartReceived,
    RecordSource,
    RecordsScope,
    RegionOption,
    ReportRow,
    ResolveAction,
    ResolveRequest,
    RoleOption,
    RowResult,
    TeacherView,
    id_birth_date,
    id_number_problem,
    normalize_id_number,
)
from schemas.regions import RegionLevel, region_tree

CHUNK = 1000  # rows validated, compared and written together; progress is saved per chunk
RESUME_MARGIN_SECONDS = 90  # a worker run hands over when less time than this is left
UPLOAD_KEEP_SECONDS = 7 * 86400  # parts of an upload never started are dropped by TTL
REPORT_PAGE = 500


class RecordsSettings(EnvSettings):
    env_prefix: ClassVar[str] = "ZJT_RECORDS_"

    # Keyed hash deriving a new teacher's opaque id from the ID number: deterministic (a retried
    # or concurrent import creates one record, not two) but not reversible without the key.
    teacher_id_key: str = "zjtrain-local-teacher-id-key"
    # Name or ARN of the import worker function (set by infra/ and by the local stack); empty
    # runs imports inside the request (tests).
    import_function: str = ""
    # Bytes per uploaded part (one table item each); smaller only to exercise many parts.
    import_part_bytes: int = Field(default=IMPORT_PART_BYTES, ge=64, le=IMPORT_PART_BYTES)


@cache
def records_settings() -> RecordsSettings:
    return RecordsSettings.from_environment()


def new_teacher_id(id_number: str) -> str:
    key = records_settings().teacher_id_key.encode()
    return "T" + hmac.new(key, id_number.encode(), hashlib.sha256).hexdigest()[:15]


# --- scope ---------------------------------------------------------------------------------


def scope_info(user: User) -> RecordsScope:
    """What the records pages offer this user: regions, school, import right."""
    tree = region_tree()
    region = scope.region_scope(user)
    regions: list[RegionOption] = []
    if region:
        for r in tree.regions.values():
            if tree.within(r.code, region):
                regions.append(
                    RegionOption(code=r.code, name=tree.full_name(r.code), level=r.level)
                )
        regions.sort(key=lambda r: r.code)
    school = store.get_school(user.school_id) if user.school_id else None
    return RecordsScope(
        user_id=user.user_id,
        name=user.name,
        role=user.role.value,
        role_name=ROLE_NAMES[user.role],
        region_code=region,
        regions=regions,
        school=school if school and user.role in scope.SCHOOL_STAFF else None,
        may_import=scope.may_import(user),
        may_maintain=user.role in scope.SCHOOL_STAFF,
        may_assign=user.role in scope.BUREAUS,
        may_disable_teachers=user.role in (Role.SCHOOL_ADMIN, *scope.BUREAUS),
        staff_roles=[RoleOption(role=r.value, name=ROLE_NAMES[r]) for r in STAFF_ROLES],
    )


def _school_in_scope(user: User, school_id: str) -> School:
    school = store.get_school(school_id)
    if school is None:
        raise NotFound("学校不存在")
    if not scope.covers_school(user, school):
        raise OutsideScope()
    return school


# --- import (TD-1) -------------------------------------------------------------------------


def create_import(user: User, req: ImportUpload, job_key: str | None, now: datetime) -> ImportJob:
    """Announce a file (TD-1): a job waiting for its parts.

    The job id is the client's Idempotency-Key, so a retried announcement returns the first
    job instead of starting a second import of the same file.
    """
    if not scope.may_import(user):
        raise Forbidden("只有省、市教育局管理员可以导入教师信息")
    if not req.file_name.lower().endswith(IMPORT_SUFFIXES):
        raise BadImportFile("只能导入 xlsx 或 csv 文件（见导入模板）")
    part_bytes = RecordsSettings.from_environment().import_part_bytes
    job = ImportJob(
        job_id=job_key or uuid.uuid4().hex,
        file_name=req.file_name[:120],
        uploaded_by=user.user_id,
        region_code=scope.region_scope(user) or scope.PROVINCE,
        created_at=now,
        status=JobStatus.UPLOADING,
        size=req.size,
        part_size=part_bytes,
    )
    existing = store.create_job(job)
    if existing is not None:
        if existing.uploaded_by != user.user_id:
            raise Forbidden()
        if (existing.file_name, existing.size) != (job.file_name, job.size):
            raise IdempotencyKeyReused()  # the key names another file: refused
        return existing  # a replay: the first answer
    return job


def _own_job(user: User, job_id: str) -> ImportJob:
    job = store.get_job(job_id)
    if job is None:
        raise NotFound("导入任务不存在")
    if job.uploaded_by != user.user_id:
        raise Forbidden("只能向自己创建的导入任务上传文件")
    return job


def put_part(user: User, job_id: str, part: int, data: bytes) -> PartReceived:
    """Keep one part of the file; each has the exact size the job announced."""
    job = _own_job(user, job_id)
    if job.status != JobStatus.UPLOADING:
        raise Conflict("该导入任务已开始处理，不能再上传文件")
    if not 1 <= part <= job.parts:
        raise ValidationFailed(f"分段序号应在 1—{job.parts} 之间")
    expected = job.part_size if part < job.parts else job.size - job.part_size * (job.parts - 1)
    if len(data) != expected:
        raise ValidationFailed(f"第 {part} 段应为 {expected} 字节，收到 {len(data)} 字节")
    expires = int(job.created_at.timestamp()) + UPLOAD_KEEP_SECONDS
    store.put_upload_part(job_id, part, data, expires)
    return PartReceived(job_id=job_id, part=part, bytes=len(data))


def start_import(user: User, job_id: str, now: datetime) -> ImportJob:
    """All parts are in: check the file can be read, then hand it to the import worker.

    Starting twice returns the job as it stands. An unreadable file or one without the
    template's columns fails here, at once, with the reason (422).
    """
    job = _own_job(user, job_id)
    if job.status != JobStatus.UPLOADING:
        return job
    sizes = store.upload_sizes(job_id)
    missing = [p for p in range(1, job.parts + 1) if p not in sizes]
    if missing:
        shown = "、".join(str(p) for p in missing[:5]) + ("等" if len(missing) > 5 else "")
        raise ValidationFailed(f"文件还有 {len(missing)} 段未上传（第 {shown} 段）")
    try:
        files.check(job.file_name, store.upload_content(job_id))
    except BadImportFile as exc:
        job.status, job.finished_at, job.message = JobStatus.FAILED, now, exc.message
        store.update_job(job)
        store.delete_upload(job_id, job.parts)
        raise
    if store.move_job(job_id, JobStatus.UPLOADING.value, JobStatus.QUEUED.value):
        _dispatch(job_id, now)
    return store.get_job(job_id) or job


def _dispatch(job_id: str, now: datetime) -> None:
    """Run the import in the worker function (deployed and local stack) or, where none is
    configured (tests over moto), right here."""
    worker = (
        RecordsSettings.from_environment().import_function
    )  # read per call: the local stack sets it late
    if worker:
        store.start_worker(worker, job_id)
    else:
        continue_import(job_id, now, lambda: math.inf, lambda: None)


def continue_import(
    job_id: str,
    now: datetime,
    seconds_left: Callable[[], float],
    resume: Callable[[], None],
) -> ImportJob | None:
    """One run of the import worker: validate, compare and upsert the rows chunk by chunk
    from where the job stands (TD-1); never deletes a record.

    Progress is saved per chunk, guarded by the count processed before it, so a retried or
    duplicated run never counts a chunk twice. When this run's time is nearly up it calls
    `resume` (the worker starts its next run) and returns; a file of any length completes.
    """
    job = store.get_job(job_id)
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job
    try:
        rows = files.parse(job.file_name, store.upload_content(job_id))
    except BadImportFile as exc:
        job.status, job.finished_at, job.message = JobStatus.FAILED, now, exc.message
        told = notices.import_finished(
            job.uploaded_by, job_id, job.file_name, False, exc.message, now
        )
        store.finish_job(job, outbox.put(told))
        return job
    job.status, job.total, job.runs = JobStatus.RUNNING, len(rows), job.runs + 1
    store.update_job(job)
    state = _ImportState()
    state.remember(rows[: job.processed])
    while job.processed < len(rows):
        if seconds_left() < RESUME_MARGIN_SECONDS:
            resume()
            return job
        before = job.processed
        chunk = rows[before : before + CHUNK]
        results, items = _import_chunk(job, chunk, state)
        results = store.save_report_part(job_id, before // CHUNK, results)
        store.write(items)
        for r in results:
            job.counts[r.outcome.value] = job.counts.get(r.outcome.value, 0) + 1
        job.processed = before + len(chunk)
        if not store.update_job(job, expect_processed=before):
            return store.get_job(job_id)  # another run of this job got further
    job.status, job.finished_at = JobStatus.DONE, now
    job.message = "，".join(f"{OUTCOME_NAMES[o]} {job.counts.get(o.value, 0)}" for o in Outcome)
    told = notices.import_finished(job.uploaded_by, job_id, job.file_name, True, job.message, now)
    store.finish_job(job, outbox.put(told))
    store.delete_upload(job_id, job.parts)
    records.clear_cache()
    return job


class _ImportState:
    def __init__(self) -> None:
        self.schools: dict[str, School | None] = {}
        self.seen: dict[str, int] = {}  # ID number -> first row carrying it

    def remember(self, rows: Sequence[files.Row]) -> None:
        """Rows an earlier run imported: their ID numbers count as seen (in-file duplicates)."""
        for n, cells in rows:
            with contextlib.suppress(ValidationError):
                self.seen.setdefault(ImportRow.from_cells(cells).id_number, n)


def _import_chunk(
    job: ImportJob, rows: Sequence[files.Row], state: _ImportState
) -> tuple[list[RowResult], list[dict[str, Any]]]:
    """The row results of one chunk and the items that carry them out (not yet written)."""
    tree = region_tree()
    results: dict[int, RowResult] = {}
    valid: list[tuple[int, ImportRow]] = []
    for n, cells in rows:
        try:
            valid.append((n, ImportRow.from_cells(cells)))
        except ValidationError as exc:
            idno = normalize_id_number(str(cells.get("身份证件号") or ""))
            results[n] = RowResult(
                row=n,
                id_masked=mask_id_number(idno),
                name=str(cells.get("姓名") or "")[:40],
                outcome=Outcome.REJECTED,
                reason=rules.explain(exc),
            )
    wanted = {r.school_id for _, r in valid} - state.schools.keys()
    if wanted:
        found = store.schools(wanted)
        state.schools.update({s: found.get(s) for s in wanted})

    def reject(n: int, r: ImportRow, reason: str) -> None:
        results[n] = RowResult(
            row=n,
            id_masked=mask_id_number(r.id_number),
            name=r.name,
            outcome=Outcome.REJECTED,
            reason=reason,
        )

    accepted: list[tuple[int, ImportRow, School]] = []
    for n, r in valid:
        school = state.schools.get(r.school_id)
        problem = rules.school_problem(r.school_id, school, job.region_code, tree)
        first = state.seen.setdefault(r.id_number, n)
        if problem or school is None:
            reject(n, r, problem or "")
        elif first != n:
            reject(n, r, f"与第 {first} 行的身份证件号重复，本行未导入")
        else:
            accepted.append((n, r, school))

    idents = store.identities(r.id_number for _, r, _ in accepted)
    drafts: list[tuple[int, ImportRow, School, Teacher, dict[str, Any] | None]] = []
    need_old: list[str] = []
    for n, r, school in accepted:
        ident = idents.get(r.id_number)
        tid = str(ident["teacher_id"]) if ident else new_teacher_id(r.id_number)
        draft = rules.teacher_from_row(r, tid, school.region_code, None)
        drafts.append((n, r, school, draft, ident))
        if ident and not (
            ident.get("source") == RecordSource.NATIONAL.value
            and ident.get("hash") == rules.content_hash(draft)
        ):
            need_old.append(tid)
    olds = store.teachers(need_old) if need_old else {}

    items: list[dict[str, Any]] = []
    moved_accounts: list[Teacher] = []
    for n, r, school, draft, ident in drafts:
        old = olds.get(draft.teacher_id)
        decision = rules.classify(
            draft, old, ident.get("hash") if ident else None, ident.get("source") if ident else None
        )
        if decision.outcome != Outcome.UNCHANGED:
            new = rules.teacher_from_row(r, draft.teacher_id, school.region_code, old)
            items.append(store.teacher_item(new))
            items.append(
                store.identity_item(
                    r.id_number,
                    new.teacher_id,
                    rules.content_hash(new),
                    RecordSource.NATIONAL.value,
                )
            )
            if decision.outcome == Outcome.CREATED:
                items.append(store.account_item(_teacher_account(new)))
            elif old is not None and (old.school_id, old.name) != (new.school_id, new.name):
                moved_accounts.append(new)
        results[n] = RowResult(
            row=n,
            id_masked=mask_id_number(r.id_number),
            name=r.name,
            outcome=decision.outcome,
            reason=decision.reason,
            teacher_id=draft.teacher_id,
        )
    if moved_accounts:
        accounts = store.users(t.teacher_id for t in moved_accounts)
        for t in moved_accounts:
            acc = accounts.get(t.teacher_id)
            if acc is None or (acc.role == Role.TEACHER and acc.teacher_id == t.teacher_id):
                account = _teacher_account(t)
                if acc is not None:  # a moved teacher's disabled account stays disabled
                    account = account.model_copy(
                        update=acc.model_dump(include=set(rules.STATUS_FIELDS))
                    )
                items.append(store.account_item(account))
    return [results[n] for n, _ in rows], items


def _teacher_account(t: Teacher) -> User:
    """A teacher's account: the login id is the record's teacher id (as in the demo world)."""
    return User(
        user_id=t.teacher_id,
        role=Role.TEACHER,
        name=t.name,
        school_id=t.school_id,
        region_code=t.region_code,
        teacher_id=t.teacher_id,
    )


def _job_in_scope(user: User, job_id: str) -> ImportJob:
    job = store.get_job(job_id)
    if job is None:
        raise NotFound("导入任务不存在")
    if job.uploaded_by != user.user_id and not scope.covers_region(user, job.region_code):
        raise OutsideScope()
    return job


def get_job(user: User, job_id: str) -> ImportJob:
    return _job_in_scope(user, job_id)


def report(user: User, job_id: str, outcome: str | None, offset: int) -> ImportReportPage:
    """A page of the per-row report (rejected rows first is the page's default filter)."""
    job = _job_in_scope(user, job_id)
    rows = [r for r in store.report_rows(job_id) if not outcome or r.outcome.value == outcome]
    page = rows[offset : offset + REPORT_PAGE]
    return ImportReportPage(
        job=job,
        total=len(rows),
        offset=offset,
        rows=[ReportRow(**r.model_dump(), outcome_text=OUTCOME_NAMES[r.outcome]) for r in page],
    )


def report_xlsx(user: User, job_id: str, outcome: str | None = None) -> bytes:
    """The report as a workbook, all rows or one outcome's (a very large import's rejected rows
    stay far below Lambda's 6 MB response limit; all rows of 100,000 are about 3.4 MB)."""
    _job_in_scope(user, job_id)
    rows = store.report_rows(job_id)
    return files.report_xlsx(r for r in rows if not outcome or r.outcome.value == outcome)


# --- schools and teachers (TD-2) -----------------------------------------------------------


def list_schools(user: User, region: str | None) -> list[School]:
    """Schools the user may see: their own (school staff) or those of a county in scope."""
    if user.role in scope.SCHOOL_STAFF:
        return [_school_in_scope(user, user.school_id or "")]
    base = scope.region_scope(user)
    if base is None:
        raise Forbidden()
    region = region or base
    if not scope.covers_region(user, region):
        raise OutsideScope()
    if region_tree().get(region).level != RegionLevel.COUNTY:
        raise ValidationFailed("请选择一个县（市、区）")
    return store.schools_in_county(region)


def birth_date_of(t: Teacher) -> date | None:
    """The birth date the ID number encodes (records store no separate copy of it); a legacy
    record without an ID number keeps the one it has."""
    if t.id_number and not id_number_problem(t.id_number):
        return id_birth_date(t.id_number)
    return t.birth_date


def teacher_view(
    user: User, t: Teacher, school: School | None, merged_into_text: str = ""
) -> TeacherView:
    """A teacher record as `user` may see it: ID number masked unless owner or school admin;
    `merged_into_text` names the record a merged duplicate went into."""
    full = scope.sees_full_id_number(user, t)
    return TeacherView(
        teacher_id=t.teacher_id,
        name=t.name,
        gender=t.gender,
        birth_date=born.isoformat() if full and (born := birth_date_of(t)) else "",
        id_number=(t.id_number or "") if full else mask_id_number(t.id_number),
        id_full=full,
        school_id=t.school_id,
        school_name=school.name if school else "",
        region_code=t.region_code,
        stage=t.stage,
        subject=t.subject,
        title=t.title,
        employment=t.employment,
        source=t.source,
        source_text=RECORD_SOURCE_NAMES.get(t.source, "未关联"),
        merged_into=t.merged_into,
        merged_into_text=merged_into_text,
    )


def list_teachers(user: User, school_id: str) -> list[TeacherView]:
    """A school's teachers; a duplicate merged away names the record it was merged into (by
    name and school: pages show names, not ids), read in one batch for the whole list."""
    school = _school_in_scope(user, school_id)
    teachers = store.teachers_of_school(school_id)
    kept = store.teachers({t.merged_into for t in teachers if t.merged_into})
    schools = store.schools({t.school_id for t in kept.values()} - {school_id})
    schools[school_id] = school
    names = rules.record_labels(kept.values(), schools)
    return [
        teacher_view(
            user, t, school, names.get(t.merged_into, "另一条记录") if t.merged_into else ""
        )
        for t in teachers
    ]


def get_teacher(user: User, teacher_id: str) -> TeacherView:
    t = store.get_teacher(teacher_id)
    if t is None:
        raise NotFound("教师记录不存在")
    school = store.get_school(t.school_id)
    if not scope.covers_teacher(user, t, school):
        raise OutsideScope()
    return teacher_view(user, t, school)


def save_local_teacher(user: User, teacher_id: str | None, req: LocalTeacherRequest) -> TeacherView:
    """A school adds (teacher_id None) or edits a teacher the national system lacks (TD-2)."""
    if user.role not in scope.SCHOOL_STAFF:
        raise Forbidden("只有校长或学校管理员可以维护本校教师")
    school = _school_in_scope(user, user.school_id or "")
    fields = {**req.model_dump(), "school_id": school.school_id}
    try:
        row = ImportRow.model_validate(fields)
    except ValidationError as exc:
        raise ValidationFailed(rules.explain(exc)) from exc
    old: Teacher | None = None
    if teacher_id:
        old = store.get_teacher(teacher_id)
        if old is None:
            raise NotFound("教师记录不存在")
        if old.school_id != school.school_id:
            raise OutsideScope()
        problem = rules.local_edit_problem(old)
        if problem:
            raise ValidationFailed(problem)
    else:
        ident = store.identities([row.id_number]).get(row.id_number)
        if ident is not None:
            raise ValidationFailed("该身份证件号的教师已在平台中，请勿重复添加")
    tid = old.teacher_id if old else new_teacher_id(row.id_number)
    t = rules.teacher_from_row(row, tid, school.region_code, old)
    t = t.model_copy(update={"source": RecordSource.SCHOOL.value})
    store.put_local_teacher(t, rules.content_hash(t), old.id_number if old else None)
    if old is None and not store.users([tid]):
        store.put_account(_teacher_account(t))
    return teacher_view(user, t, school)


# --- anomalies (TD-3) ----------------------------------------------------------------------

_STICKY = (
    AnomalyKind.MOVED_WITH_SELECTIONS,
    AnomalyKind.INACTIVE_WITH_SELECTIONS,
    AnomalyKind.INVALID_ID,
)


INDEX_SEGMENTS = 32
# Well inside the functions' 10-s timeout (infra/config.yaml): the page calls again until done.
CHECK_BUDGET_SECONDS = 5.0


def run_check(
    user: User, now: datetime, region: str | None = None, start: str | None = None
) -> CheckIndexing | CheckProgress:
    """Check the records of a region for anomalies (TD-3), county by county, and store them.

    Records written before this context existed lack its indexes: the first calls index them
    segment by segment (`phase: indexing`). Then counties are checked in code order within a
    time budget; while `done` is false the caller calls again with `start=next` (the page does;
    a deployment runs the same loop as a scheduled job). Acknowledged anomalies stay resolved
    while their cause persists; an open anomaly whose cause is gone is closed as fixed.
    """
    if user.role not in (*scope.BUREAUS, Role.CENTRE):
        raise Forbidden("只有教育局可以发起数据核查")
    tree = region_tree()
    region = region or scope.region_scope(user) or ""
    if not scope.covers_region(user, region, tree):
        raise OutsideScope()
    started = time.monotonic()
    state = store.migration_state()
    if not state.get("done"):
        seg, indexed = int(state.get("next_segment", 0)), int(state.get("indexed", 0))
        first = seg
        # At least one step a call, so the loop always moves on.
        while seg < INDEX_SEGMENTS and (
            seg == first or time.monotonic() - started < CHECK_BUDGET_SECONDS
        ):
            indexed += store.index_segment(seg, INDEX_SEGMENTS)
            seg += 1
            # Saved per segment: a call cut off by the API timeout keeps what it did.
            store.save_migration(seg, seg >= INDEX_SEGMENTS, indexed)
        return CheckIndexing(segment=seg, segments=INDEX_SEGMENTS)
    counties = scope.counties_in(region, tree)
    if region == scope.PROVINCE:
        counties.append(store.UNKNOWN_REGION)
    i = counties.index(start) if start in counties else 0
    opened, first = 0, i
    while i < len(counties) and (i == first or time.monotonic() - started < CHECK_BUDGET_SECONDS):
        opened += _check_county(counties[i], now)
        i += 1
    return CheckProgress(
        done=i >= len(counties),
        next=counties[i] if i < len(counties) else None,
        checked=i,
        counties=len(counties),
        open=opened,
    )


def _check_county(county: str, now: datetime) -> int:
    """Find and store the anomalies of one county's records; returns how many are open."""
    tree = region_tree()
    schools = {s.school_id: s for s in store.schools_in_county(county)}
    own = {t.teacher_id: t for t in store.teachers_in_county(county)}
    teachers = dict(own)
    selections = [
        sel for sid in schools for sel in store.selections_of_school(sid, settings().term)
    ]
    # Records elsewhere that this county's anomalies involve: a moved teacher's current
    # record, another school, the other holder of an ID number.
    teachers.update(store.teachers({s["teacher_id"] for s in selections} - teachers.keys()))
    idents = store.identities({t.id_number for t in teachers.values() if t.id_number})
    others = {str(i["teacher_id"]) for i in idents.values()} - teachers.keys()
    teachers.update(store.teachers(others))
    all_schools = {
        **schools,
        **store.schools({t.school_id for t in teachers.values()} - schools.keys()),
    }
    found = [
        a
        for a in rules.find_anomalies(teachers.values(), all_schools, selections, tree, now)
        if set(a.teacher_ids) & own.keys() or set(a.school_ids) & schools.keys()
    ]
    mine = set(own) | set(schools)
    partitions = tree.ancestors(county) if county in tree.regions else [scope.PROVINCE]
    stored = {
        a.anomaly_id: a
        for p in dict.fromkeys([county, *partitions])
        for a in store.anomalies_in(p)
        if (set(a.teacher_ids) | set(a.school_ids)) & mine
    }
    out: list[Anomaly] = []
    seen: set[str] = set()
    for a in found:
        seen.add(a.anomaly_id)
        old = stored.get(a.anomaly_id)
        if old and old.status == AnomalyStatus.RESOLVED and a.kind in _STICKY:
            continue
        out.append(a.model_copy(update={"found_at": old.found_at}) if old else a)
    for aid, old in stored.items():
        if aid not in seen and old.status == AnomalyStatus.OPEN:
            out.append(
                old.model_copy(
                    update={
                        "status": AnomalyStatus.RESOLVED,
                        "resolved_by": "system",
                        "resolved_at": now,
                        "resolution": "复查时已不存在",
                    }
                )
            )
    store.put_anomalies(out)
    return sum(1 for a in out if a.status == AnomalyStatus.OPEN)


def _anomaly_regions(user: User) -> list[str]:
    tree = region_tree()
    if user.role in scope.SCHOOL_STAFF:
        school = store.get_school(user.school_id or "")
        return tree.ancestors(school.region_code) if school else []
    base = scope.region_scope(user)
    if base is None or user.role not in (*scope.BUREAUS, Role.CENTRE):
        raise Forbidden()
    return [r for r in tree.regions if tree.within(r, base)]


def list_anomalies(user: User, status: str | None) -> AnomalyList:
    tree = region_tree()
    out = []
    for region in _anomaly_regions(user):
        for a in store.anomalies_in(region):
            if not rules.sees_anomaly(user, a, tree) or (status and a.status.value != status):
                continue
            out.append(
                AnomalyView(
                    **dict(a),
                    kind_text=ANOMALY_NAMES[a.kind],
                    region_name=tree.full_name(a.region_code),
                    may_resolve=rules.may_resolve(user, a, tree),
                )
            )
    out.sort(key=lambda a: (a.status != AnomalyStatus.OPEN, a.kind.value, a.anomaly_id))
    return AnomalyList(anomalies=out)


def resolve_anomaly(user: User, anomaly_id: str, req: ResolveRequest, now: datetime) -> Anomaly:
    """The owner resolves an anomaly with one of its actions (TD-3)."""
    region = anomaly_id.split("-", 1)[0]
    if region not in region_tree().regions:
        raise NotFound("该异常不存在")
    a = store.get_anomaly(region, anomaly_id)
    tree = region_tree()
    if not rules.may_resolve(user, a, tree):
        raise OutsideScope("该异常不由你负责处理")
    if req.action not in a.actions:
        raise ValidationFailed("该异常不支持此处理方式")
    text = req.note
    merge: store.Merge | None = None
    if req.action == ResolveAction.KEEP_ONE:
        text, merge = _keep_one(user, a, req.teacher_id, now)
        text += f"；{req.note}" if req.note else ""
    elif req.action == ResolveAction.ASSIGN_SCHOOL:
        text = _assign_school(user, a, req.school_id) + (f"；{req.note}" if req.note else "")
    else:
        text = "已知悉" + (f"：{req.note}" if req.note else "")
    done = a.model_copy(
        update={
            "status": AnomalyStatus.RESOLVED,
            "resolved_by": user.user_id,
            "resolved_at": now,
            "resolution": text,
        }
    )
    if merge is None:
        store.resolve_anomaly(done)
    else:
        store.merge_duplicates(done, merge)  # the resolution is part of the merge's transaction
    return done


def _keep_one(user: User, a: Anomaly, keep: str | None, now: datetime) -> tuple[str, store.Merge]:
    """TD-3 KEEP_ONE: plan merging the other records into `keep` and disabling their logins.

    Refused while a record to be merged holds selections that are not withdrawn or rejected in
    the current term: with its login disabled its seats and waitlist places would be stranded.
    The merge's transaction checks again that no seat was taken meanwhile.
    """
    if not keep or keep not in a.teacher_ids:
        raise ValidationFailed("请选择要保留的教师记录")
    ts = store.teachers(a.teacher_ids)
    kept = ts.get(keep)
    if kept is None or not kept.id_number:
        raise NotFound("教师记录不存在")
    others = [t for tid, t in sorted(ts.items()) if tid != keep]
    names = rules.record_labels(ts.values(), store.schools({t.school_id for t in ts.values()}))
    term = settings().term
    for t in others:
        held = rules.open_selection_classes(store.selections_of_teacher(t.teacher_id, term))
        problem = rules.merge_problem(names[t.teacher_id], held)
        if problem:
            raise MergeHasSelections(problem)
    ids = {t.teacher_id for t in others}
    # Teacher accounts are keyed by the teacher id (see `_teacher_account`).
    accounts = [
        (rules.with_status(acc.user, True, user.user_id, now, rules.MERGED_REASON), acc.doc)
        for acc in store.stored_accounts(ids).values()
        if acc.user.teacher_id in ids and not acc.user.disabled
    ]
    merge = store.Merge(
        merged=[t.model_copy(update={"merged_into": keep}) for t in others],
        identity=store.identity_item(kept.id_number, keep, rules.content_hash(kept), kept.source),
        accounts=accounts,
        term=term,
    )
    text = f"保留 {names[keep]}，其余记录标记为重复（未删除）"
    if accounts:
        text += f"，已停用其登录账号 {len(accounts)} 个"
    return text, merge


def _assign_school(user: User, a: Anomaly, school_id: str | None) -> str:
    if not school_id or len(a.teacher_ids) != 1:
        raise ValidationFailed("请选择学校")
    school = _school_in_scope(user, school_id)
    t = store.get_teacher(a.teacher_ids[0])
    if t is None:
        raise NotFound("教师记录不存在")
    t = t.model_copy(update={"school_id": school.school_id, "region_code": school.region_code})
    items = [store.teacher_item(t)]
    if t.id_number:
        items.append(
            store.identity_item(t.id_number, t.teacher_id, rules.content_hash(t), t.source)
        )
    store.write(items)
    records.clear_cache()
    return f"学校设为 {school.name}"


# --- accounts ------------------------------------------------------------------------------


def _account_row(user: User, u: User, school: School | None, merged: bool = False) -> AccountRow:
    """An account as the accounts page lists it: status, and whether `user` may change it (the
    login of a record merged away as a duplicate stays disabled, TD-3)."""
    return AccountRow(
        **dict(u),
        role_name=ROLE_NAMES[u.role],
        status_text="已停用" if u.disabled else "正常",
        may_change_status=u.user_id != user.user_id
        and not (merged and u.disabled)
        and rules.account_status_problem(user, u, school, region_tree()) is None,
    )


def list_accounts(user: User, region: str | None, school_id: str | None = None) -> AccountList:
    """Staff accounts listed under a region (bureaus), or with `school_id` the teacher accounts
    of that school (its school admin, or a bureau covering it), each with its status."""
    if school_id:
        if user.role not in (Role.SCHOOL_ADMIN, *scope.BUREAUS):
            raise Forbidden("只有学校管理员或教育局管理员可以管理教师账号")
        school = _school_in_scope(user, school_id)
        of_school = {t.teacher_id: t for t in store.teachers_of_school(school.school_id)}
        found = store.users(of_school).values()
        teachers = sorted(
            (u for u in found if u.role == Role.TEACHER and u.teacher_id in of_school),
            key=lambda u: u.user_id,
        )
        return AccountList(
            accounts=[
                _account_row(user, u, school, bool(of_school[u.teacher_id or ""].merged_into))
                for u in teachers
            ]
        )
    if user.role not in scope.BUREAUS:
        raise Forbidden("只有教育局管理员可以管理账号")
    region = region or scope.region_scope(user) or ""
    if region not in region_tree().regions:
        raise ValidationFailed("区域代码无效")
    if not scope.covers_region(user, region):
        raise OutsideScope()
    accounts = sorted(store.accounts_in(region), key=lambda u: (u.role.value, u.user_id))
    schools = store.schools({u.school_id for u in accounts if u.school_id})
    return AccountList(
        accounts=[_account_row(user, u, schools.get(u.school_id or "")) for u in accounts]
    )


def assign_account(user: User, user_id: str, req: AccountRequest) -> AccountView:
    """Give account `user_id` a staff role within the administrator's scope, or (role teacher)
    give the login of a teacher record its teacher account back.

    An existing account is changed only by an administrator who covers it as it is now
    (`rules.account_change_problem`): a bureau cannot pull another region's teacher into its
    own scope by re-roling the account."""
    if user.role not in (Role.SCHOOL_ADMIN, *scope.BUREAUS):
        raise Forbidden("只有教育局管理员可以管理账号")
    tree = region_tree()
    existing = store.users([user_id]).get(user_id)
    record = store.get_teacher(existing.teacher_id) if existing and existing.teacher_id else None
    if existing is not None:
        current_school = store.get_school(existing.school_id) if existing.school_id else None
        own = _teacher_account(record) if record else None
        record_school = store.get_school(record.school_id) if record else None
        problem = rules.account_change_problem(
            user, existing, current_school, own, record_school, tree
        )
        if problem:
            raise OutsideScope(problem)
    if req.role == Role.TEACHER:
        if record is None:
            raise ValidationFailed("教师账号由教师信息生成，这里只能分配管理角色")
        account = _teacher_account(record)
    else:
        if req.role not in STAFF_ROLES:
            raise ValidationFailed("教师账号由教师信息生成，这里只能分配管理角色")
        school = store.get_school(req.school_id) if req.school_id else None
        problem = rules.assignment_problem(user, req.role, req.region_code, school, tree)
        if problem:
            raise OutsideScope(problem)
        try:
            account = User(
                user_id=user_id,
                role=req.role,
                name=req.name,
                school_id=school.school_id if school and req.role in scope.SCHOOL_STAFF else None,
                region_code=(
                    school.region_code
                    if school and req.role in scope.SCHOOL_STAFF
                    else req.region_code
                ),
                institution_id=req.institution_id if req.role == Role.INSTITUTION else None,
                teacher_id=existing.teacher_id if existing else None,
            )
        except ValidationError as exc:
            raise ValidationFailed("账号信息不符合要求") from exc
    if existing is not None and existing.disabled:
        # A role change does not re-enable an account: that is a status change of its own.
        account = account.model_copy(update=existing.model_dump(include=set(rules.STATUS_FIELDS)))
    store.put_account(account)
    records.clear_cache()
    return AccountView(**account.model_dump(), role_name=ROLE_NAMES[account.role])


def set_account_status(
    user: User, user_id: str, req: AccountStatusRequest, now: datetime
) -> AccountRow:
    """Disable or re-enable account `user_id` (accounts rule): by an administrator whose scope
    covers the account (`rules.account_status_problem`), never one's own, with a reason when
    disabling. A disabled account is refused on every API call (`functions.common.auth`).
    The login of a teacher record merged away as a duplicate (TD-3) stays disabled."""
    if user_id == user.user_id:
        raise OwnAccount()
    if req.disabled and not req.reason:
        raise ReasonRequired("停用账号时必须填写原因")
    found = store.stored_accounts([user_id]).get(user_id)
    if found is None:
        raise NotFound("账号不存在")
    target = found.user
    teacher = (
        store.get_teacher(target.teacher_id)
        if target.role == Role.TEACHER and target.teacher_id
        else None
    )
    school_id = teacher.school_id if teacher else target.school_id
    school = store.get_school(school_id) if school_id else None
    problem = rules.account_status_problem(user, target, school, region_tree())
    if problem:
        raise OutsideScope(problem)
    if not req.disabled and teacher is not None and teacher.merged_into:
        raise RecordMerged(
            f"该账号对应的教师记录已作为重复记录并入 {teacher.merged_into}，请使用保留记录的账号"
        )
    if target.disabled != req.disabled:
        target = rules.with_status(target, req.disabled, user.user_id, now, req.reason)
        store.set_account(target, found.doc)
    return _account_row(user, target, school)
