"""Project rules as pure functions over models. Each returns the problems it finds (a list of
`FieldError`, empty when the rule holds) so a submission reports every problem at once.

State-dependent rules (Q-*, AP-3, AP-4) have a pure part here, fed with what the store read, and
are enforced again in the submitting transaction's conditions (functions/projects/store.py).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from functions.common.scope import PROVINCE
from schemas.calendar import PhaseId, TermCalendar
from schemas.catalog import TrainingForm
from schemas.org import Institution, QualificationScope, QuotaCategory
from schemas.people import Role, User
from schemas.projects import (
    TITLE_RANKS,
    ChangeKind,
    ChangeRequest,
    FeeStandard,
    FieldError,
    PersonInput,
    ProjectDraft,
    QuotaTable,
    valid_id_number,
)
from schemas.regions import RegionCode, RegionTree
from schemas.vocab import Vocabulary

Errors = list[FieldError]
BUREAU_ROLES = (Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU)


def _err(field: str, code: str, message: str, rule: str = "") -> FieldError:
    return FieldError(field=field, code=code, message=message, rule=rule)


def _person_missing(p: PersonInput, at: str, what: str) -> Errors:
    out: Errors = []
    if not p.name:
        out.append(_err(f"{at}.name", "required", f"请填写{what}姓名"))
    if not p.id_number:
        out.append(_err(f"{at}.id_number", "required", f"请填写{what}身份证号", "AP-7"))
    elif not valid_id_number(p.id_number):
        out.append(_err(f"{at}.id_number", "bad_id_number", "身份证号格式或校验位不正确", "AP-7"))
    if not p.title:
        out.append(_err(f"{at}.title", "required", f"请填写{what}职称"))
    return out


def required_fields_missing(d: ProjectDraft) -> Errors:
    """Completeness of a submission: every field a published project needs."""
    out: Errors = []
    for name, label in (
        ("title", "项目名称"),
        ("stage", "学段"),
        ("subject", "学科"),
        ("field", "培训领域"),
        ("level", "培训层次"),
    ):
        value = getattr(d, name)
        if not value or not str(value).strip():
            out.append(_err(name, "required", f"请填写{label}"))
    if d.title and len(d.title.strip()) < 2:
        out.append(_err("title", "too_short", "项目名称至少2个字"))
    if d.form is None:
        out.append(_err("form", "required", "请选择培训形式"))
    if not d.credits_total:
        out.append(_err("credits_total", "required", "请填写总学分"))
    if d.fee.total is None:
        out.append(_err("fee.total", "required", "请填写人均培训费总额", "AP-8"))
    out += _person_missing(d.leader, "leader", "项目负责人")
    if not d.instructors:
        out.append(_err("instructors", "required", "请至少填写一位授课教师", "AP-5"))
    for i, p in enumerate(d.instructors):
        out += _person_missing(p, f"instructors.{i}", "授课教师")
    if not d.classes:
        out.append(_err("classes", "required", "请至少设置一个班期"))
    for i, c in enumerate(d.classes):
        at = f"classes.{i}"
        for name, label in (
            ("name", "班期名称"),
            ("start_date", "开班日期"),
            ("end_date", "结束日期"),
            ("place", "培训地点"),
            ("capacity", "班额"),
        ):
            if getattr(c, name) in (None, ""):
                out.append(_err(f"{at}.{name}", "required", f"请填写{label}"))
    return out


def values_in_vocabulary(d: ProjectDraft, vocab: Vocabulary, tree: RegionTree) -> Errors:
    """The stage, subject, field and level, and the target's stages, subjects and regions, are
    values of the controlled vocabularies (data/vocab.yaml) and the region tree: what the
    catalog's filters offer a teacher. Each problem names its field."""
    out: Errors = []
    for kind in ("stage", "subject", "field", "level"):
        if problem := vocab.problem(kind, getattr(d, kind)):
            out.append(_err(kind, "not_in_vocabulary", problem))
    for kind, values in (("stage", d.target.stages), ("subject", d.target.subjects)):
        for i, value in enumerate(values):
            if problem := vocab.problem(kind, value, project=False):
                at = f"target.{kind}s.{i}"
                out.append(_err(at, "not_in_vocabulary", f"参训对象的{problem}"))
    for i, code in enumerate(d.target.region_codes):
        if code not in tree.regions:
            out.append(
                _err(f"target.region_codes.{i}", "unknown_region", f"参训地区“{code}”不存在")
            )
    return out


