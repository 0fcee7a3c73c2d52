"""The demo world: deterministic, internally consistent, and shaped for the demos it serves."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from local import demo
from schemas.catalog import Project, ProjectKind, ProjectStatus, TrainingClass, TrainingForm
from schemas.orders import ResponseStatus
from schemas.org import Institution, QualificationScope, QuotaCategory, School
from schemas.people import Role, Teacher, User
from schemas.projects import valid_id_number
from schemas.regions import RegionLevel, region_tree

ROOT = Path(__file__).resolve().parents[2]
_CACHED = (
    demo._institutions,
    demo._schools,
    demo._teacher_world,
    demo._projects,
    demo._users,
    demo._demo_accounts,
    demo.demo_data,
)
_DIGEST = (
    "import hashlib; from local.demo import demo_data; d = demo_data(); "
    "print(hashlib.sha256(''.join(m.model_dump_json() for group in (d.institutions, d.schools, "
    "d.teachers, d.projects, d.users, d.demo_accounts) for m in group).encode()).hexdigest())"
)


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.demo_data()


def _rebuild() -> demo.DemoData:
    for fn in _CACHED:
        fn.cache_clear()
    return demo.demo_data()


def _classes(data: demo.DemoData) -> list[tuple[Project, TrainingClass]]:
    return [(p, c) for p in data.projects for c in p.classes]


def _open_to(teacher: Teacher, project: Project) -> bool:
    """Target stages/subjects/regions empty or matching (the demo's reading of the target)."""
    t, tree = project.target, region_tree()
    return (
        (not t.stages or teacher.stage in t.stages)
        and (not t.subjects or teacher.subject in t.subjects)
        and (not t.region_codes or any(tree.within(teacher.region_code, r) for r in t.region_codes))
        and (project.order_county is None or tree.within(teacher.region_code, project.order_county))
    )


def test_two_builds_are_equal(data: demo.DemoData) -> None:
    again = _rebuild()
    assert again is not data
    assert again == data
    assert demo.projects() == list(data.projects)
    assert demo.users() == list(data.users)


def test_build_does_not_depend_on_the_hash_seed(data: demo.DemoData) -> None:
    groups = (
        data.institutions,
        data.schools,
        data.teachers,
        data.projects,
        data.users,
        data.demo_accounts,
    )
    here = hashlib.sha256(
        "".join(m.model_dump_json() for group in groups for m in group).encode()
    ).hexdigest()
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", _DIGEST],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == here


def test_sizes(data: demo.DemoData) -> None:
    assert len(data.teachers) == demo.TEACHER_COUNT
    assert 70 <= len(data.schools) <= 100
    assert 280 <= len(data.projects) <= 340
    assert len(data.users) > len(data.teachers) + 2 * len(data.schools)


def test_every_record_validates(data: demo.DemoData) -> None:
    for model, records in (
        (Institution, data.institutions),
        (School, data.schools),
        (Teacher, data.teachers),
        (Project, data.projects),
        (User, data.users),
    ):
        for r in records:
            assert model.model_validate_json(r.model_dump_json()) == r


def test_ids_are_unique(data: demo.DemoData) -> None:
    for ids in (
        [i.institution_id for i in data.institutions],
        [s.school_id for s in data.schools],
        [t.teacher_id for t in data.teachers],
        [p.project_id for p in data.projects],
        [c.class_id for _, c in _classes(data)],
        [u.user_id for u in data.users],
    ):
        assert len(ids) == len(set(ids))


def test_teacher_ids_and_names() -> None:
    ts = demo.teachers()
    assert ts[0].teacher_id == "t00001"
    assert all(len(t.name) in (2, 3) for t in ts)


def test_schools_lie_in_real_counties(data: demo.DemoData) -> None:
    tree = region_tree()
    for s in data.schools:
        assert tree.get(s.region_code).level == RegionLevel.COUNTY
    cities = {tree.get(s.region_code).parent for s in data.schools}
    assert len(cities) == len(tree.cities())


def test_every_teacher_belongs_to_an_existing_school_of_their_region_and_stage(
    data: demo.DemoData,
) -> None:
    schools = {s.school_id: s for s in data.schools}
    for t in data.teachers:
        school = schools[t.school_id]
        assert t.region_code == school.region_code
        assert t.stage in school.stages
        assert t.title in {"三级教师", "二级教师", "一级教师", "高级教师", "正高级教师"}


def test_accounts_match_their_records(data: demo.DemoData) -> None:
    users = {u.user_id: u for u in data.users}
    schools = {s.school_id for s in data.schools}
    for t in data.teachers:
        u = users[t.teacher_id]
        assert (u.role, u.teacher_id, u.school_id, u.region_code) == (
            Role.TEACHER,
            t.teacher_id,
            t.school_id,
            t.region_code,
        )
    for s in data.schools:
        assert users[f"p-{s.school_id}"].role == Role.PRINCIPAL
        assert users[f"a-{s.school_id}"].role == Role.SCHOOL_ADMIN
    for i in data.institutions:
        assert users[f"inst-{i.institution_id}"].institution_id == i.institution_id
    assert users["bureau-330000"].role == Role.PROVINCE_BUREAU
    assert users["centre"].role == Role.CENTRE
    for city in region_tree().cities():
        assert users[f"bureau-{city.code}"].role == Role.CITY_BUREAU
    for s in data.schools:
        assert users[f"bureau-{s.region_code}"].role == Role.COUNTY_BUREAU
    assert all(u.school_id in schools for u in data.users if u.school_id)


def test_every_demo_account_exists_in_users(data: demo.DemoData) -> None:
    users = set(data.users)
    assert all(a in users for a in data.demo_accounts)
    roles = Counter(a.role for a in data.demo_accounts)
    assert roles == {
        Role.TEACHER: 3,
        Role.PRINCIPAL: 2,
        Role.SCHOOL_ADMIN: 1,
        Role.COUNTY_BUREAU: 1,
        Role.CITY_BUREAU: 1,
        Role.PROVINCE_BUREAU: 1,
        Role.INSTITUTION: 2,
        Role.CENTRE: 1,
        Role.MONITOR: 1,
    }
    teachers = {t.teacher_id: t for t in data.teachers}
    demo_teachers = [teachers[a.teacher_id] for a in data.demo_accounts if a.teacher_id]
    assert len({t.school_id for t in demo_teachers}) == 3
    assert len({t.stage for t in demo_teachers}) == 3


def test_first_demo_teacher_can_select_at_least_20_classes(data: demo.DemoData) -> None:
    first = data.demo_accounts[0]
    assert first.role == Role.TEACHER
    teacher = next(t for t in data.teachers if t.teacher_id == first.teacher_id)
    assert sum(_open_to(teacher, p) for p, _ in _classes(data)) >= 20


def test_every_teacher_can_select_something(data: demo.DemoData) -> None:
    broad = [
        p
        for p in data.projects
        if not (p.target.stages or p.target.subjects or p.target.region_codes)
    ]
    assert len(broad) >= 5
    assert all(any(_open_to(t, p) for p in broad) for t in data.teachers)


def test_a_class_of_tiny_capacity_exists_for_class_full_demos(data: demo.DemoData) -> None:
    first = next(t for t in data.teachers if t.teacher_id == data.demo_accounts[0].teacher_id)
    tiny = [(p, c) for p, c in _classes(data) if c.capacity <= 3]
    assert tiny
    assert any(_open_to(first, p) for p, _ in tiny)


def test_first_demo_teacher_has_classes_with_overlapping_dates(data: demo.DemoData) -> None:
    first = next(t for t in data.teachers if t.teacher_id == data.demo_accounts[0].teacher_id)
    open_ = [c for p, c in _classes(data) if _open_to(first, p)]
    assert any(
        a.class_id < b.class_id and a.start_date <= b.end_date and b.start_date <= a.end_date
        for a in open_
        for b in open_
    )


def test_projects_are_published_2024h1_with_fee_items_summing_to_the_total(
    data: demo.DemoData,
) -> None:
    """AP-8: the fee per trainee is stated with its items."""
    for p in data.projects:
        assert p.status == ProjectStatus.PUBLISHED
        assert p.term == "2024H1"
        assert p.published_at is not None and p.published_at.tzinfo is not None
        assert p.fee.items
        assert sum((i.amount for i in p.fee.items), Decimal(0)) == p.fee.total
        assert {i.name for i in p.fee.items} <= {"住宿费", "伙食费", "培训费", "资料费"}


def test_online_projects_cost_less_than_face_to_face_ones(data: demo.DemoData) -> None:
    def mean(form: TrainingForm) -> Decimal:
        fees = [p.fee.total for p in data.projects if p.form == form]
        return sum(fees, Decimal(0)) / len(fees)

    assert mean(TrainingForm.ONLINE) < mean(TrainingForm.FACE_TO_FACE)


def test_blended_projects_keep_online_credits_within_30_percent(data: demo.DemoData) -> None:
    """CR-3."""
    blended = [p for p in data.projects if p.form == TrainingForm.BLENDED]
    assert blended
    for p in blended:
        assert 0 < p.credits_online * 10 <= p.credits_total * 3
    for p in data.projects:
        if p.form == TrainingForm.FACE_TO_FACE:
            assert p.credits_online == 0
        if p.form == TrainingForm.ONLINE:
            assert p.credits_online == p.credits_total


def test_forms_and_credits_are_realistic(data: demo.DemoData) -> None:
    forms = Counter(p.form for p in data.projects)
    assert forms[TrainingForm.FACE_TO_FACE] > forms[TrainingForm.BLENDED] > 0
    assert forms[TrainingForm.ONLINE] > 0
    assert {p.credits_total for p in data.projects} <= {24, 36, 48, 72, 90}


def test_classes_run_inside_the_training_phase(data: demo.DemoData) -> None:
    """PH-TRAIN: 04-07 – 08-31."""
    days: Counter[int] = Counter()
    for p, c in _classes(data):
        assert date(2024, 4, 7) <= c.start_date <= c.end_date <= date(2024, 8, 31)
        assert c.class_id.startswith(f"{p.project_id}-c")
        assert 1 <= c.capacity <= 120
        days[(c.end_date - c.start_date).days + 1] += 1
        per_day = Counter(s.day for s in c.timetable)
        assert set(per_day) == set(c.days())
        assert all(2 <= n <= 4 for n in per_day.values())
        assert all(s.start < s.end for s in c.timetable)
    assert sum(n for d, n in days.items() if 3 <= d <= 5) > sum(days.values()) / 2


def test_projects_lie_within_their_institutions_qualification(data: demo.DemoData) -> None:
    """AP-1; local institutions' projects target their own region."""
    insts = {i.institution_id: i for i in data.institutions}
    tree = region_tree()
    for p in data.projects:
        inst = insts[p.institution_id]
        assert p.institution_name == inst.name
        assert p.subject in inst.qualification.subject_categories
        if inst.qualification.scope == QualificationScope.LOCAL:
            assert p.target.region_codes == (inst.qualification.region_code,)
        if p.order_county:
            assert tree.get(p.order_county).level == RegionLevel.COUNTY
            assert p.target.region_codes == (p.order_county,)
    province_wide = [
        p
        for p in data.projects
        if insts[p.institution_id].qualification.scope != QualificationScope.LOCAL
    ]
    assert sum(not p.target.region_codes for p in province_wide) > 0.8 * len(province_wide)


def test_institution_quotas_are_respected(data: demo.DemoData) -> None:
    """Q-1 40, Q-2 25, Q-3 35, Q-5 5; Q-5 institutions take no order projects (OD-4)."""
    caps = {
        QuotaCategory.Q1_NORMAL_UNIVERSITY: 40,
        QuotaCategory.Q2_PROVINCE_WIDE: 25,
        QuotaCategory.Q3_REMOTE: 35,
        QuotaCategory.Q5_NEW: 5,
    }
    counts = Counter(p.institution_id for p in data.projects)
    insts = {i.institution_id: i for i in data.institutions}
    for iid, n in counts.items():
        cap = caps.get(insts[iid].quota_category)
        assert cap is None or n <= cap
    cats = {i.quota_category for i in data.institutions}
    assert cats == set(QuotaCategory)
    new = [i for i in data.institutions if i.quota_category == QuotaCategory.Q5_NEW]
    assert all((date(2024, 3, 7) - i.qualification.qualified_since).days < 365 for i in new)
    assert not any(
        p.order_county
        and insts[p.institution_id].quota_category in (QuotaCategory.Q5_NEW, QuotaCategory.LOCAL)
        for p in data.projects
    )
    local = [i for i in data.institutions if i.qualification.scope == QualificationScope.LOCAL]
    assert local and all(i.qualification.region_code for i in local)


def test_leaders_are_senior_lead_at_most_4_classes_at_one_institution(
    data: demo.DemoData,
) -> None:
    """AP-2, AP-3, AP-4; AP-7: one record per person across projects."""
    load: Counter[str] = Counter()
    employer: dict[str, str] = {}
    for p in data.projects:
        assert p.leader.title in {"教授", "副教授", "正高级教师"}
        assert p.leader.organisation == p.institution_name
        assert p.leader in p.instructors
        load[p.leader.name] += len(p.classes)
        assert employer.setdefault(p.leader.name, p.institution_id) == p.institution_id
    assert max(load.values()) <= 4
    people: dict[str, object] = {}
    for p in data.projects:
        for person in p.instructors:
            assert people.setdefault(person.name, person) == person


# --- ID numbers, application records and the counters they key (AP-3, AP-4, AP-7, Q-*) -------


def _demo_people() -> list[tuple[str, str]]:
    """(ID number, name) of every person the demo gives an ID number: the published projects'
    records, the applications and the order plans."""
    _, responses = demo.demo_orders()
    drafts = [r.draft for p in demo.projects() if (r := demo.published_record(p.project_id))]
    drafts += [a.draft for a in demo.demo_applications()]
    drafts += [r.plan for r in responses]
    return [(x.id_number or "", x.name or "") for d in drafts for x in (d.leader, *d.instructors)]


def test_every_person_has_a_valid_id_number_of_their_own_AP_7() -> None:
    """GB 11643 check digits; one ID number per person and one person per ID number, so the
    counters keyed by ID number (AP-3, AP-4) and the person records (AP-7) are one per person."""
    people = _demo_people()
    assert all(valid_id_number(i) for i, _ in people)
    by_id: dict[str, set[str]] = {}
    by_name: dict[str, set[str]] = {}
    for i, name in people:
        by_id.setdefault(i, set()).add(name)
        by_name.setdefault(name, set()).add(i)
    assert all(len(names) == 1 for names in by_id.values())
    assert all(len(ids) == 1 for ids in by_name.values())
    assert demo.person_id_number(demo.projects()[0].leader.name) in by_id


def test_published_regular_projects_have_the_record_they_were_published_from(
    data: demo.DemoData,
) -> None:
    """The record a published project came from matches its catalog page, holds one quota slot
    and its classes on the leader (by ID number); order projects are published from plans."""
    for p in data.projects:
        rec = demo.published_record(p.project_id)
        if p.kind == ProjectKind.ORDER:
            assert rec is None
            continue
        assert rec is not None and rec.status == ProjectStatus.PUBLISHED
        assert (rec.institution_id, rec.draft.title, rec.draft.leader.name) == (
            p.institution_id,
            p.title,
            p.leader.name,
        )
        assert rec.draft.leader.id_number == demo.person_id_number(p.leader.name)
        assert rec.draft.leader.formal_employee
        assert rec.counted_quota and rec.leader_classes == len(p.classes)
        assert [c.start_date for c in rec.draft.classes] == [c.start_date for c in p.classes]


def test_leader_loads_count_every_project_and_reach_the_AP_3_limit(data: demo.DemoData) -> None:
    """`leader_loads` (what local/seed.py writes, by ID number) equals a recount by leader name
    over the catalog, the submitted applications and the submitted order plans; some leaders
    are at 4, and one of them leads a draft, so a person sees the AP-3 error."""
    by_name: Counter[str] = Counter()
    for p in data.projects:
        by_name[p.leader.name] += len(p.classes)
    _, responses = demo.demo_orders()
    for a in demo.demo_applications():
        if a.status == ProjectStatus.SUBMITTED:
            by_name[a.draft.leader.name or ""] += len(a.draft.classes)
    for r in responses:
        if r.status == ResponseStatus.SUBMITTED:  # published ones are in the catalog already
            by_name[r.plan.leader.name or ""] += len(r.plan.classes)
    names = dict(_demo_people())
    loads = demo.leader_loads()
    assert {names[i]: n for i, n in loads.items()} == dict(by_name)
    assert max(loads.values()) == 4
    at_limit = next(a for a in demo.demo_applications() if a.project_id == "2024H1-hznu-a02")
    assert at_limit.status == ProjectStatus.DRAFT
    assert loads[at_limit.draft.leader.id_number or ""] == 4


def test_an_institution_is_one_project_short_of_its_quota_Q_1_Q_6(data: demo.DemoData) -> None:
    """浙江师范大学 holds 39 of its 40 (Q-1); 西湖区教师发展中心 11 of its region's 12 (Q-6)."""
    held: Counter[str] = Counter()
    for p in data.projects:
        held[p.institution_id] += p.kind == ProjectKind.REGULAR
    for a in demo.demo_applications():
        held[a.institution_id] += a.status == ProjectStatus.SUBMITTED and a.counted_quota
    assert held["zjnu"] == 39
    assert held["xihu-tdc"] == 11


def test_every_project_names_its_responsible_bureau(data: demo.DemoData) -> None:
    """Decided by the projects rule (PH-REVIEW, CH-3, SE-3): the ordering county, a local
    institution's region, else the province."""
    insts = {i.institution_id: i for i in data.institutions}
    for p in data.projects:
        q = insts[p.institution_id].qualification
        if p.order_county:
            assert p.bureau_region == p.order_county
        elif q.scope == QualificationScope.LOCAL:
            assert p.bureau_region == q.region_code
        else:
            assert p.bureau_region == "330000"
