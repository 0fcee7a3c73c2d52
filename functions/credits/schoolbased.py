"""School-based training (校本研修, CR-1): the school registers its teachers' school-based credits
one by one or by xlsx (a report per row); the county bureau approves (credits posted), rejects
(the cap is released) or later revokes (a reversing entry). Each teacher's school-based credits
in a cycle never pass the cycle's cap: every registration counts against a per-teacher,
per-cycle counter inside its own write (functions/credits/store.register), so two clerks
registering the same teacher at once cannot pass it either."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import secrets
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from functions.common import notices, scope, xlsx
from functions.common.auth import require
from functions.common.errors import (
    BadImportFile,
    DomainError,
    Forbidden,
    NotFound,
    OutsideScope,
    ReasonRequired,
    SchoolBasedCapReached,
    ValidationFailed,
)
from functions.credits import rules, service, store
from functions.records import store as records_store
from schemas.calendar import SHANGHAI
from schemas.credits import (
    CreditCycle,
    CreditEntry,
    CreditSource,
    Decision,
    DecisionResult,
    Registration,
    RegistrationDecision,
    RegistrationStatus,
    RegistrationView,
    RowResult,
    SchoolBasedImport,
    SchoolBasedRequest,
    credits_config,
)
from schemas.notify import school_party
from schemas.org import School
from schemas.people import Role, Teacher, User

MAX_ROWS = 500  # one synchronous request registers a file's rows (about 15 ms each)
TEMPLATE_HEADERS = (
    "教师编号",
    "姓名",
    "研修主题",
    "研修日期",
    "学时",
    "线下学分",
    "线上学分",
    "备注",
)


def _staff_school(user: User) -> School:
    require(user, *scope.SCHOOL_STAFF)
    school = records_store.get_school(user.school_id or "")
    if school is None:
        raise Forbidden("账号未关联学校")
    return school


def _teacher_of(school: School, teacher_id: str) -> Teacher:
    t = records_store.get_teacher(teacher_id)
    if t is None or t.merged_into:
        raise NotFound("教师记录不存在")
    if t.school_id != school.school_id:
        raise OutsideScope("该教师不是本校教师，校本研修学分由其所在学校登记")
    return t


def _cycle_of(on: date, now: datetime) -> CreditCycle:
    today = now.astimezone(SHANGHAI).date()
    return rules.check_registration_day(credits_config().cycle_of(on), on, today)


def _registration_id(now: datetime, key: str | None) -> str:
    """Time-ordered; derived from the client's key when there is one, so a retried request
    names the registration the first one made."""
    if key:
        return hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"{store.stamp(now)}-{secrets.token_hex(5)}"


def _register(
    user: User, school: School, t: Teacher, req: SchoolBasedRequest, reg_id: str, now: datetime
) -> Registration:
    cycle = _cycle_of(req.on, now)
    r = Registration(
        registration_id=reg_id,
        teacher_id=t.teacher_id,
        teacher_name=t.name,
        school_id=school.school_id,
        school_name=school.name,
        region_code=school.region_code,
        cycle_id=cycle.cycle_id,
        title=req.title.strip(),
        on=req.on,
        hours=req.hours,
        offline=req.offline,
        online=req.online,
        note=req.note.strip(),
        status=RegistrationStatus.PENDING,
        registered_at=now,
        registered_by=user.user_id,
        registered_by_name=user.name,
    )
    try:
        created = store.register(r, cycle.school_based_cap)
    except SchoolBasedCapReached as exc:
        held = int(exc.details.get("held", 0))
        raise SchoolBasedCapReached(
            rules.cap_message(t.name, cycle, held, r.credits),
            held=held,
            remaining=rules.school_based_room(cycle, held),
            cap=cycle.school_based_cap,
        ) from exc
    if not created:  # a retried request: the registration its first attempt made
        found = store.get_registration(t.teacher_id, reg_id)
        if found is None:
            raise ValidationFailed("该登记编号已被使用，请重新提交")
        return found
    return r


def register_one(
    user: User, req: SchoolBasedRequest, key: str | None, now: datetime
) -> RegistrationView:
    """CR-1: the school registers one teacher's school-based credits (awaiting the county
    bureau), refused with how many credits remain when the cycle's cap would be passed."""
    school = _staff_school(user)
    t = _teacher_of(school, req.teacher_id)
    scoped_key = f"{school.school_id}|{key}" if key else None
    r = _register(user, school, t, req, _registration_id(now, scoped_key), now)
    return service.registration_view(r)


# --- xlsx ------------------------------------------------------------------------------------


