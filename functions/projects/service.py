"""Project use cases: drafting and submitting (PH-APPLY), review (PH-REVIEW), publication
(PH-PUBLISH), changes after publication (CH-1 … CH-5). Plain functions over the store."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from functions.common import catalog, keys, notices, outbox, pi_audit, records, scope, site, xlsx
from functions.common import store as table_store
from functions.common.auth import require
from functions.common.errors import (
    Conflict,
    Forbidden,
    LookupNotAllowed,
    NotFound,
    OutsideScope,
    OutsideWindow,
    ProjectLocked,
    SpotCheckDrawn,
    StaleVersion,
    SubmissionInvalid,
    TimetableTooLate,
    ValidationFailed,
)
from functions.common.settings import settings
from functions.projects import rules, store
from functions.selection.moves import move_days
from schemas.calendar import SHANGHAI, PhaseId, term_calendar
from schemas.catalog import (
    ChangeNotice,
    Fee,
    Person,
    Project,
    ProjectKind,
    ProjectStatus,
    Segment,
    TrainingClass,
    TrainingForm,
    class_id_for,
)
from schemas.notify import RightGrant, teacher_party
from schemas.org import Institution, QualificationScope
from schemas.people import Role, User
from schemas.privacy import mask_id_number
from schemas.projects import (
    LOCAL_CAP_MAX,
    AuditEntry,
    AuditRow,
    AuditRows,
    CapInstitution,
    ChangeKind,
    ChangeList,
    ChangeRecord,
    ChangeRequest,
    ChangeStatus,
    ChangeView,
    Experts,
    ExpertView,
    FieldError,
    LocalCapChanged,
    LocalCapRow,
    LocalCaps,
    LocalCapSetting,
    MaskedProjectView,
    MyProjects,
    PersonInput,
    PersonRecord,
    ProjectDraft,
    ProjectRecord,
    ProjectSummary,
    ProjectView,
    PublishedProjects,
    QuotaStatus,
    ReviewItem,
    ReviewList,
    RuleCheck,
    SpotCheck,
    TimetableRisk,
    TimetableRisks,
    fee_standards,
    quota_table,
)
from schemas.regions import RegionCode, RegionLevel, region_tree
from schemas.vocab import vocabulary

BUREAUS = (Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU)
EDITABLE = (ProjectStatus.DRAFT, ProjectStatus.RETURNED)


# --- helpers -------------------------------------------------------------------------------


def institution_profile(institution_id: str) -> Institution:
    """An institution's profile (404 when there is none); public because the quality panel of
    the review page needs the institution an application names."""
    item = table_store.get_item(keys.institution(institution_id))
    if not item:
        raise NotFound("培训机构不存在")
    return Institution.model_validate_json(item["doc"])


def _clerk_institution(user: User) -> Institution:
    require(user, Role.INSTITUTION)
    if not user.institution_id:
        raise Forbidden("账号未关联培训机构")
    return institution_profile(user.institution_id)


def _window(phase: PhaseId, now: datetime) -> None:
    """Every write checks its phase window on the server, from the clock."""
    cal = term_calendar(settings().term)
    if not cal.is_open(phase, now):
        w = cal.window(phase)
        raise OutsideWindow(f"当前不在“{w.name}”时间内（{w.start:%m月%d日}—{w.end:%m月%d日}）")


def _audit(
    rec_or_doc: ProjectRecord | Project, event: str, actor: User, now: datetime, detail: str = ""
) -> AuditEntry:
    return AuditEntry(
        at=now,
        project_id=rec_or_doc.project_id,
        institution_id=rec_or_doc.institution_id,
        term=rec_or_doc.term,
        event=event,
        actor=f"{actor.name}（{actor.user_id}）",
        detail=detail,
    )


def _own_record(user: User, project_id: str) -> tuple[Institution, ProjectRecord]:
    inst = _clerk_institution(user)
    rec = store.get_record(project_id)
    if rec.institution_id != inst.institution_id:
        raise NotFound("项目不存在")
    return inst, rec


def own_view(rec: ProjectRecord) -> ProjectView:
    """A record as its institution sees it: the ID numbers it entered (to edit them)."""
    return ProjectView.model_validate(_with_masks(rec))


def reviewer_view(rec: ProjectRecord) -> MaskedProjectView:
    """A record as a bureau (or a county comparing plans) sees it: ID numbers masked."""
    return MaskedProjectView.model_validate(_with_masks(rec))


def _with_masks(rec: ProjectRecord) -> dict[str, Any]:
    """The record's fields, each person with the masked form of the ID number entered."""
    data = rec.model_dump()
    for p in [data["draft"]["leader"], *data["draft"]["instructors"]]:
        if p.get("id_number"):
            p["id_number_masked"] = mask_id_number(p["id_number"])
    return data


# --- application (PH-APPLY) -------------------------------------------------------------------


def _refuse_unknown_values(draft: ProjectDraft) -> None:
    """A draft may be incomplete, but what it names comes from the vocabularies (data/vocab.yaml)
    and the region tree, or it is refused with each field named."""
    errors = rules.values_in_vocabulary(draft, vocabulary(), region_tree())
    if errors:
        raise ValidationFailed(
            "所填内容不在目录中，请从列表中选择", errors=[e.model_dump() for e in errors]
        )


def create_draft(user: User, draft: ProjectDraft, now: datetime) -> ProjectRecord:
    """An institution clerk starts a project; the draft may be incomplete."""
    inst = _clerk_institution(user)
    _window(PhaseId.APPLY, now)
    _refuse_unknown_values(draft)
    term = settings().term
    pid = f"{term}-{inst.institution_id}-a{uuid.uuid4().hex[:6]}"
    rec = ProjectRecord(
        project_id=pid,
        term=term,
        institution_id=inst.institution_id,
        institution_name=inst.name,
        status=ProjectStatus.DRAFT,
        version=1,
        draft=draft,
        created_at=now,
        updated_at=now,
    )
    store.create_draft(rec, _audit(rec, "created", user, now, draft.title or ""))
    return rec