def instructors_distinct(d: ProjectDraft) -> Errors:
    """AP-7: one record per person, so a person appears once in a plan."""
    seen: dict[str, int] = {}
    out: Errors = []
    for i, p in enumerate(d.instructors):
        if p.id_number and p.id_number in seen:
            out.append(
                _err(
                    f"instructors.{i}.id_number", "duplicate_person", "同一授课教师重复填写", "AP-7"
                )
            )
        elif p.id_number:
            seen[p.id_number] = i
    return out


def classes_within_training_phase(d: ProjectDraft, calendar: TermCalendar) -> Errors:
    """Classes run inside PH-TRAIN and their timetables inside the class dates."""
    train = calendar.window(PhaseId.TRAIN)
    out: Errors = []
    for i, c in enumerate(d.classes):
        if not (c.start_date and c.end_date):
            continue
        at = f"classes.{i}"
        if c.end_date < c.start_date:
            out.append(_err(f"{at}.end_date", "dates_reversed", "结束日期早于开班日期"))
        elif c.start_date < train.start or c.end_date > train.end:
            out.append(
                _err(
                    f"{at}.start_date",
                    "outside_training_phase",
                    f"班期须在培训实施阶段内（{train.start:%m月%d日}—{train.end:%m月%d日}）",
                    "PH-TRAIN",
                )
            )
        for j, s in enumerate(c.timetable):
            if not (c.start_date <= s.day <= c.end_date) or s.end <= s.start:
                out.append(
                    _err(f"{at}.timetable.{j}", "bad_session", "课程安排不在班期日期内或时间有误")
                )
    return out


def subject_within_qualification(d: ProjectDraft, inst: Institution) -> Errors:
    """AP-1: the project's subject lies within the institution's qualification."""
    cats = inst.qualification.subject_categories
    if d.subject and d.subject not in cats:
        return [
            _err(
                "subject",
                "outside_qualification",
                f"学科“{d.subject}”不在本机构资质范围内（{'、'.join(cats)}）",
                "AP-1",
            )
        ]
    return []


def leader_is_senior_formal_employee(d: ProjectDraft, inst: Institution) -> Errors:
    """AP-2: the leader is a formal employee of the applicant with a 副高 title or higher."""
    leader, out = d.leader, []
    if not leader.formal_employee or (leader.organisation and leader.organisation != inst.name):
        out.append(
            _err(
                "leader.formal_employee",
                "leader_not_employee",
                f"项目负责人原则上应为{inst.name}正式在编在岗人员",
                "AP-2",
            )
        )
    if leader.title and TITLE_RANKS.get(leader.title, -1) < 2:
        out.append(
            _err(
                "leader.title",
                "leader_title_too_low",
                f"项目负责人须具有副高及以上职称（当前：{leader.title}）",
                "AP-2",
            )
        )
    return out


def leader_class_room(current: int, adding: int, limit: int) -> Errors:
    """AP-3: a leader leads at most `limit` class periods in a half-year."""
    if current + adding > limit:
        return [
            _err(
                "leader.id_number",
                "leader_class_limit",
                f"该负责人本学期已负责 {current} 个班期，加上本项目 {adding} 个将超过 {limit} 个的上限",
                "AP-3",
            )
        ]
    return []


def leader_single_institution(registered: str | None, inst: Institution) -> Errors:
    """AP-4: one leader, by ID number, leads projects at one institution only."""
    if registered and registered != inst.institution_id:
        return [
            _err(
                "leader.id_number",
                "leader_other_institution",
                "该负责人已在其他培训机构担任项目负责人，不能跨机构负责项目",
                "AP-4",
            )
        ]
    return []


def credits_within_range(d: ProjectDraft) -> Errors:
    """A project carries at most 150 credits (what a published project may hold). The cap of
    CR-1 is not a project's: it caps each teacher's school-based credits in a credit cycle,
    enforced where those are registered (functions/credits/schoolbased.py)."""
    if (d.credits_total or 0) > 150:
        return [_err("credits_total", "credits_too_high", "项目学分不能超过150")]
    return []


