"""Record rules (TD-1 … TD-3, PH-1): pure functions over models, no I/O."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from functions.common import scope
from schemas.calendar import SHANGHAI, TermCalendar
from schemas.org import School
from schemas.people import Role, Teacher, User
from schemas.privacy import mask_id_number
from schemas.records import (
    FIELD_LABELS,
    INACTIVE,
    RECORD_SOURCE_NAMES,
    Anomaly,
    AnomalyKind,
    ImportRow,
    Outcome,
    RecordSource,
    ResolveAction,
    id_number_problem,
)
from schemas.regions import RegionCode, RegionLevel, RegionTree

# Selections that still bind a teacher to a class (seat-holding or waiting for one).
OPEN_SELECTION = frozenset({"pending", "school_approved", "confirmed", "waitlisted"})


def explain(exc: ValidationError) -> str:
    """A Chinese reason for a rejected row, naming the export's column (TD-1)."""
    parts: list[str] = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        label = FIELD_LABELS.get(loc[0], loc[0]) if loc else ""
        kind = e.get("type", "")
        if kind == "missing":
            parts.append(f"缺少{label}")
        elif kind == "value_error":
            msg = str(e.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{label}：{msg}" if label else msg)
        elif kind == "enum":
            parts.append(f"{label}取值无效（{e.get('input')}）")
        elif kind.startswith("date"):
            parts.append(f"{label}不是有效日期（{e.get('input')}）")
        elif kind in ("string_too_long", "string_too_short", "string_pattern_mismatch"):
            parts.append(f"{label}格式不正确")
        else:
            parts.append(f"{label}无效")
    return "；".join(dict.fromkeys(parts))


def school_problem(
    school_id: str, school: School | None, uploader_region: RegionCode, tree: RegionTree
) -> str | None:
    """The row's school must exist and lie within the uploader's region (TD-1)."""
    if school is None:
        return f"学校代码 {school_id} 不存在"
    if not tree.within(school.region_code, uploader_region):
        return f"学校 {school.name} 不在你的管理区域（{tree.full_name(uploader_region)}）内"
    return None


def content_hash(teacher: Teacher) -> str:
    """Hash of what an import provides; equal hashes mean a re-import changes nothing."""
    fields = (
        teacher.id_number,
        teacher.name,
        teacher.gender,
        teacher.birth_date.isoformat() if teacher.birth_date else "",
        teacher.school_id,
        teacher.stage,
        teacher.subject,
        teacher.title,
        teacher.employment,
    )
    return hashlib.blake2b("\x1f".join(str(f) for f in fields).encode(), digest_size=12).hexdigest()


def teacher_from_row(
    row: ImportRow | Teacher, teacher_id: str, region: RegionCode, old: Teacher | None
) -> Teacher:
    """The record an import row (TD-1) produces. A teacher's credits are not on the record
    (they are the ledger's, under the same partition), so an import never touches them."""
    return Teacher(
        teacher_id=teacher_id,
        name=row.name,
        school_id=row.school_id,
        region_code=region,
        stage=row.stage,
        subject=row.subject,
        title=row.title,
        id_number=row.id_number,
        gender=str(row.gender),
        # Not stored (minimisation, schemas/pi_inventory.py): the row's birth date was checked
        # against the ID number, which encodes it; pages that may see it derive it from there.
        birth_date=None,
        employment=str(row.employment),
        source=RecordSource.NATIONAL.value,
    )


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str = ""


def classify(
    new: Teacher, old: Teacher | None, identity_hash: str | None, identity_source: str | None
) -> Decision:
    """Created / updated / unchanged for one valid row, upserting by ID number (TD-1, TD-2).

    `identity_*` come from the ID number's identity item; `old` is read only when they do not
    already prove the row unchanged. A school-maintained record the export brings is taken over,
    and the report says so.
    """
    if identity_hash is None and old is None:
        return Decision(Outcome.CREATED)
    if identity_source == RecordSource.NATIONAL.value and identity_hash == content_hash(new):
        return Decision(Outcome.UNCHANGED)
    if old is None:
        return Decision(Outcome.CREATED)
    notes = []
    if old.source == RecordSource.SCHOOL.value:
        notes.append("国家系统记录接管了学校维护的记录")
    if old.school_id != new.school_id:
        notes.append(f"学校由 {old.school_id} 变更为 {new.school_id}")
    changed = [
        label
        for field, label in FIELD_LABELS.items()
        if field not in ("id_number", "school_id")
        and str(getattr(old, field)) != str(getattr(new, field))
    ]
    if changed:
        notes.append("变更：" + "、".join(changed))
    return Decision(Outcome.UPDATED, "；".join(notes))


def may_maintain(user: User, school: School) -> bool:
    """TD-2: a school's principal or school admin maintains its locally kept teachers."""
    return user.role in scope.SCHOOL_STAFF and user.school_id == school.school_id


def local_edit_problem(old: Teacher | None) -> str | None:
    """A school edits only records it maintains; national records change by import (TD-2)."""
    if old is not None and old.source == RecordSource.NATIONAL.value:
        return "该教师信息来自全国教师管理信息系统，请在国家系统中修改后重新导入"
    return None


# --- anomalies (TD-3) ----------------------------------------------------------------------


def _aid(region: RegionCode, kind: AnomalyKind, subject: str) -> str:
    # Subjects may be ID numbers: hashed so they never appear in URLs.
    digest = hashlib.blake2b(subject.encode(), digest_size=6).hexdigest()
    return f"{region}-{kind.value}-{digest}"


def common_region(regions: Iterable[RegionCode], tree: RegionTree) -> RegionCode:
    """The smallest region containing all of `regions` (the province if none is known)."""
    chains = [tree.ancestors(r) for r in regions if r in tree.regions]
    if not chains:
        return scope.PROVINCE
    shared = set(chains[0]).intersection(*map(set, chains[1:]))
    return next(r for r in chains[0] if r in shared)


def teacher_label(t: Teacher, school: School | None) -> str:
    """A teacher as the records pages name her (names, not ids): her name with her school and
    her masked ID number, which tell apart two teachers of the same name."""
    return _named(t.name, school.name if school else "", mask_id_number(t.id_number))


def _named(name: str, *about: str) -> str:
    """`name（a，b）` with the non-empty parts of `about`; the bare name when none is."""
    parts = [x for x in about if x]
    return f"{name}（{'，'.join(parts)}）" if parts else name


def record_labels(teachers: Iterable[Teacher], schools: Mapping[str, School]) -> dict[str, str]:
    """Records of one ID number (TD-3 duplicates) as a resolver tells them apart: the ID number
    they share does not, so each is named by its school, stage and subject, and source; records
    alike in all of these are numbered."""
    labels: dict[str, str] = {}
    for t in teachers:
        school = schools.get(t.school_id)
        labels[t.teacher_id] = _named(
            t.name,
            school.name if school else "学校不明",
            f"{t.stage}{t.subject}",
            RECORD_SOURCE_NAMES.get(t.source, ""),
        )
    alike = Counter(labels.values())
    nth: Counter[str] = Counter()
    for tid, label in labels.items():
        if alike[label] > 1:
            nth[label] += 1
            labels[tid] = f"{label}（第 {nth[label]} 条）"
    return labels


def class_label(selection: Mapping[str, str]) -> str:
    """A selection's class as pages name it: 《project》class."""
    project, name = selection.get("project_title", ""), selection.get("class_name", "")
    return f"《{project}》{name}" if project else name or "（未命名班期）"


def find_anomalies(
    teachers: Iterable[Teacher],
    schools: Mapping[str, School],
    selections: Iterable[Mapping[str, str]],
    tree: RegionTree,
    now: datetime,
) -> list[Anomaly]:
    """Every record anomaly (TD-3), each with an owner (a school or a bureau) and its actions.

    `selections` are the term's selection items (teacher_id, school_id, status, class_id,
    project_title, class_name). Details name teachers, schools and classes, never their ids.
    """
    live = [t for t in teachers if not t.merged_into]
    by_id = {t.teacher_id: t for t in live}
    out: list[Anomaly] = []

    def add(
        kind: AnomalyKind,
        subject: str,
        regions: list[RegionCode],
        detail: str,
        actions: tuple[ResolveAction, ...],
        school_ids: tuple[str, ...] = (),
        teachers: Sequence[Teacher] = (),
        owner_school: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        region = common_region(regions, tree)
        out.append(
            Anomaly(
                anomaly_id=_aid(region, kind, subject),
                kind=kind,
                region_code=region,
                owner_school_id=owner_school,
                owner_region=region,
                school_ids=school_ids,
                teacher_ids=tuple(t.teacher_id for t in teachers),
                teacher_names=dict(names)
                if names is not None
                else {t.teacher_id: label(t) for t in teachers},
                detail=detail,
                actions=actions,
                found_at=now,
            )
        )

    def label(t: Teacher) -> str:
        return teacher_label(t, schools.get(t.school_id))

    def school_name(school_id: str) -> str:
        s = schools.get(school_id)
        return s.name if s else "（学校不明）"

    def region_of(t: Teacher) -> RegionCode:
        s = schools.get(t.school_id)
        return s.region_code if s else t.region_code

    groups: dict[str, list[Teacher]] = defaultdict(list)
    for t in live:
        if t.id_number:
            groups[t.id_number].append(t)
    for idno, ts in sorted(groups.items()):
        if len(ts) > 1:
            sids = tuple(dict.fromkeys(t.school_id for t in ts))
            names = record_labels(ts, schools)
            add(
                AnomalyKind.DUPLICATE_ID,
                idno,
                [region_of(t) for t in ts],
                f"{len(ts)} 条教师记录使用同一身份证件号 {mask_id_number(idno)}："
                + "、".join(names[t.teacher_id] for t in ts),
                (ResolveAction.KEEP_ONE,),
                school_ids=sids,
                teachers=ts,
                owner_school=sids[0] if len(sids) == 1 else None,
                names=names,
            )
    for t in live:
        if t.id_number and id_number_problem(t.id_number):
            add(
                AnomalyKind.INVALID_ID,
                t.teacher_id,
                [region_of(t)],
                f"{label(t)}：{id_number_problem(t.id_number)}",
                (ResolveAction.ACKNOWLEDGE,),
                school_ids=(t.school_id,),
                teachers=(t,),
                owner_school=t.school_id if t.school_id in schools else None,
            )
        school = schools.get(t.school_id)
        if school is None:
            add(
                AnomalyKind.NO_SCHOOL,
                t.teacher_id,
                [t.region_code],
                f"{label(t)}的学校代码 {t.school_id} 不存在",
                (ResolveAction.ASSIGN_SCHOOL,),
                teachers=(t,),
            )
        elif school.region_code != t.region_code:
            add(
                AnomalyKind.REGION_MISMATCH,
                t.teacher_id,
                [school.region_code],
                f"{label(t)}登记在{tree.full_name(t.region_code)}，"
                f"但学校{school.name}位于{tree.full_name(school.region_code)}",
                (ResolveAction.ASSIGN_SCHOOL,),
                school_ids=(school.school_id,),
                teachers=(t,),
                owner_school=school.school_id,
            )
    for school in schools.values():
        r = tree.regions.get(school.region_code)
        if r is None or r.level != RegionLevel.COUNTY:
            add(
                AnomalyKind.REGION_MISMATCH,
                f"school:{school.school_id}",
                [school.region_code[:4] + "00"] if r is None else [school.region_code],
                f"学校{school.name}的区域代码 {school.region_code} 不是有效的县（市、区）",
                (ResolveAction.ACKNOWLEDGE,),
                school_ids=(school.school_id,),
            )

    moved: dict[tuple[str, str], list[str]] = defaultdict(list)
    inactive: dict[str, list[str]] = defaultdict(list)
    for sel in selections:
        holder = by_id.get(sel["teacher_id"])
        if holder is None or sel.get("status") not in OPEN_SELECTION:
            continue
        if sel.get("school_id") and sel["school_id"] != holder.school_id:
            moved[(holder.teacher_id, sel["school_id"])].append(class_label(sel))
        if holder.employment in {e.value for e in INACTIVE}:
            inactive[holder.teacher_id].append(class_label(sel))
    for (tid, old_school), classes in sorted(moved.items()):
        t = by_id[tid]
        regions = [s.region_code for s in (schools.get(old_school), schools.get(t.school_id)) if s]
        add(
            AnomalyKind.MOVED_WITH_SELECTIONS,
            f"{tid}:{old_school}",
            regions or [t.region_code],
            f"{teacher_label(t, None)}已从{school_name(old_school)}调至{school_name(t.school_id)}，"
            f"仍持有 {len(classes)} 个选课"
            f"（{'、'.join(classes)}），选课随教师转入新学校",
            (ResolveAction.ACKNOWLEDGE,),
            school_ids=(t.school_id, old_school),
            teachers=(t,),
            owner_school=t.school_id,
        )
    for tid, classes in sorted(inactive.items()):
        t = by_id[tid]
        add(
            AnomalyKind.INACTIVE_WITH_SELECTIONS,
            tid,
            [region_of(t)],
            f"{label(t)}状态为{t.employment}，仍持有 {len(classes)} 个选课（{'、'.join(classes)}）",
            (ResolveAction.ACKNOWLEDGE,),
            school_ids=(t.school_id,),
            teachers=(t,),
            owner_school=t.school_id if t.school_id in schools else None,
        )
    return out


def sees_anomaly(user: User, anomaly: Anomaly, tree: RegionTree) -> bool:
    """Bureaus see anomalies within their region; school staff those naming their school."""
    if user.role in scope.SCHOOL_STAFF:
        return user.school_id in anomaly.school_ids
    return scope.covers_region(user, anomaly.region_code, tree)


def may_resolve(user: User, anomaly: Anomaly, tree: RegionTree) -> bool:
    """The owner resolves: the owning school's staff, or a bureau over the anomaly's region.
    Both schools of a teacher who moved may acknowledge it (their reviewers see it)."""
    if user.role in scope.SCHOOL_STAFF:
        if anomaly.kind == AnomalyKind.MOVED_WITH_SELECTIONS:
            return user.school_id in anomaly.school_ids
        return anomaly.owner_school_id is not None and user.school_id == anomaly.owner_school_id
    return user.role in scope.BUREAUS and scope.covers_region(user, anomaly.region_code, tree)


# --- accounts ------------------------------------------------------------------------------

_ASSIGNABLE: dict[Role, tuple[Role, ...]] = {
    Role.PROVINCE_BUREAU: tuple(Role),
    Role.CITY_BUREAU: (Role.PRINCIPAL, Role.SCHOOL_ADMIN, Role.COUNTY_BUREAU, Role.CITY_BUREAU),
    Role.COUNTY_BUREAU: (Role.PRINCIPAL, Role.SCHOOL_ADMIN, Role.COUNTY_BUREAU),
}


def assignment_problem(
    admin: User,
    role: Role,
    region: RegionCode | None,
    school: School | None,
    tree: RegionTree,
) -> str | None:
    """May `admin` give `role` over `region`/`school`? Province: anyone; city and county
    bureaus: school staff and bureaus within their own region (accounts rule)."""
    allowed = _ASSIGNABLE.get(admin.role)
    if not allowed:
        return "只有教育局管理员可以分配角色"
    if role not in allowed:
        return "你不能分配该角色"
    if role in scope.SCHOOL_STAFF or role == Role.TEACHER:
        if school is None:
            return "请选择有效的学校"
        return None if scope.covers_school(admin, school, tree) else "该学校不在你的管理区域内"
    levels = {
        Role.COUNTY_BUREAU: RegionLevel.COUNTY,
        Role.CITY_BUREAU: RegionLevel.CITY,
        Role.PROVINCE_BUREAU: RegionLevel.PROVINCE,
        Role.CENTRE: RegionLevel.PROVINCE,
    }
    if role in levels:
        r = tree.regions.get(region or "")
        if r is None or r.level != levels[role]:
            return "请选择与角色对应级别的区域"
        return None if scope.covers_region(admin, r.code, tree) else "该区域不在你的管理范围内"
    return None  # institution staff: province bureau only (see _ASSIGNABLE)


def account_status_problem(
    admin: User, target: User, school: School | None, tree: RegionTree
) -> str | None:
    """May `admin` disable or re-enable `target` (accounts rule)? Staff accounts: whoever may
    assign the account's current role (see `assignment_problem`); teacher accounts: the school
    admin of the teacher's school or a bureau covering it. `school` is the target's school
    (for a teacher, the school on the teacher record). One's own account is refused before
    this rule is asked (`OwnAccount`)."""
    if target.role == Role.TEACHER:
        if admin.role == Role.SCHOOL_ADMIN:
            mine = school is not None and admin.school_id == school.school_id
        elif admin.role in scope.BUREAUS:
            region = school.region_code if school else target.region_code
            mine = region is not None and scope.covers_region(admin, region, tree)
        else:
            return "只有学校管理员或教育局管理员可以停用教师账号"
        return None if mine else "该教师账号不在你的管理范围内"
    if admin.role == Role.PROVINCE_BUREAU:
        return None
    if assignment_problem(admin, target.role, target.region_code, school, tree):
        return "该账号当前的角色不在你的管理范围内"
    return None


def account_change_problem(
    admin: User,
    target: User,
    school: School | None,
    teacher: User | None,
    teacher_school: School | None,
    tree: RegionTree,
) -> str | None:
    """May `admin` change (re-role or restore) the existing account `target` (accounts rule)?

    Only whoever may disable it (`account_status_problem`: for a teacher account, the school
    admin of the teacher's school or a bureau covering it; for staff, whoever may assign the
    current role). `school` is the school of the target's current role. The login of a teacher
    record (`teacher`: that record's own account, `teacher_school` its school) may also be
    changed by whoever covers the teacher record, so an account re-roled by mistake can be
    given back by the teacher's own bureau."""
    problem = account_status_problem(admin, target, school, tree)
    if problem and teacher is not None:
        if account_status_problem(admin, teacher, teacher_school, tree) is None:
            return None
    return problem


STATUS_FIELDS = ("disabled", "disabled_by", "disabled_at", "disabled_reason")


def with_status(user: User, disabled: bool, by: str, at: datetime, reason: str) -> User:
    """`user` disabled (with who, when and why) or re-enabled (accounts rule)."""
    if not disabled:
        return user.model_copy(
            update={
                "disabled": False,
                "disabled_by": None,
                "disabled_at": None,
                "disabled_reason": "",
            }
        )
    return user.model_copy(
        update={
            "disabled": True,
            "disabled_by": by,
            "disabled_at": at,
            "disabled_reason": reason,
        }
    )


MERGED_REASON = "重复记录已合并"


def open_selection_classes(selections: Iterable[Mapping[str, str]]) -> list[str]:
    """The classes (named, `class_label`) of the selections that still bind the teacher: not
    withdrawn or rejected."""
    return sorted(class_label(s) for s in selections if s.get("status") in OPEN_SELECTION)


def merge_problem(record: str, open_classes: Sequence[str]) -> str | None:
    """TD-3: a duplicate record (`record`: as the page names it) is merged away only while it
    holds no open selection: its login is disabled by the merge, so its seats and waitlist
    places would be stranded."""
    if not open_classes:
        return None
    return (
        f"要合并的记录 {record} 仍有 {len(open_classes)} 个"
        f"未退选的选课（{'、'.join(open_classes)}），请先让该教师退选，或改为保留这条记录"
    )


# --- PH-1: corrections a teacher asks for before selection opens ----------------------------


def records_window_problem(cal: TermCalendar, at: datetime) -> str | None:
    """PH-1: corrections are asked for and approved only while the records are being updated,
    before selection opens; why not now, or None."""
    w = cal.records_update
    if w is None:
        return "本学期不开放教师信息更正"
    if at < w.opens:
        return f"教师信息更正将于{_md(w.opens)}开始"
    if not w.contains(at):
        return f"教师信息更正已于{_md(w.closes - timedelta(seconds=1))}结束，请联系学校管理员"
    return None


def _md(at: datetime) -> str:
    local = at.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日"


def correction_changes(teacher: Teacher, asked: Mapping[str, str]) -> dict[str, str]:
    """PH-1: the fields a request really changes (asked values equal to the record drop out)."""
    return {f: v for f, v in asked.items() if str(getattr(teacher, f)) != v}


def corrected_teacher(
    teacher: Teacher, changes: Mapping[str, str], school: School | None
) -> Teacher:
    """The record after an approved correction (PH-1). A new school brings its county; the
    record keeps its source: for a national record (TD-1) the school also corrects the national
    system, and until then a re-import of the unchanged national row leaves this record alone."""
    update: dict[str, str] = dict(changes)
    if "school_id" in changes:
        if school is None or school.school_id != changes["school_id"]:
            raise ValueError("the new school's record is required")
        update["region_code"] = school.region_code
    return teacher.model_copy(update=update)


def may_decide_correction(user: User, school_id: str) -> bool:
    """PH-1: the principal or school admin of the teacher's school decides (TD-2's maintainers)."""
    return user.role in scope.SCHOOL_STAFF and user.school_id == school_id