def save_draft(
    user: User, project_id: str, draft: ProjectDraft, version: int, now: datetime
) -> ProjectRecord:
    """Save a draft (or a returned project being fixed). Submitted or published ones are locked."""
    _, rec = _own_record(user, project_id)
    if rec.status not in EDITABLE:
        raise ProjectLocked()
    _window(PhaseId.APPLY, now)
    _refuse_unknown_values(draft)
    new = rec.model_copy(update={"draft": draft, "version": version + 1, "updated_at": now})
    store.replace_record(new, EDITABLE, version)
    return new


def draft_view(user: User, rec: ProjectRecord, check: bool = False) -> ProjectView:
    """A saved draft as its institution sees it; with `check`, also `problems`: what submitting
    it would report now (every rule, nothing written), so the step form shows each step's
    problems on its fields before the clerk moves on."""
    problems = check_draft(_clerk_institution(user), rec).errors if check else None
    return ProjectView.model_validate({**_with_masks(rec), "problems": problems})


def my_projects(user: User) -> MyProjects:
    """The institution's projects of the term (drafts to published) and its quota use."""
    inst = _clerk_institution(user)
    out = []
    items = store.list_for_institution(inst.institution_id, settings().term)
    docs = {
        d.project_id: d
        for d in (Project.model_validate_json(i["doc"]) for i in items if i["SK"] == keys.CATALOG)
    }
    for item in items:
        if item.get("SK") != keys.META:
            continue
        if "app" in item:
            rec = ProjectRecord.model_validate_json(item["app"])
            published = docs.get(rec.project_id)
            out.append(
                ProjectSummary(
                    project_id=rec.project_id,
                    title=rec.draft.title or "（未命名草稿）",
                    status=rec.status.value,
                    version=rec.version,
                    return_reason=rec.return_reason,
                    updated_at=rec.updated_at.isoformat(),
                    classes=[c.class_id for c in published.classes] if published else [],
                    instructors=list(published.instructors) if published else [],
                )
            )
        elif (doc := docs.get(str(item["PK"]).removeprefix("PROJECT#"))) is not None:
            out.append(
                ProjectSummary(
                    project_id=doc.project_id,
                    title=doc.title,
                    status=doc.status.value,
                    version=int(item.get("version", 0)),
                    return_reason="",
                    updated_at=doc.published_at.isoformat() if doc.published_at else "",
                    classes=[c.class_id for c in doc.classes],
                    instructors=list(doc.instructors),
                )
            )
    return MyProjects(projects=sorted(out, key=lambda r: r.project_id), quota=quota_status(inst))


def _quota_cap(inst: Institution, term: str) -> tuple[int, tuple[str, int | None] | None]:
    """The institution's effective cap (Q-1 … Q-6) and, for a local institution, what it came
    from: (region, the cap its bureau stored or None), which the submission re-checks (Q-6)."""
    table = quota_table(term)
    today = term_calendar(term).window(PhaseId.APPLY).start
    q = inst.qualification
    if q.scope != QualificationScope.LOCAL or not q.region_code:
        return rules.quota_cap(inst, table, today), None
    stored = store.get_local_cap(term, q.region_code)
    override = stored.cap if stored else None
    return rules.quota_cap(inst, table, today, override), (q.region_code, override)


def quota_status(inst: Institution) -> QuotaStatus:
    term = settings().term
    cap, _ = _quota_cap(inst, term)
    used = store.quota_used(inst.institution_id, term)
    if used is None:
        used = store.backfill_quota(inst.institution_id, term)
    return QuotaStatus(cap=cap, used=used)


# --- local caps (Q-6) ---------------------------------------------------------------------


def _cap_row(
    region: RegionCode,
    stored: LocalCapSetting | None,
    insts: list[Institution],
    used: dict[str, int],
    user: User,
) -> LocalCapRow:
    term = settings().term
    table = quota_table(term)
    entry = table.local.get(region)
    cap = rules.local_cap(region, table, stored.cap if stored else None)
    over = set(rules.institutions_over_cap(used, cap))
    return LocalCapRow(
        region_code=region,
        region_name=region_tree().full_name(region),
        term=term,
        cap=cap,
        source="override" if stored else ("file" if entry else "default"),
        file_cap=entry.cap if entry else None,
        file_set_by=entry.set_by if entry else None,
        default_cap=table.local_default,
        override=stored,
        may_edit=rules.may_set_local_cap(user, region),
        institutions=[
            CapInstitution(
                institution_id=i.institution_id,
                name=i.name,
                used=used.get(i.institution_id, 0),
                over_cap=i.institution_id in over,
            )
            for i in insts
        ],
    )


def _local_usage(insts: list[Institution]) -> dict[str, int]:
    """Submissions each local institution holds this term (its quota counter)."""
    term = settings().term
    used = store.quotas_used([i.institution_id for i in insts], term)
    for i in insts:
        if i.institution_id not in used:
            used[i.institution_id] = store.backfill_quota(i.institution_id, term)
    return used


def local_caps(user: User) -> LocalCaps:
    """Q-6: the local-project caps in the bureau's scope: its own region first, then every region
    within its scope that has a cap in the term file, a stored cap or a local institution. Each
    row: the effective cap and where it comes from, who set it and when, the institutions it
    applies to with the submissions they hold."""
    _bureau(user)
    tree = region_tree()
    term = settings().term
    own = scope.region_scope(user) or ""
    stored = store.list_local_caps(term)
    by_region: dict[str, list[Institution]] = {}
    for i in store.local_institutions():
        by_region.setdefault(i.qualification.region_code or "", []).append(i)
    candidates = {*quota_table(term).local, *stored, *by_region}
    if own != scope.PROVINCE:
        candidates.add(own)
    regions = sorted(
        (
            r
            for r in candidates
            if r in tree.regions and r != scope.PROVINCE and tree.within(r, own)
        ),
        key=lambda r: (r != own, r),
    )
    insts = [i for r in regions for i in by_region.get(r, [])]
    used = _local_usage(insts)
    return LocalCaps(
        term=term,
        max_cap=LOCAL_CAP_MAX,
        regions=[_cap_row(r, stored.get(r), by_region.get(r, []), used, user) for r in regions],
    )