def segments_consistent(d: ProjectDraft, term: str, table: QuotaTable) -> Errors:
    """CR-2: only a 90-credit centralized project runs in segments, across semesters; its
    segments belong to the one project (their credits add up to its total)."""
    if not d.segments:
        return []
    out: Errors = []
    if d.credits_total != table.segmented_credits or d.form == TrainingForm.ONLINE:
        out.append(
            _err(
                "segments",
                "segments_not_allowed",
                f"只有{table.segmented_credits}学分的集中培训项目可以分段实施",
                "CR-2",
            )
        )
    if len(d.segments) < 2:
        out.append(_err("segments", "too_few_segments", "分段实施至少分为两段", "CR-2"))
    for i, s in enumerate(d.segments):
        if not s.semester or not s.credits or not s.name:
            out.append(_err(f"segments.{i}", "required", "请填写每段的名称、学期和学分", "CR-2"))
    if d.segments[0].semester and d.segments[0].semester != term:
        out.append(_err("segments.0.semester", "first_segment_term", "第一段须在本学期", "CR-2"))
    total = sum(s.credits or 0 for s in d.segments)
    if d.credits_total and total != d.credits_total:
        out.append(_err("segments", "segments_sum", f"各段学分之和 {total} 与总学分不一致", "CR-2"))
    return out


def online_share_within_cap(d: ProjectDraft, table: QuotaTable) -> Errors:
    """CR-3: a blended project's online credits are at most 30% (configurable) of the total;
    face-to-face has none and online projects are wholly online."""
    total, online = d.credits_total or 0, d.credits_online or 0
    if not total or d.form is None:
        return []
    if online > total:
        return [_err("credits_online", "online_over_total", "线上学分不能超过总学分", "CR-3")]
    if d.form == TrainingForm.BLENDED:
        cap = table.blended_online_max_percent
        if online * 100 > total * cap:
            return [
                _err(
                    "credits_online",
                    "online_share_too_high",
                    f"混合式项目线上学分不得超过总学分的{cap}%（最多 {total * cap // 100} 学分）",
                    "CR-3",
                )
            ]
        if online == 0:
            return [
                _err("credits_online", "blended_without_online", "混合式项目须有线上学分", "CR-3")
            ]
    if d.form == TrainingForm.FACE_TO_FACE and online:
        return [_err("credits_online", "face_to_face_online", "面授项目不应有线上学分", "CR-3")]
    if d.form == TrainingForm.ONLINE and online != total:
        return [_err("credits_online", "online_mismatch", "线上项目的线上学分应等于总学分", "CR-3")]
    return []


def blended_host_qualified(
    d: ProjectDraft, inst: Institution, table: QuotaTable, today: date
) -> Errors:
    """CR-4: the host of a blended project holds a (current) Zhejiang training qualification."""
    if d.form != TrainingForm.BLENDED:
        return []
    q = inst.qualification
    if q.scope.value not in table.blended_host_scopes or q.qualified_since > today:
        return [
            _err(
                "form",
                "blended_host_unqualified",
                "混合式项目须由具有浙江省培训资质的机构承办",
                "CR-4",
            )
        ]
    return []


def fee_standard_for(
    inst: Institution, standards: Sequence[FeeStandard], tree: RegionTree
) -> FeeStandard | None:
    """AP-8: province-wide projects follow the provincial standard, local ones their region's
    (the nearest region up the tree that filed one), else the default local standard."""
    if inst.qualification.scope != QualificationScope.LOCAL:
        return next((s for s in standards if s.applies_to == "province"), None)
    region = inst.qualification.region_code
    chain = [region, *tree.ancestors(region)] if region else []
    for code in chain:
        for s in standards:
            if s.applies_to == "local" and code in s.regions:
                return s
    return next((s for s in standards if s.applies_to == "local" and not s.regions), None)


def _training_days(d: ProjectDraft) -> int:
    spans = [
        (c.end_date - c.start_date).days + 1
        for c in d.classes
        if c.start_date and c.end_date and c.end_date >= c.start_date
    ]
    return max(spans, default=0)