def template_xlsx(user: User) -> tuple[str, bytes]:
    """The registration template: one row per teacher on the school's roll, credits to fill."""
    school = _staff_school(user)
    roll = [t for t in records_store.teachers_of_school(school.school_id) if service._on_roll(t)]
    data = _one_sheet(
        "校本研修学分登记",
        TEMPLATE_HEADERS,
        ((t.teacher_id, t.name, "", "", "", "", "", "") for t in roll),
    )
    return f"{school.name}校本研修学分登记模板.xlsx", data


def _cells(content: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise BadImportFile("无法读取文件，请使用下载的登记模板（xlsx）") from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    missing = [h for h in ("教师编号", "研修主题", "研修日期", "线下学分") if h not in header]
    if missing:
        raise BadImportFile(f"文件缺少列：{'、'.join(missing)}。请使用下载的登记模板")
    for n, values in enumerate(rows, start=2):
        cells = dict(zip(header, values, strict=False))
        if any(v not in (None, "") for v in cells.values()):
            yield n, cells


def _day(value: Any) -> date | str:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return str(value or "").strip().replace("/", "-").replace(".", "-")


def _number(value: Any) -> Any:
    return 0 if value in (None, "") else value


def _row_request(cells: dict[str, Any]) -> SchoolBasedRequest:
    return SchoolBasedRequest(
        teacher_id=str(cells.get("教师编号") or "").strip(),
        title=str(cells.get("研修主题") or "").strip(),
        on=_day(cells.get("研修日期")),  # type: ignore[arg-type]
        hours=_number(cells.get("学时")),
        offline=_number(cells.get("线下学分")),
        online=_number(cells.get("线上学分")),
        note=str(cells.get("备注") or "").strip(),
    )


_FIELD_NAMES = {
    "teacher_id": "教师编号",
    "title": "研修主题",
    "on": "研修日期",
    "hours": "学时",
    "offline": "线下学分",
    "online": "线上学分",
    "note": "备注",
}


def _explain(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e.get("loc", ()))
        label = _FIELD_NAMES.get(field, "")
        parts.append(
            f"{label}格式不正确" if label else str(e.get("msg", "")).removeprefix("Value error, ")
        )
    return "；".join(parts)


def register_xlsx(user: User, req: SchoolBasedImport, now: datetime) -> list[RowResult]:
    """CR-1: register a file of the school's teachers' credits, a result per row (registered,
    or why not: unknown teacher, bad value, the cap with how many remain). Registering the same
    file again registers nothing twice: each row's registration id derives from the file and
    the row."""
    school = _staff_school(user)
    if not req.file_name.lower().endswith(".xlsx"):
        raise BadImportFile("请上传 xlsx 文件（使用下载的登记模板）")
    try:
        content = base64.b64decode(req.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadImportFile("文件内容无法读取，请重新选择文件") from exc
    digest = hashlib.sha256(content).hexdigest()
    rows = list(_cells(content))
    if len(rows) > MAX_ROWS:
        raise BadImportFile(f"一次最多登记 {MAX_ROWS} 行，请分成几个文件上传")
    roll = {t.teacher_id: t for t in records_store.teachers_of_school(school.school_id)}
    out = []
    for n, cells in rows:
        name = str(cells.get("姓名") or "").strip()
        tid = str(cells.get("教师编号") or "").strip()
        base = {"row": n, "teacher_id": tid, "name": name}
        try:
            r = _row_request(cells)
        except ValidationError as exc:
            out.append(RowResult(**base, ok=False, message=_explain(exc)))
            continue
        t = roll.get(r.teacher_id)
        if t is None or t.merged_into:
            out.append(RowResult(**base, ok=False, message="本校没有这个教师编号"))
            continue
        if name and name != t.name:
            out.append(RowResult(**base, ok=False, message=f"姓名与教师编号不符（应为{t.name}）"))
            continue
        reg_id = _registration_id(now, f"{school.school_id}|file|{digest}|{n}")
        try:
            reg = _register(user, school, t, r, reg_id, now)
        except DomainError as exc:
            out.append(RowResult(**{**base, "name": t.name}, ok=False, message=exc.message))
            continue
        out.append(
            RowResult(
                **{**base, "name": t.name},
                ok=True,
                message=f"已登记 {reg.credits} 学分，待教育局审核",
                registration_id=reg.registration_id,
            )
        )
    return out


# --- lists and decisions ---------------------------------------------------------------------


def list_registrations(user: User, status: str | None) -> list[RegistrationView]:
    """School staff: their school's registrations; a bureau: its region's (awaiting first)."""
    if user.role in scope.SCHOOL_STAFF:
        found = store.registrations_of_school(user.school_id or "")
        if status:
            found = [r for r in found if r.status.value == status]
    elif user.role in scope.BUREAUS:
        region = scope.region_scope(user) or ""
        found = []
        for county in scope.counties_in(region):
            found += store.registrations_of_county(county, status)
    else:
        raise Forbidden()
    order = {RegistrationStatus.PENDING: 0}
    found.sort(key=lambda r: (order.get(r.status, 1), r.registered_at), reverse=False)
    return [service.registration_view(r) for r in found]


def _may_decide(user: User, r: Registration, decision: Decision) -> bool:
    if decision == Decision.WITHDRAW:
        return user.role in scope.SCHOOL_STAFF and user.school_id == r.school_id
    # The county bureau of the teacher's school decides (浙教师〔2016〕71号: 县级审核认定).
    return user.role == Role.COUNTY_BUREAU and user.region_code == r.region_code


_FROM = {
    Decision.APPROVE: RegistrationStatus.PENDING,
    Decision.REJECT: RegistrationStatus.PENDING,
    Decision.WITHDRAW: RegistrationStatus.PENDING,
    Decision.REVOKE: RegistrationStatus.APPROVED,
}
_TO = {
    Decision.APPROVE: RegistrationStatus.APPROVED,
    Decision.REJECT: RegistrationStatus.REJECTED,
    Decision.WITHDRAW: RegistrationStatus.WITHDRAWN,
    Decision.REVOKE: RegistrationStatus.REVOKED,
}


def _entry(user: User, r: Registration, revoke: bool, reason: str, now: datetime) -> CreditEntry:
    sign = -1 if revoke else 1
    return CreditEntry(
        entry_id=f"SB#{r.registration_id}" + ("#R" if revoke else ""),
        teacher_id=r.teacher_id,
        cycle_id=r.cycle_id,
        source=CreditSource.SCHOOL_BASED,
        title=r.title,
        online=sign * r.online,
        offline=sign * r.offline,
        on=r.on,
        school_id=r.school_id,
        school_name=r.school_name,
        registration_id=r.registration_id,
        adjusts=f"SB#{r.registration_id}" if revoke else "",
        note=f"撤销：{reason}" if revoke else "",
        posted_at=now,
        posted_by=user.user_id,
        posted_by_name=user.name,
    )


def decide(user: User, req: RegistrationDecision, now: datetime) -> list[DecisionResult]:
    """Approve (credits posted, the approved school-based credits checked against the cap
    again), reject or revoke (with a reason; revoking posts the reversing entry), or withdraw
    a pending registration (the school). Each registration is one write; results per item."""
    require(user, Role.COUNTY_BUREAU, *scope.SCHOOL_STAFF)
    reason = req.reason.strip()
    if req.decision in (Decision.REJECT, Decision.REVOKE) and len(reason) < 2:
        raise ReasonRequired("不通过或撤销时须填写原因")
    out = []
    for ref in req.items:
        base = {"teacher_id": ref.teacher_id, "registration_id": ref.registration_id}
        r = store.get_registration(ref.teacher_id, ref.registration_id)
        if r is None or not _may_decide(user, r, req.decision):
            out.append(
                DecisionResult(**base, ok=False, code="not_found", message="登记不存在或不由你审核")
            )
            continue
        if r.status != _FROM[req.decision]:
            out.append(
                DecisionResult(
                    **base, ok=False, code="registration_decided", message="该登记已处理过"
                )
            )
            continue
        new = r.model_copy(
            update={
                "status": _TO[req.decision],
                "decided_at": now,
                "decided_by": user.user_id,
                "decided_by_name": user.name,
                "reason": reason,
            }
        )
        entry = None
        messages = []
        if req.decision in (Decision.APPROVE, Decision.REVOKE):
            entry = _entry(user, r, req.decision == Decision.REVOKE, reason, now)
            messages.append(
                notices.credits_posted(
                    r.teacher_id,
                    entry.entry_id,
                    r.title,
                    entry.credits,
                    "校本研修",
                    entry.note,
                    now,
                )
            )
        elif req.decision == Decision.REJECT:
            messages.append(
                notices.registration_rejected(
                    school_party(r.school_id),
                    r.registration_id,
                    r.teacher_name,
                    r.title,
                    reason,
                    now,
                )
            )
        cycle = credits_config().cycle(r.cycle_id)
        cap = cycle.school_based_cap if cycle else 0
        try:
            store.decide(r, new, entry, cap, messages)
        except SchoolBasedCapReached as exc:
            held = int(exc.details.get("held", 0))
            msg = (
                rules.cap_message(r.teacher_name, cycle, held, r.credits) if cycle else exc.message
            )
            out.append(DecisionResult(**base, ok=False, code=exc.code, message=msg))
            continue
        except DomainError as exc:
            out.append(DecisionResult(**base, ok=False, code=exc.code, message=exc.message))
            continue
        out.append(DecisionResult(**base, ok=True))
    return out


def _one_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One worksheet with a bold header row, written by functions/common/xlsx."""
    return xlsx.workbook([xlsx.Sheet(title, rows, header=header)])