def set_local_cap(user: User, region: str, cap: int, now: datetime) -> LocalCapChanged:
    """Q-6: a bureau sets its region's cap on local projects for the term (the province bureau
    any region's). Stored with an audit entry (CH-5) in one transaction, guarded on the cap it
    replaces. Lowering it below what an institution already holds is allowed: the row reports
    those institutions (`over_cap`), whose next submission is refused (quota_exceeded)."""
    _bureau(user)
    tree = region_tree()
    if region not in tree.regions or tree.get(region).level == RegionLevel.PROVINCE:
        raise ValidationFailed("请选择一个市或县（市、区）")
    if not rules.may_set_local_cap(user, region):
        raise OutsideScope("只能设置本地区的本地项目申报上限")
    term = settings().term
    table = quota_table(term)
    current = store.get_local_cap(term, region)
    before = rules.local_cap(region, table, current.cap if current else None)
    insts = [i for i in store.local_institutions() if i.qualification.region_code == region]
    used = _local_usage(insts)
    if current is not None and current.cap == cap:  # a retry, or nothing to change
        row = _cap_row(region, current, insts, used, user)
        return LocalCapChanged(**dict(row), changed=False, warning="")
    setting = LocalCapSetting(
        term=term,
        region_code=region,
        cap=cap,
        set_by=user.user_id,
        set_by_name=user.name,
        set_at=now,
    )
    over = {i.institution_id: i.name for i in insts if used.get(i.institution_id, 0) > cap}
    warning = (
        f"{'、'.join(f'{n}（已申报 {used[i]} 个）' for i, n in over.items())}已超过新上限，"
        "已申报的项目保留，不能再新申报"
        if over
        else ""
    )
    detail = f"{tree.full_name(region)}本地项目申报上限：{before} → {cap}"
    audit = AuditEntry(
        at=now,
        term=term,
        event="local_cap_set",
        actor=f"{user.name}（{user.user_id}）",
        detail=detail + (f"；{warning}" if warning else ""),
        region_code=region,
    )
    store.put_local_cap(setting, current.cap if current else None, audit)
    row = _cap_row(region, setting, insts, used, user)
    return LocalCapChanged(**dict(row), changed=True, warning=warning)


def get_project(user: User, project_id: str) -> ProjectView | MaskedProjectView:
    """An institution sees its own records; a bureau those it reviews."""
    rec = store.get_record(project_id)
    if user.role == Role.INSTITUTION:
        if rec.institution_id != user.institution_id:
            raise NotFound("项目不存在")
    elif user.role in BUREAUS:
        if not rules.bureau_may_review(user, institution_profile(rec.institution_id)):
            raise NotFound("项目不存在")
    else:
        raise Forbidden()
    return own_view(rec) if user.role == Role.INSTITUTION else reviewer_view(rec)


@dataclass
class Checked:
    errors: list[FieldError]
    checks: list[RuleCheck]


def check_draft(inst: Institution, rec: ProjectRecord, *, for_review: bool = False) -> Checked:
    """Run every rule of a submission over the draft (and what the store says of the leader and
    the quota): each problem field by field, and a pass/fail line per rule for the reviewers."""
    d, term = rec.draft, rec.term
    cal, table = term_calendar(term), quota_table(term)
    today = cal.window(PhaseId.APPLY).start
    std = rules.fee_standard_for(inst, fee_standards(), region_tree())
    leader_id = d.leader.id_number or ""
    adding = len(d.classes)
    already = rec.leader_classes if for_review else 0
    current = (store.leader_classes(leader_id, term) - already) if leader_id else 0
    registered = store.leader_registration(leader_id) if leader_id else None
    by_rule: list[tuple[str, str, list[FieldError]]] = [
        ("完整性", "申报信息完整", rules.required_fields_missing(d)),
        (
            "目录",
            "学段、学科、领域、层次与参训对象取自目录",
            rules.values_in_vocabulary(d, vocabulary(), region_tree()),
        ),
        ("AP-7", "专家信息（身份证号）", rules.instructors_distinct(d)),
        ("PH-TRAIN", "班期在培训实施阶段内", rules.classes_within_training_phase(d, cal)),
        ("AP-1", "学科在资质范围内", rules.subject_within_qualification(d, inst)),
        ("AP-2", "负责人为正式职工且副高以上", rules.leader_is_senior_formal_employee(d, inst)),
        (
            "AP-3",
            f"负责人本学期班期不超过{table.max_leader_classes}个",
            rules.leader_class_room(current, adding, table.max_leader_classes) if leader_id else [],
        ),
        ("AP-4", "负责人仅在一个机构负责项目", rules.leader_single_institution(registered, inst)),
        ("学分", "项目学分不超过150", rules.credits_within_range(d)),
        ("CR-2", "分段实施", rules.segments_consistent(d, term, table)),
        (
            "CR-3",
            f"混合式线上学分不超过{table.blended_online_max_percent}%",
            rules.online_share_within_cap(d, table),
        ),
        ("CR-4", "混合式承办机构具备资质", rules.blended_host_qualified(d, inst, table, today)),
        (
            "AP-8",
            f"收费项目与标准（{std.name if std else '无标准'}）",
            rules.fee_items_within_standard(d, std),
        ),
    ]
    if not for_review and rules.counts_against_quota(d, table):
        cap, _ = _quota_cap(inst, term)
        used = store.quota_used(inst.institution_id, term)
        if used is None:
            used = store.backfill_quota(inst.institution_id, term)
        by_rule.append(("Q-1…Q-6", f"申报数不超过 {cap} 个", rules.quota_room(used, cap)))
    elif d.b_certificate:
        by_rule.append(("Q-4", "B证项目不占申报名额（须经审核确认）", []))
    errors = [e for _, _, errs in by_rule for e in errs]
    checks = [
        RuleCheck(rule=rid, name=name, ok=not errs, messages=[e.message for e in errs])
        for rid, name, errs in by_rule
    ]
    return Checked(errors, checks)