def fee_items_within_standard(d: ProjectDraft, std: FeeStandard | None) -> Errors:
    """AP-8: the fee per trainee is stated with its items, the items add up to the total (nothing
    beyond it may be charged), and total and items keep within the standard's daily caps."""
    fee, out = d.fee, []
    if fee.total is None:
        return []
    if not fee.items:
        return [
            _err("fee.items", "fee_items_missing", "请列明收费项目（住宿费、伙食费等）", "AP-8")
        ]
    items_sum = sum((i.amount for i in fee.items), Decimal(0))
    if items_sum != fee.total:
        out.append(
            _err(
                "fee.total",
                "fee_items_sum",
                f"各收费项目合计 {items_sum} 元，与人均总额 {fee.total} 元不一致",
                "AP-8",
            )
        )
    names = [i.name for i in fee.items]
    if len(set(names)) != len(names):
        out.append(_err("fee.items", "fee_item_repeated", "收费项目重复", "AP-8"))
    days = _training_days(d)
    if std is None or days == 0:
        return out
    daily = std.online_daily_total if d.form == TrainingForm.ONLINE else std.daily_total
    if fee.total > daily * days:
        out.append(
            _err(
                "fee.total",
                "fee_over_standard",
                f"人均 {fee.total} 元超过{std.name}上限（{daily} 元/天 × {days} 天）",
                "AP-8",
            )
        )
    for i, item in enumerate(fee.items):
        cap = std.item_daily_caps.get(item.name)
        if cap is None:
            out.append(
                _err(
                    f"fee.items.{i}.name",
                    "fee_item_not_allowed",
                    f"“{item.name}”不是{std.name}允许的收费项目",
                    "AP-8",
                )
            )
        elif item.amount > cap * days:
            out.append(
                _err(
                    f"fee.items.{i}.amount",
                    "fee_item_over_standard",
                    f"{item.name} {item.amount} 元超过上限（{cap} 元/天 × {days} 天）",
                    "AP-8",
                )
            )
    return out


def local_cap(region: RegionCode, table: QuotaTable, override: int | None) -> int:
    """Q-6: the cap on local projects per institution of `region`: what the region's bureau set
    in the platform (`override`), else the term file's entry for the region, else its default."""
    if override is not None:
        return override
    entry = table.local.get(region)
    return entry.cap if entry else table.local_default


def quota_cap(
    inst: Institution, table: QuotaTable, today: date, local_override: int | None = None
) -> int:
    """Q-1 … Q-6: how many projects `inst` may submit this term. An institution qualified for
    less than a year gets the Q-5 cap whatever its category; local institutions get their
    region's cap (Q-6: `local_override`, the cap the region's bureau stored, else the data)."""
    q = inst.qualification
    if q.scope == QualificationScope.LOCAL:
        return local_cap(q.region_code or "", table, local_override)
    if (today - q.qualified_since).days < table.new_institution_days:
        return table.province_wide[QuotaCategory.Q5_NEW]
    return table.province_wide.get(
        inst.quota_category, table.province_wide[QuotaCategory.Q2_PROVINCE_WIDE]
    )


def counts_against_quota(d: ProjectDraft, table: QuotaTable) -> bool:
    """Q-4: approved B-certificate projects are extra and do not count."""
    return not (d.b_certificate and table.b_certificate_outside_quota)


def quota_room(used: int, cap: int) -> Errors:
    """Q-1 … Q-6: one more submission fits under the cap."""
    if used >= cap:
        return [
            _err("", "quota_exceeded", f"本机构本学期可申报 {cap} 个项目，已申报 {used} 个", "Q-1")
        ]
    return []


def spot_check_sample(
    instructor_names: Sequence[str], size: int, rng: random.Random | None = None
) -> list[str]:
    """AP-5: the instructors picked at random for the spot check. Drawn from the operating
    system's CSPRNG (`secrets`) at review time, so nobody can compute the pick before the draw
    (a pick seeded by the project id was known to the institution from its draft); the caller
    records the draw. `rng` only for tests."""
    pool = sorted(dict.fromkeys(instructor_names))
    return sorted((rng or secrets.SystemRandom()).sample(pool, min(size, len(pool))))


def responsible_bureau_region(inst: Institution, order_county: RegionCode | None = None) -> str:
    """The one bureau responsible for a project: it reviews the application (PH-REVIEW), approves
    changes after publication (CH-3) and accepts class expansions (SE-3). Order projects: the
    ordering county (PH-ORDER-PUBLISH); local institutions: the region of their qualification
    (Q-6); everything else: the province bureau. Decided once at publication and stored on the
    published project and its classes (`Project.bureau_region`, `ClassInfo.bureau_region`)."""
    if order_county:
        return order_county
    if inst.qualification.scope == QualificationScope.LOCAL and inst.qualification.region_code:
        return inst.qualification.region_code
    return PROVINCE