def _person_record(p: PersonInput, now: datetime) -> PersonRecord:
    return PersonRecord(
        id_number=p.id_number or "",
        name=p.name or "",
        title=p.title or "",
        organisation=p.organisation or "",
        expertise=p.expertise,
        updated_at=now,
    )


def submit(user: User, project_id: str, version: int, now: datetime) -> ProjectRecord:
    """Submit a project (PH-APPLY): every rule checked and every problem reported at once (422);
    then one transaction that holds a quota slot (Q-1 … Q-6, not for Q-4), the leader's classes
    (AP-3) and registration (AP-4), and stores the people (AP-7)."""
    inst, rec = _own_record(user, project_id)
    if rec.status not in EDITABLE:
        raise ProjectLocked()
    if rec.version != version:
        raise StaleVersion()
    _window(PhaseId.APPLY, now)
    checked = check_draft(inst, rec)
    if checked.errors:
        raise SubmissionInvalid(errors=[e.model_dump() for e in checked.errors])
    d, term = rec.draft, rec.term
    table = quota_table(term)
    counted = rules.counts_against_quota(d, table)
    people = {p.id_number: _person_record(p, now) for p in [d.leader, *d.instructors]}
    new = rec.model_copy(
        update={
            "status": ProjectStatus.SUBMITTED,
            "version": version + 1,
            "updated_at": now,
            "submitted_at": now,
            "counted_quota": counted,
            "leader_classes": len(d.classes),
            "return_reason": "",
            "spot_check": None,
        }
    )
    room = table.max_leader_classes - len(d.classes)
    audit = _audit(new, "submitted", user, now, d.title or "")
    for _attempt in range(3):
        # Read the cap on every attempt: the transaction re-checks a local one.
        cap, local_cap = _quota_cap(inst, term)
        try:
            store.submit(
                new,
                version,
                quota_cap=cap if counted else None,
                leader_id=d.leader.id_number or "",
                leader_room=room,
                people=list(people.values()),
                audit=audit,
                local_cap=local_cap if counted else None,
            )
            return new
        except store.QuotaCounterMissing:
            store.backfill_quota(inst.institution_id, term)
        except store.LocalCapChanged:
            continue
    raise Conflict("申报名额正在调整，请稍后重试")


# --- review (PH-REVIEW) ----------------------------------------------------------------------


def _bureau(user: User) -> User:
    return require(user, *BUREAUS)


def _reviewable(user: User, project_id: str) -> tuple[Institution, ProjectRecord]:
    _bureau(user)
    rec = store.get_record(project_id)
    inst = institution_profile(rec.institution_id)
    if not rules.bureau_may_review(user, inst):
        raise Forbidden("该项目不由你审核")
    return inst, rec


def review_list(user: User) -> ReviewList:
    """Submitted and approved projects in the bureau's scope, with every rule check shown."""
    _bureau(user)
    term = settings().term
    insts: dict[str, Institution] = {}
    out = []
    for status in (ProjectStatus.SUBMITTED, ProjectStatus.APPROVED):
        for item in store.list_by_status(term, status):
            if "app" not in item:
                continue
            rec = ProjectRecord.model_validate_json(item["app"])
            inst = insts.setdefault(rec.institution_id, institution_profile(rec.institution_id))
            if not rules.bureau_may_review(user, inst):
                continue
            checked = check_draft(inst, rec, for_review=True)
            out.append(
                ReviewItem(
                    **dict(reviewer_view(rec)),
                    checks=checked.checks,
                    # AP-5: the recorded draw (none until a reviewer draws).
                    spot_check_pick=list(rec.spot_check.picked) if rec.spot_check else [],
                )
            )
    return ReviewList(projects=out)


def draw_spot_check(user: User, project_id: str, version: int, now: datetime) -> ProjectRecord:
    """AP-5: draw the instructors to check, at review time, with `secrets` (nobody can know the
    pick before this call), and record the draw: who drew, when, from how many. Once per
    submission: a second draw is refused (a reviewer could otherwise draw until the pick
    suits), and of two reviewers drawing at once the version condition lets one win."""
    _, rec = _reviewable(user, project_id)
    if rec.status != ProjectStatus.SUBMITTED:
        raise Conflict("只有待审核的项目可以抽查")
    _window(PhaseId.REVIEW, now)
    if rec.spot_check is not None:
        raise SpotCheckDrawn()
    if rec.version != version:
        raise StaleVersion()
    size = quota_table(rec.term).spot_check_size
    names = [p.name or "" for p in rec.draft.instructors]
    check = SpotCheck(
        picked=tuple(rules.spot_check_sample(names, size)),
        pool=len(set(names)),
        drawn_by=user.user_id,
        drawn_at=now,
    )
    new = rec.model_copy(update={"spot_check": check, "version": version + 1, "updated_at": now})
    detail = f"随机抽取授课教师 {'、'.join(check.picked)}（共 {check.pool} 位）"
    store.replace_record(
        new, (ProjectStatus.SUBMITTED,), version, _audit(new, "spot_check_drawn", user, now, detail)
    )
    return new


def record_spot_check(
    user: User, project_id: str, version: int, outcome: str, note: str, now: datetime
) -> ProjectRecord:
    """AP-5: record the outcome of the spot check of the instructors drawn
    (`draw_spot_check`); the pick itself never changes."""
    _, rec = _reviewable(user, project_id)
    if rec.status != ProjectStatus.SUBMITTED:
        raise Conflict("只有待审核的项目可以抽查")
    _window(PhaseId.REVIEW, now)
    if rec.spot_check is None:
        raise Conflict("请先随机抽取授课教师，再记录抽查结果")
    check = rec.spot_check.model_copy(
        update={"outcome": outcome, "note": note, "by": user.user_id, "at": now}
    )
    new = rec.model_copy(update={"spot_check": check, "version": version + 1, "updated_at": now})
    detail = f"抽查 {'、'.join(check.picked)}：{'通过' if outcome == 'pass' else '不通过'} {note}"
    store.replace_record(
        new, (ProjectStatus.SUBMITTED,), version, _audit(new, "spot_check", user, now, detail)
    )
    return new


def decide(
    user: User, project_id: str, version: int, action: str, reason: str, now: datetime
) -> ProjectRecord:
    """Approve or return a submitted project: a state transition guarded by status AND version,
    so of two reviewers acting at once one wins and the other gets 409 stale_version."""
    _, rec = _reviewable(user, project_id)
    _window(PhaseId.REVIEW, now)
    if rec.status != ProjectStatus.SUBMITTED:
        raise StaleVersion()
    if action == "return":
        if len(reason.strip()) < 2:
            raise ValidationFailed("退回时必须填写原因")
        new = rec.model_copy(
            update={
                "status": ProjectStatus.RETURNED,
                "version": version + 1,
                "updated_at": now,
                "return_reason": reason.strip(),
                "reviewed_by": user.user_id,
                "counted_quota": False,
                "leader_classes": 0,
            }
        )
        extra = store.release_counters(rec, rec.draft.leader.id_number or "")
        told = notices.project_returned(
            rec.institution_id, rec.project_id, rec.draft.title or "", rec.term, reason.strip(), now
        )
        extra.append(outbox.put(told))
        store.replace_record(
            new,
            (ProjectStatus.SUBMITTED,),
            version,
            _audit(new, "returned", user, now, reason.strip()),
            extra,
        )
        return new
    if rec.spot_check is None or rec.spot_check.outcome is None:
        raise Conflict("请先完成授课教师抽查再审核通过")
    if rec.spot_check.outcome != "pass":
        raise Conflict("授课教师抽查未通过，不能审核通过")
    new = rec.model_copy(
        update={
            "status": ProjectStatus.APPROVED,
            "version": version + 1,
            "updated_at": now,
            "reviewed_by": user.user_id,
        }
    )
    told = notices.project_approved(
        rec.institution_id, rec.project_id, rec.draft.title or "", rec.term, now
    )
    store.replace_record(
        new,
        (ProjectStatus.SUBMITTED,),
        version,
        _audit(new, "approved", user, now, reason),
        [outbox.put(told)],
    )
    return new


# --- publication (PH-PUBLISH) ----------------------------------------------------------------


def catalog_project(rec: ProjectRecord, now: datetime, bureau_region: RegionCode) -> Project:
    """The public project built from an approved record: no ID numbers, nothing internal but
    its responsible bureau (`rules.responsible_bureau_region`, decided once, here)."""
    d = rec.draft

    def person(p: PersonInput) -> Person:
        return Person(name=p.name or "", title=p.title or "", organisation=p.organisation or "")

    return Project(
        project_id=rec.project_id,
        term=rec.term,
        kind=ProjectKind.REGULAR,
        status=ProjectStatus.PUBLISHED,
        institution_id=rec.institution_id,
        institution_name=rec.institution_name,
        title=d.title or "",
        theme=d.theme or "",
        target=d.target,
        stage=d.stage or "",
        subject=d.subject or "",
        field=d.field or "",
        level=d.level or "",
        form=d.form or TrainingForm.FACE_TO_FACE,
        credits_total=d.credits_total or 1,
        credits_online=d.credits_online or 0,
        fee=Fee(total=d.fee.total or 0, items=tuple(d.fee.items)),
        leader=person(d.leader),
        instructors=tuple(person(p) for p in d.instructors),
        classes=tuple(
            TrainingClass(
                class_id=class_id_for(rec.project_id, i),
                name=c.name or f"第{i}期",
                start_date=c.start_date,
                end_date=c.end_date,
                place=c.place or "",
                capacity=c.capacity or 1,
                timetable=tuple(c.timetable),
            )
            for i, c in enumerate(d.classes, start=1)
        ),
        published_at=now,
        bureau_region=bureau_region,
        segments=tuple(
            Segment(name=s.name or "", semester=s.semester or rec.term, credits=s.credits or 1)
            for s in d.segments
        ),
    )


def publish_approved(user: User, now: datetime) -> PublishedProjects:
    """PH-PUBLISH: publish every approved project in the bureau's scope (each in its own
    transaction), then ask for the site to be published with them (the site worker does it,
    asynchronously: the page shows 发布中 until `site.state` is published)."""
    _bureau(user)
    _window(PhaseId.PUBLISH, now)
    term = settings().term
    published = []
    for item in store.list_by_status(term, ProjectStatus.APPROVED):
        if "app" not in item:
            continue
        rec = ProjectRecord.model_validate_json(item["app"])
        inst = institution_profile(rec.institution_id)
        if not rules.bureau_may_review(user, inst):
            continue
        doc = catalog_project(rec, now, rules.responsible_bureau_region(inst))
        new = rec.model_copy(
            update={
                "status": ProjectStatus.PUBLISHED,
                "version": rec.version + 1,
                "updated_at": now,
                "published_at": now,
            }
        )
        told = notices.project_published(
            rec.institution_id, doc.project_id, doc.title, rec.term, now
        )
        store.write_publication(
            new, rec.version, doc, _audit(new, "published", user, now), [outbox.put(told)]
        )
        published.append(rec.project_id)
    site_state = (
        site.request_publication(term, "projects published by a bureau", published)
        if published
        else site.status(term)
    )
    return PublishedProjects(published=published, site=site_state.model_dump())