def bureau_responsible(user: User, region: RegionCode) -> bool:
    """Is `user` the bureau of `region` (the responsible bureau of a project)?"""
    return user.role in BUREAU_ROLES and bool(user.region_code) and user.region_code == region


def bureau_may_review(user: User, inst: Institution) -> bool:
    """PH-REVIEW: an application is reviewed by its institution's responsible bureau."""
    return bureau_responsible(user, responsible_bureau_region(inst))


def may_set_local_cap(user: User, region: RegionCode) -> bool:
    """Q-6: the cap on local projects is set by each locality: a city or county bureau sets its
    own region's, the province bureau any region's."""
    if user.role == Role.PROVINCE_BUREAU:
        return True
    return user.role in (Role.CITY_BUREAU, Role.COUNTY_BUREAU) and user.region_code == region


def institutions_over_cap(used: dict[str, int], cap: int) -> list[str]:
    """Q-6: the institutions that already hold more submissions than a (lowered) cap; they keep
    them, and their next submission is refused (quota_exceeded)."""
    return sorted(iid for iid, n in used.items() if n > cap)


def is_major_change(req: ChangeRequest, current_form: TrainingForm) -> bool:
    """CH-3: dates, place and form changes are major (teachers are told and may withdraw)."""
    return req.kind in (ChangeKind.DATES, ChangeKind.PLACE, ChangeKind.FORM)


def to_online(req: ChangeRequest, current_form: TrainingForm) -> bool:
    """CH-2: does the change move face-to-face teaching online?"""
    return (
        req.kind == ChangeKind.FORM
        and current_form != TrainingForm.ONLINE
        and req.form in (TrainingForm.ONLINE, TrainingForm.BLENDED)
        and req.form != current_form
    )


def needs_approval(req: ChangeRequest, current_form: TrainingForm) -> bool:
    """CH-1/CH-2/CH-3: a published project is not changed without the bureau, except a minor
    correction (instructors, a timetable revision) recorded at once; switching face-to-face
    teaching online always needs approval."""
    return (
        to_online(req, current_form)
        or is_major_change(req, current_form)
        or req.kind == ChangeKind.OTHER
    )


def timetable_in_time(start: date, today: date, days_before: int) -> bool:
    """CH-4: a class's timetable is published at least `days_before` days before it opens."""
    return (start - today).days >= days_before


def change_sets_timetable_late(
    klass_start: date, req: ChangeRequest, today: date, days_before: int
) -> date | None:
    """CH-4 on every path that sets or changes a timetable: a timetable change of a class (its
    revision, or the sessions a date change moves) is published at least `days_before` days
    before the class opens, from its current start for a timetable change and from the new
    start for a date change. Returns the start that is too close, or None."""
    if req.kind == ChangeKind.TIMETABLE:
        start = klass_start
    elif req.kind == ChangeKind.DATES and req.start_date:
        start = req.start_date
    else:
        return None
    return None if timetable_in_time(start, today, days_before) else start


def change_payload_problems(req: ChangeRequest, class_ids: Sequence[str]) -> Errors:
    """What a change of each kind must carry."""
    out: Errors = []
    needs_class = req.kind in (ChangeKind.DATES, ChangeKind.PLACE, ChangeKind.TIMETABLE)
    if needs_class and req.class_id not in class_ids:
        out.append(_err("class_id", "unknown_class", "请选择要变更的班期"))
    if req.kind == ChangeKind.FORM and req.form is None:
        out.append(_err("form", "required", "请选择变更后的培训形式"))
    if req.kind == ChangeKind.DATES and not (
        req.start_date and req.end_date and req.start_date <= req.end_date
    ):
        out.append(_err("start_date", "required", "请填写变更后的开班和结束日期"))
    if req.kind == ChangeKind.PLACE and not req.place:
        out.append(_err("place", "required", "请填写变更后的培训地点"))
    if req.kind == ChangeKind.INSTRUCTORS and not req.instructors:
        out.append(_err("instructors", "required", "请填写变更后的授课教师"))
    if req.kind == ChangeKind.TIMETABLE and not req.timetable:
        out.append(_err("timetable", "required", "请填写变更后的课程表"))
    return out