# --- after publication (CH-1 … CH-5) --------------------------------------------------------


def _published_item(project_id: str) -> tuple[dict[str, Any], Project]:
    found = store.get_published(project_id)
    if found is None or found[0].get("status", "published") != ProjectStatus.PUBLISHED.value:
        raise Conflict("只有已发布的项目可以申请变更")
    return found


def _bureau_region(doc: Project, insts: dict[str, Institution] | None = None) -> RegionCode:
    """A published project's responsible bureau, as stored at publication; documents published
    before it was stored get it from the same rule."""
    if doc.bureau_region:
        return doc.bureau_region
    cache = {} if insts is None else insts
    if doc.institution_id not in cache:
        cache[doc.institution_id] = institution_profile(doc.institution_id)
    return rules.responsible_bureau_region(cache[doc.institution_id], doc.order_county)


def _apply_change(doc: Project, req: ChangeRequest) -> Project:
    if req.kind == ChangeKind.FORM and req.form:
        online = (
            doc.credits_total
            if req.form == TrainingForm.ONLINE
            else (doc.credits_online if req.form == TrainingForm.BLENDED else 0)
        )
        return doc.model_copy(update={"form": req.form, "credits_online": online})
    if req.kind == ChangeKind.INSTRUCTORS:
        people = {p.name: p for p in doc.instructors}
        return doc.model_copy(
            update={"instructors": tuple(people.get(n, Person(name=n)) for n in req.instructors)}
        )
    classes = []
    for c in doc.classes:
        if c.class_id == req.class_id:
            if req.kind == ChangeKind.DATES and req.start_date and req.end_date:
                # The sessions move with the class (CH-3/CH-4) unless new ones are given.
                shift = req.start_date - c.start_date
                sessions = req.timetable or [
                    t.model_copy(update={"day": t.day + shift}) for t in c.timetable
                ]
                c = c.model_copy(
                    update={
                        "start_date": req.start_date,
                        "end_date": req.end_date,
                        "timetable": tuple(sessions),
                    }
                )
            elif req.kind == ChangeKind.PLACE and req.place:
                c = c.model_copy(update={"place": req.place})
            elif req.kind == ChangeKind.TIMETABLE:
                c = c.model_copy(update={"timetable": tuple(req.timetable)})
        classes.append(c)
    return Project.model_validate(
        {**doc.model_dump(), "classes": [c.model_dump() for c in classes]}
    )


def request_change(user: User, project_id: str, req: ChangeRequest, now: datetime) -> ChangeRecord:
    """CH-1: a published project is locked; the institution files a change (what, why). Minor
    corrections are applied at once and recorded; the rest waits for the bureau (CH-2, CH-3)."""
    inst = _clerk_institution(user)
    item, doc = _published_item(project_id)
    if doc.institution_id != inst.institution_id:
        raise NotFound("项目不存在")
    problems = rules.change_payload_problems(req, [c.class_id for c in doc.classes])
    if problems:
        raise SubmissionInvalid(errors=[e.model_dump() for e in problems])
    _timetable_in_time(doc, req, now)
    major = rules.is_major_change(req, doc.form)
    pending = rules.needs_approval(req, doc.form)
    change = ChangeRecord(
        change_id=f"{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}",
        project_id=project_id,
        term=doc.term,
        institution_id=doc.institution_id,
        request=req,
        major=major,
        status=ChangeStatus.PENDING if pending else ChangeStatus.APPLIED,
        filed_by=user.user_id,
        filed_at=now,
        bureau_region=_bureau_region(doc),
    )
    detail = f"{req.kind.value}：{req.what}（原因：{req.why}）"
    if pending:
        store.put_change(change, _audit(doc, "change_requested", user, now, detail))
    else:
        new_doc = _apply_change(doc, req)
        store.write_revision(
            item,
            new_doc,
            [store._put(store.change_item(change), "attribute_not_exists(PK)")],
            _audit(doc, "change_applied", user, now, detail),
        )
        site.request_publication(doc.term, "a published project changed", [project_id])
    return change


def _timetable_in_time(doc: Project, req: ChangeRequest, now: datetime) -> None:
    """CH-4 on the change paths: a change that sets or moves a class's timetable is refused
    (timetable_too_late) as its first publication is, when filed and again when approved."""
    klass = next((c for c in doc.classes if c.class_id == req.class_id), None)
    if klass is None:
        return
    days = quota_table(doc.term).timetable_days_before
    late = rules.change_sets_timetable_late(
        klass.start_date, req, now.astimezone(SHANGHAI).date(), days
    )
    if late is not None:
        raise TimetableTooLate(f"课程表须在开班（{late:%m月%d日}）前至少{days}天发布，已超过期限")


def list_changes(user: User) -> ChangeList:
    term = settings().term
    out = []
    insts: dict[str, Institution] = {}
    titles: dict[str, str] = {}
    for c in store.list_changes(term):
        if user.role == Role.INSTITUTION:
            if c.institution_id != user.institution_id:
                continue
        elif user.role in BUREAUS:
            region = c.bureau_region
            if region is None:  # filed before changes recorded their bureau
                if c.institution_id not in insts:
                    insts[c.institution_id] = institution_profile(c.institution_id)
                region = rules.responsible_bureau_region(insts[c.institution_id])
            if not rules.bureau_responsible(user, region):
                continue
        else:
            raise Forbidden()
        out.append(ChangeView(**dict(c), project_title=_title(c.project_id, titles)))
    return ChangeList(changes=sorted(out, key=lambda c: c.filed_at, reverse=True))


def _title(project_id: str, seen: dict[str, str]) -> str:
    """A project's title for lists that would otherwise show its id (pages show names)."""
    if project_id not in seen:
        item = store.get_project_item(project_id) or {}
        doc = item.get("doc") or item.get("app")
        title = ""
        if doc:
            data = json.loads(doc)
            title = data.get("title") or (data.get("draft") or {}).get("title") or ""
        seen[project_id] = title
    return seen[project_id]


def decide_change(
    user: User, project_id: str, change_id: str, approve: bool, note: str, now: datetime
) -> ChangeRecord:
    """The responsible bureau approves or refuses a change. An approved major change (CH-3) is
    applied, and every enrolled teacher gets a withdrawal right carrying the explanation."""
    _bureau(user)
    change = store.get_change(project_id, change_id)
    item, doc = _published_item(project_id)
    if not rules.bureau_responsible(user, _bureau_region(doc)):
        raise Forbidden("该项目不由你审核")
    if (
        approve
        and change.status == ChangeStatus.APPROVED
        and change.request.kind == ChangeKind.DATES
        and change.request.class_id
    ):
        # Approving an approved date change again finishes the teachers' moves a failed first
        # call left undone (each move is conditioned on the dates it moves from: idempotent).
        klass = next(c for c in doc.classes if c.class_id == change.request.class_id)
        move_days(klass.class_id, klass.start_date, klass.end_date, now)
        return change
    if change.status != ChangeStatus.PENDING:
        raise Conflict("该变更申请已被处理")
    decided = change.model_copy(
        update={
            "status": ChangeStatus.APPROVED if approve else ChangeStatus.REFUSED,
            "decided_by": user.user_id,
            "decided_at": now,
            "decision_note": note,
        }
    )
    req = change.request
    detail = f"{req.kind.value}：{req.what}；{note}"
    if not approve:
        store.decide_change_only(decided, _audit(doc, "change_refused", user, now, detail))
        return decided
    _timetable_in_time(doc, req, now)
    teachers: list[str] = []
    told: list[dict[str, Any]] = []
    new_doc = _apply_change(doc, req)
    if change.major:
        # CH-3: explained to every enrolled teacher, with a withdrawal right, in the same
        # transaction as the change (one fan-out item, completed right after the commit).
        teachers = store.enrolled_teachers([c.class_id for c in doc.classes])
        decided = decided.model_copy(update={"rights_opened": len(teachers)})
        # CH-3: the explanation the bureau approved is shown on the project page.
        notice = ChangeNotice(
            class_id=req.class_id, what=req.what, why=req.why, note=note, approved_at=now
        )
        new_doc = new_doc.model_copy(update={"notices": (*new_doc.notices, notice)})
        explanation = f"《{doc.title}》变更：{req.what}。原因：{req.why}。"
        if note:
            explanation += f"教育局意见：{note}。"
        explanation += "如不愿参加，可在“我的选课”中退选。"
        what = f"{req.what}（教育局意见：{note}）" if note else req.what
        told = outbox.many(
            notices.class_changed_template(doc.title, what, req.why, now),
            [teacher_party(t) for t in teachers],
            key=f"change:{project_id}:{change_id}",
            right=RightGrant(
                term=doc.term,
                project_id=project_id,
                change_id=change_id,
                reason=explanation,
                granted_at=now,
            ),
        )
    store.write_revision(
        item,
        new_doc,
        [store.change_decision_op(decided), *told],
        _audit(doc, "change_approved", user, now, detail),
    )
    outbox.complete_pending(told)
    if req.kind == ChangeKind.DATES and req.class_id:
        # CH-3: the enrolled teachers' days move with the class; a clash is told.
        klass = next(c for c in new_doc.classes if c.class_id == req.class_id)
        move_days(req.class_id, klass.start_date, klass.end_date, now)
    site.request_publication(doc.term, "a change was approved", [project_id])
    return decided


def publish_timetable(
    user: User, project_id: str, class_id: str, sessions: list[Any], now: datetime
) -> Project:
    """CH-4: a class's timetable is first published at least 5 days (data) before it opens; a
    later first publication is refused. Revising a published timetable is a change request."""
    inst = _clerk_institution(user)
    item, doc = _published_item(project_id)
    if doc.institution_id != inst.institution_id:
        raise NotFound("项目不存在")
    klass = next((c for c in doc.classes if c.class_id == class_id), None)
    if klass is None:
        raise NotFound("班期不存在")
    if klass.timetable:
        raise Conflict("该班期课程表已发布，修改请提交变更申请")
    days = quota_table(doc.term).timetable_days_before
    today = now.astimezone(SHANGHAI).date()
    if not rules.timetable_in_time(klass.start_date, today, days):
        raise TimetableTooLate(
            f"课程表须在开班（{klass.start_date:%m月%d日}）前至少{days}天发布，已超过期限"
        )
    new_doc = _apply_change(
        doc,
        ChangeRequest(
            kind=ChangeKind.TIMETABLE,
            what="发布课程表",
            why="CH-4",
            class_id=class_id,
            timetable=sessions,
        ),
    )
    store.write_revision(
        item, new_doc, [], _audit(doc, "timetable_published", user, now, klass.name)
    )
    site.request_publication(doc.term, "a timetable was published", [project_id])
    return new_doc


def timetable_risks(user: User, now: datetime) -> TimetableRisks:
    """CH-4: classes of published projects in the caller's scope without a timetable, with the
    last day it may be published (already late ones first)."""
    term = settings().term
    days = quota_table(term).timetable_days_before
    today = now.astimezone(SHANGHAI).date()
    out = []
    insts: dict[str, Institution] = {}
    for doc in catalog.published_projects(term):
        if user.role == Role.INSTITUTION:
            if doc.institution_id != user.institution_id:
                continue
        elif user.role in BUREAUS:
            if not rules.bureau_responsible(user, _bureau_region(doc, insts)):
                continue
        else:
            raise Forbidden()
        for c in doc.classes:
            if c.timetable or c.start_date < today:
                continue
            left = (c.start_date - today).days - days
            out.append(
                TimetableRisk(
                    project_id=doc.project_id,
                    title=doc.title,
                    class_id=c.class_id,
                    class_name=c.name,
                    start_date=c.start_date,
                    days_left=left,
                    late=left < 0,
                )
            )
    return TimetableRisks(classes=sorted(out, key=lambda r: r.days_left))


# --- people (AP-7) and audit (CH-5) ----------------------------------------------------------


def lookup_person(
    user: User, id_number: str, now: datetime, *, page: str, route: str
) -> ExpertView:
    """Reuse a person's record when entering a plan (AP-7), and only what that form needs: an
    institution looks up the people of its own applications at any time, and any exact ID
    number only while applications are open (PH-APPLY); bureaus enter no plans (their expert
    search shows masked numbers). Every lookup that reaches the records is audited like a read
    of an unmasked ID number (functions/common/pi_audit.py): the caller turned one into a
    name. The ID number is echoed masked."""
    inst = _clerk_institution(user)
    own = id_number in store.institution_people(inst.institution_id)
    if not own and not term_calendar(settings().term).is_open(PhaseId.APPLY, now):
        raise LookupNotAllowed()
    p = store.get_person(id_number)
    pi_audit.record_reads(
        user.user_id,
        [pi_audit.Subject(id_masked=mask_id_number(id_number), name=p.name if p else "")],
        now,
        page=page,
        route=route,
    )
    if p is None:
        raise NotFound("专家库中没有该身份证号的记录，请填写完整信息")
    return _expert(p)


def _expert(p: PersonRecord) -> ExpertView:
    return ExpertView(**dict(p), id_number_masked=mask_id_number(p.id_number))


def search_experts(user: User, q: str) -> Experts:
    """The expert database searched by bureaus, ID numbers masked."""
    require(user, *BUREAUS)
    return Experts(experts=[_expert(p) for p in store.search_people(q.strip())])


def audit_history(
    user: User,
    project_id: str | None,
    institution_id: str | None,
    region_code: str | None = None,
) -> list[AuditEntry]:
    """CH-5: the changes of a project or an institution, or of a region's local cap (Q-6).
    A project's history is seen by its responsible bureau, an institution's by the bureau
    responsible for it, a region's by the bureaus over the region; an institution sees its own."""
    if not project_id and not institution_id and not region_code:
        raise ValidationFailed("请指定项目、机构或地区")
    if region_code:
        require(user, *BUREAUS)
        if region_code not in region_tree().regions:
            raise ValidationFailed("未知的地区代码")
        if not scope.covers_region(user, region_code):
            raise OutsideScope()
        return _in_order(store.audit_for_region(settings().term, region_code))
    if user.role == Role.INSTITUTION:
        institution_id = institution_id or user.institution_id
        if institution_id != user.institution_id:
            raise Forbidden()
    elif user.role not in BUREAUS:
        raise Forbidden()
    if project_id:
        entries = store.audit_for_project(project_id)
        if user.role == Role.INSTITUTION and any(
            e.institution_id != user.institution_id for e in entries
        ):
            raise Forbidden()
    else:
        entries = store.audit_for_institution(institution_id or "")
    if user.role in BUREAUS and entries:
        doc = catalog.get(project_id) if project_id else None
        if doc is not None:  # published: the bureau stored at publication
            region = _bureau_region(doc)
        else:
            region = rules.responsible_bureau_region(institution_profile(entries[0].institution_id))
        if not rules.bureau_responsible(user, region):
            raise Forbidden("不在你的管理范围内")
    return _in_order(entries)


def _in_order(entries: list[AuditEntry]) -> list[AuditEntry]:
    events = list(EVENT_NAMES)
    return sorted(
        entries, key=lambda e: (e.at, events.index(e.event) if e.event in events else len(events))
    )


def audit_rows(entries: list[AuditEntry]) -> AuditRows:
    """The history as the review page lists it: each entry with its time (Asia/Shanghai) and
    what happened in Chinese."""
    names: dict[str, str] = {}

    def who(actor: str) -> str:
        # Pages show names, not account ids. Entries record "name（account id）" (older ones the
        # bare id): keep the name, or look the account up.
        if actor not in names:
            m = re.fullmatch(r"(.+)（[^（）]+）", actor)
            user = None if m else records.get_user(actor) if actor else None
            names[actor] = m.group(1) if m else user.name if user else actor
        return names[actor]

    return AuditRows(
        entries=[
            AuditRow(
                **dict(e),
                at_text=_when(e.at),
                event_name=EVENT_NAMES.get(e.event, e.event),
                actor_name=who(e.actor),
            )
            for e in entries
        ]
    )


def _when(at: datetime) -> str:
    """The pages' one date style with the time: 3月26日（周二）10:05."""
    local = at.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日（周{'一二三四五六日'[local.weekday()]}）{local:%H:%M}"


EVENT_NAMES = {
    "created": "新建草稿",
    "submitted": "提交申报",
    "spot_check_drawn": "随机抽取授课教师",
    "spot_check": "授课教师抽查",
    "approved": "审核通过",
    "returned": "退回修改",
    "published": "发布",
    "change_requested": "申请变更",
    "change_applied": "变更（已记录）",
    "change_approved": "变更获批",
    "change_refused": "变更未获批",
    "timetable_published": "发布课程表",
    "local_cap_set": "设置本地项目申报上限",
}


def audit_xlsx(entries: list[AuditEntry]) -> bytes:
    """CH-5: the history as an xlsx workbook."""
    return xlsx.workbook(
        [
            xlsx.Sheet(
                "变更记录",
                (
                    [
                        e.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                        e.project_id or e.region_code,
                        e.institution_id,
                        e.term,
                        EVENT_NAMES.get(e.event, e.event),
                        e.actor,
                        e.detail,
                    ]
                    for e in entries
                ),
                header=("时间", "项目编号", "机构", "学期", "事项", "操作人", "说明"),
            )
        ]
    )
