"""Record rules as pure functions: ID numbers (GB 11643), row validation (TD-1), upsert
classification (TD-1, TD-2), anomalies (TD-3), scope and role assignment."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from functions.common import scope
from functions.records import rules
from schemas.org import School
from schemas.people import Role, Teacher, User
from schemas.privacy import mask_id_number
from schemas.records import (
    AnomalyKind,
    ImportRow,
    Outcome,
    id_check_char,
    id_number_problem,
    make_id_number,
)
from schemas.regions import region_tree

TREE = region_tree()
NOW = datetime(2024, 3, 1, tzinfo=UTC)
S1 = School(school_id="s1", name="西湖区实验小学", region_code="330106", stages=("小学",))
S2 = School(school_id="s2", name="鄞州区第一中学", region_code="330212", stages=("高中",))
ID = make_id_number("330106", date(1985, 3, 2), 7, male=True)
ID2, ID3, ID4, ID5 = (
    make_id_number("330106", date(1985, 3, 2), n, male=True) for n in range(8, 12)
)


def cells(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "身份证件号": ID,
        "姓名": "王强",
        "性别": "男",
        "出生日期": "1985-03-02",
        "学校代码": "s1",
        "学段": "小学",
        "任教学科": "语文",
        "专业技术职务": "一级教师",
        "在岗状态": "在职",
    }
    base.update(over)
    return base


def reason(**over: object) -> str:
    with pytest.raises(ValidationError) as exc:
        ImportRow.from_cells(cells(**over))
    return rules.explain(exc.value)


def test_gb11643_check_character_of_a_published_example_TD_1():
    assert id_check_char("11010519491231002") == "X"
    assert id_number_problem("11010519491231002X") is None


def test_id_number_with_a_wrong_check_digit_is_rejected_TD_1():
    wrong = ID[:17] + ("1" if ID[17] != "1" else "2")
    assert "校验位" in reason(身份证件号=wrong)


def test_id_number_of_the_wrong_length_or_with_letters_is_rejected_TD_1():
    assert "18 位" in reason(身份证件号="3301061985")
    assert "18 位" in reason(身份证件号="33010A198503020158")


def test_id_number_with_an_impossible_birth_date_is_rejected_TD_1():
    first17 = "33010619850231015"
    assert "出生日期不存在" in reason(身份证件号=first17 + id_check_char(first17))


def test_lower_case_x_and_spaces_are_normalized_TD_1():
    first17 = "11010519491231002"
    row = ImportRow.from_cells(cells(身份证件号=f" {first17}x ", 出生日期="1949-12-31", 性别="女"))
    assert row.id_number == first17 + "X"


def test_birth_date_must_match_the_id_number_TD_1():
    assert "出生日期与身份证件号不一致" in reason(出生日期="1985-03-03")


def test_birth_date_accepts_the_export_formats_TD_1():
    for text in ("1985/3/2", "19850302", "1985年3月2日", datetime(1985, 3, 2)):
        assert ImportRow.from_cells(cells(出生日期=text)).birth_date == date(1985, 3, 2)
    assert "出生日期" in reason(出生日期="二月")


def test_gender_must_match_the_id_number_TD_1():
    assert "性别与身份证件号不一致" in reason(性别="女")
    assert "性别" in reason(性别="未知")


def test_name_school_stage_subject_are_required_TD_1():
    assert "缺少姓名" in reason(姓名="")
    assert "缺少学校代码" in reason(学校代码=None)
    assert "学段" in reason(学段="大学")
    assert "缺少任教学科" in reason(任教学科="  ")


def test_title_is_one_of_the_ranks_or_empty_TD_1():
    assert ImportRow.from_cells(cells(专业技术职务="")).title == ""
    assert "专业技术职务" in reason(专业技术职务="教授")


def test_employment_status_is_one_of_the_national_values_TD_1():
    for status in ("在职", "退休", "调出", "离职"):
        assert ImportRow.from_cells(cells(在岗状态=status)).employment == status
    assert "在岗状态" in reason(在岗状态="放假")


def test_school_must_exist_and_lie_in_the_uploaders_region_TD_1():
    assert "不存在" in (rules.school_problem("x", None, "330000", TREE) or "")
    assert rules.school_problem("s1", S1, "330100", TREE) is None
    assert "不在你的管理区域" in (rules.school_problem("s2", S2, "330100", TREE) or "")


def _teacher(**over: object) -> Teacher:
    row = ImportRow.from_cells(cells())
    t = rules.teacher_from_row(row, "T1", "330106", None)
    return t.model_copy(update=over)


def test_classification_created_unchanged_updated_TD_1():
    t = _teacher()
    assert rules.classify(t, None, None, None).outcome == Outcome.CREATED
    h = rules.content_hash(t)
    assert rules.classify(t, None, h, "national").outcome == Outcome.UNCHANGED
    moved = t.model_copy(update={"school_id": "s9", "subject": "数学"})
    d = rules.classify(moved, t, h, "national")
    assert d.outcome == Outcome.UPDATED and "s9" in d.reason and "任教学科" in d.reason


def test_national_row_takes_over_a_school_maintained_record_and_says_so_TD_2():
    local = _teacher(source="school")
    d = rules.classify(_teacher(), local, rules.content_hash(local), "school")
    assert d.outcome == Outcome.UPDATED and "接管" in d.reason


def test_school_may_not_edit_a_national_record_TD_2():
    assert rules.local_edit_problem(_teacher()) is not None
    assert rules.local_edit_problem(_teacher(source="school")) is None


def test_mask_keeps_region_prefix_and_last_four():
    assert mask_id_number(ID) == ID[:4] + "**********" + ID[-4:]
    assert mask_id_number(None) == ""


# --- anomalies (TD-3) ----------------------------------------------------------------------


def find(teachers, selections=(), schools=None):
    return rules.find_anomalies(teachers, schools or {"s1": S1, "s2": S2}, selections, TREE, NOW)


def test_duplicate_id_numbers_are_an_anomaly_owned_by_the_common_region_TD_3():
    a = _teacher(teacher_id="A")
    b = _teacher(teacher_id="B", school_id="s2", region_code="330212")
    [an] = find([a, b])
    assert an.kind == AnomalyKind.DUPLICATE_ID and set(an.teacher_ids) == {"A", "B"}
    assert an.region_code == "330000" and an.owner_school_id is None
    assert ID not in an.anomaly_id


def test_merged_duplicates_are_no_longer_an_anomaly_TD_3():
    assert find([_teacher(teacher_id="A"), _teacher(teacher_id="B", merged_into="A")]) == []


def test_teacher_without_a_valid_school_is_owned_by_the_county_bureau_TD_3():
    [an] = find([_teacher(school_id="gone")])
    assert an.kind == AnomalyKind.NO_SCHOOL and an.region_code == "330106"
    assert an.owner_school_id is None


def test_teacher_region_differing_from_the_schools_region_TD_3():
    [an] = find([_teacher(region_code="330212")])
    assert an.kind == AnomalyKind.REGION_MISMATCH and an.owner_school_id == "s1"


def test_school_outside_any_county_is_an_anomaly_TD_3():
    bad = School(school_id="s9", name="无区学校", region_code="330199")
    [an] = find([], schools={"s9": bad})
    assert an.kind == AnomalyKind.REGION_MISMATCH and an.region_code == "330100"


def test_teacher_who_moved_while_holding_selections_is_seen_by_both_schools_TD_3():
    t = _teacher(school_id="s2", region_code="330212")
    sel = {"teacher_id": "T1", "school_id": "s1", "status": "pending", "class_id": "c1"}
    [an] = find([t], [sel])
    assert an.kind == AnomalyKind.MOVED_WITH_SELECTIONS and set(an.school_ids) == {"s1", "s2"}
    withdrawn = {**sel, "status": "withdrawn"}
    assert find([t], [withdrawn]) == []


@pytest.mark.parametrize("status", ["退休", "调出", "离职"])
def test_retired_or_departed_teacher_with_open_selections_TD_3(status):
    t = _teacher(employment=status)
    sel = {"teacher_id": "T1", "school_id": "s1", "status": "confirmed", "class_id": "c1"}
    [an] = find([t], [sel])
    assert an.kind == AnomalyKind.INACTIVE_WITH_SELECTIONS and an.owner_school_id == "s1"
    assert find([_teacher()], [sel]) == []


def test_invalid_stored_id_number_is_an_anomaly_TD_3():
    [an] = find([_teacher(id_number="330106198503020150")])
    assert an.kind == AnomalyKind.INVALID_ID


def test_anomaly_details_and_choices_name_teachers_schools_and_classes_not_ids_TD_3():
    """Pages show names, not ids: every detail is written from the records' names (the school
    and the masked ID number tell two 王强 apart), and a duplicate's records are offered to the
    resolver by name, school, subject and source."""
    sel = {"school_id": "s1", "status": "confirmed", "class_id": "c-ab12345"}
    sel |= {"project_title": "小学语文阅读教学", "class_name": "第1期"}
    teachers = [
        _teacher(teacher_id="Tdupa1234567"),
        _teacher(teacher_id="Tdupb1234567", school_id="s2", region_code="330212", source="school"),
        _teacher(teacher_id="Tgone1234567", id_number=ID2, school_id="gone"),
        _teacher(teacher_id="Tmism1234567", id_number=ID3, region_code="330212"),
        _teacher(teacher_id="Tmove1234567", id_number=ID4, school_id="s2", region_code="330212"),
        _teacher(teacher_id="Tretd1234567", id_number=ID5, employment="退休"),
        _teacher(teacher_id="Tinvl1234567", id_number="330106198503020150"),
    ]
    sels = [{**sel, "teacher_id": "Tmove1234567"}, {**sel, "teacher_id": "Tretd1234567"}]
    found = {a.kind: a for a in find(teachers, sels)}
    assert set(found) == set(AnomalyKind)
    for a in found.values():
        shown = [a.detail, *a.teacher_names.values()]
        assert not [x for x in shown for t in teachers if t.teacher_id in x], a.detail
        assert not [x for x in shown if "c-ab12345" in x or "s1" in x or "s2" in x], a.detail
        assert "王强" in a.detail and set(a.teacher_names) == set(a.teacher_ids), a.detail
    dup = found[AnomalyKind.DUPLICATE_ID]
    assert mask_id_number(ID) in dup.detail and ID not in dup.detail
    assert dup.teacher_names == {
        "Tdupa1234567": "王强（西湖区实验小学，小学语文，国家系统）",
        "Tdupb1234567": "王强（鄞州区第一中学，小学语文，学校维护）",
    }
    assert (
        f"王强（西湖区实验小学，{mask_id_number(ID5)}）"
        in found[AnomalyKind.INACTIVE_WITH_SELECTIONS].detail
    )
    moved = found[AnomalyKind.MOVED_WITH_SELECTIONS].detail
    assert "从西湖区实验小学调至鄞州区第一中学" in moved and "《小学语文阅读教学》第1期" in moved


def test_records_alike_in_school_subject_and_source_are_numbered_TD_3():
    same = [_teacher(teacher_id="Ta"), _teacher(teacher_id="Tb")]
    labels = rules.record_labels(same, {"s1": S1})
    assert labels == {
        "Ta": "王强（西湖区实验小学，小学语文，国家系统）（第 1 条）",
        "Tb": "王强（西湖区实验小学，小学语文，国家系统）（第 2 条）",
    }


def test_owners_resolve_and_others_do_not_TD_3():
    [an] = find([_teacher(school_id="gone")])
    county = User(user_id="uc", role=Role.COUNTY_BUREAU, name="x", region_code="330106")
    other = User(user_id="uo", role=Role.COUNTY_BUREAU, name="x", region_code="330212")
    school = User(user_id="up", role=Role.PRINCIPAL, name="x", school_id="s1")
    assert rules.may_resolve(county, an, TREE)
    assert not rules.may_resolve(other, an, TREE)
    assert not rules.may_resolve(school, an, TREE)


# --- scope and accounts --------------------------------------------------------------------


def test_scope_follows_the_region_tree():
    t = _teacher()
    city = User(user_id="uc", role=Role.CITY_BUREAU, name="x", region_code="330100")
    ningbo = User(user_id="un", role=Role.CITY_BUREAU, name="x", region_code="330200")
    prov = User(user_id="up", role=Role.PROVINCE_BUREAU, name="x", region_code="330000")
    principal = User(user_id="us", role=Role.PRINCIPAL, name="x", school_id="s1")
    me = User(user_id="T1", role=Role.TEACHER, name="x", teacher_id="T1")
    other = User(user_id="T2", role=Role.TEACHER, name="x", teacher_id="T2")
    inst = User(user_id="ui", role=Role.INSTITUTION, name="x", institution_id="zjnu")
    assert all(scope.covers_teacher(u, t, S1) for u in (city, prov, principal, me))
    assert not any(scope.covers_teacher(u, t, S1) for u in (ningbo, other, inst))
    assert scope.covers_school(city, S1) and not scope.covers_school(city, S2)
    assert scope.may_import(city) and not scope.may_import(principal)


def test_assignment_follows_the_admins_region():
    county = User(user_id="uc", role=Role.COUNTY_BUREAU, name="x", region_code="330106")
    assert rules.assignment_problem(county, Role.PRINCIPAL, None, S1, TREE) is None
    assert rules.assignment_problem(county, Role.PRINCIPAL, None, S2, TREE)
    assert rules.assignment_problem(county, Role.CITY_BUREAU, "330100", None, TREE)
    prov = User(user_id="up", role=Role.PROVINCE_BUREAU, name="x", region_code="330000")
    assert rules.assignment_problem(prov, Role.CITY_BUREAU, "330100", None, TREE) is None
    assert rules.assignment_problem(prov, Role.CITY_BUREAU, "330106", None, TREE)


def test_staff_accounts_are_disabled_by_whoever_may_assign_their_role():
    county = User(user_id="uc", role=Role.COUNTY_BUREAU, name="x", region_code="330106")
    ningbo = User(user_id="un", role=Role.CITY_BUREAU, name="x", region_code="330200")
    prov = User(user_id="up", role=Role.PROVINCE_BUREAU, name="x", region_code="330000")
    admin = User(user_id="ua", role=Role.SCHOOL_ADMIN, name="x", school_id="s1")
    principal = User(user_id="pp", role=Role.PRINCIPAL, name="x", school_id="s1")
    city = User(user_id="ux", role=Role.CITY_BUREAU, name="x", region_code="330100")
    assert rules.account_status_problem(county, principal, S1, TREE) is None
    assert rules.account_status_problem(ningbo, principal, S1, TREE)
    assert rules.account_status_problem(admin, principal, S1, TREE)  # school staff: no
    assert rules.account_status_problem(county, city, None, TREE)  # a county over its city: no
    assert rules.account_status_problem(prov, city, None, TREE) is None


def test_teacher_accounts_are_disabled_by_their_schools_admin_or_a_bureau_over_it():
    teacher = User(user_id="T1", role=Role.TEACHER, name="x", school_id="s1", teacher_id="T1")
    admin = User(user_id="ua", role=Role.SCHOOL_ADMIN, name="x", school_id="s1")
    other_admin = User(user_id="ub", role=Role.SCHOOL_ADMIN, name="x", school_id="s2")
    principal = User(user_id="pp", role=Role.PRINCIPAL, name="x", school_id="s1")
    city = User(user_id="uc", role=Role.CITY_BUREAU, name="x", region_code="330100")
    ningbo = User(user_id="un", role=Role.CITY_BUREAU, name="x", region_code="330200")
    assert rules.account_status_problem(admin, teacher, S1, TREE) is None
    assert rules.account_status_problem(city, teacher, S1, TREE) is None
    assert rules.account_status_problem(other_admin, teacher, S1, TREE)
    assert rules.account_status_problem(principal, teacher, S1, TREE)
    assert rules.account_status_problem(ningbo, teacher, S1, TREE)
    # the school on the teacher record decides, not the one on the account
    assert rules.account_status_problem(admin, teacher, S2, TREE)


def test_disabling_records_who_when_and_why_and_enabling_clears_it():
    u = User(user_id="ua", role=Role.SCHOOL_ADMIN, name="x", school_id="s1")
    off = rules.with_status(u, True, "boss", NOW, "离职")
    assert (off.disabled, off.disabled_by, off.disabled_at, off.disabled_reason) == (
        True,
        "boss",
        NOW,
        "离职",
    )
    assert rules.with_status(off, False, "boss", NOW, "") == u


def test_a_duplicate_holding_open_selections_is_not_merged_TD_3():
    statuses = ("pending", "waitlisted", "withdrawn", "school_rejected", "waitlist_dropped")
    sels = [
        {"class_id": f"c{n}", "status": st, "project_title": "心理健康", "class_name": f"第{n}期"}
        for n, st in enumerate(statuses, 1)
    ]
    held = rules.open_selection_classes(sels)
    assert held == ["《心理健康》第1期", "《心理健康》第2期"]
    record = rules.record_labels([_teacher(teacher_id="Tdupb1234567")], {"s1": S1})["Tdupb1234567"]
    problem = rules.merge_problem(record, held)
    assert problem and "2 个" in problem and "退选" in problem
    assert (
        "王强（西湖区实验小学，小学语文，国家系统）" in problem and "《心理健康》第1期" in problem
    )
    assert "Tdupb1234567" not in problem and "c1" not in problem
    assert rules.merge_problem(record, rules.open_selection_classes(sels[2:])) is None


@pytest.mark.parametrize("name", ["teacher-import-template.xlsx", "teacher-import-template.csv"])
def test_the_downloadable_templates_follow_the_documented_layout_TD_1(name):
    from pathlib import Path

    from functions.records import files

    path = Path(__file__).resolve().parents[2] / "site/docs/assets/records" / name
    rows = files.parse(name, path.read_bytes())
    assert len(rows) == 2
    assert all(ImportRow.from_cells(cells).school_id == "s33010603" for _, cells in rows)


# --- PH-1 corrections ------------------------------------------------------------------------


def test_the_records_window_closes_before_round_1_opens_PH_1() -> None:
    from schemas.calendar import SHANGHAI, PhaseId, term_calendar

    cal = term_calendar("2024H1")
    w = cal.records_update
    assert w is not None and w.closes <= cal.window(PhaseId.R1).opens
    at = datetime(2024, 3, 18, 23, 59, tzinfo=SHANGHAI)
    assert rules.records_window_problem(cal, at) is None
    late = rules.records_window_problem(cal, datetime(2024, 3, 19, 0, 0, tzinfo=SHANGHAI))
    assert late is not None and "3月18日" in late
    early = rules.records_window_problem(cal, datetime(2024, 3, 6, 12, 0, tzinfo=SHANGHAI))
    assert early is not None and "3月7日" in early
    with pytest.raises(ValidationError):
        cal.model_validate(
            {**cal.model_dump(), "records_update": {**w.model_dump(), "end": date(2024, 3, 19)}}
        )


def test_only_fields_that_differ_are_a_correction_PH_1() -> None:
    t = Teacher(
        teacher_id="t1",
        name="王芳",
        school_id="s1",
        region_code="330106",
        stage="小学",
        subject="语文",
    )
    assert rules.correction_changes(t, {"stage": "小学", "subject": "数学"}) == {"subject": "数学"}
    moved = rules.corrected_teacher(t, {"school_id": "s2", "title": "一级教师"}, S2)
    assert (moved.school_id, moved.region_code, moved.title) == ("s2", "330212", "一级教师")
    with pytest.raises(ValueError):
        rules.corrected_teacher(t, {"school_id": "s2"}, None)


def test_the_teachers_own_school_staff_decide_PH_1() -> None:
    admin = User(user_id="a-s1", role=Role.SCHOOL_ADMIN, name="管理员", school_id="s1")
    principal = User(user_id="p-s1", role=Role.PRINCIPAL, name="校长", school_id="s1")
    bureau = User(user_id="b-330106", role=Role.COUNTY_BUREAU, name="局", region_code="330106")
    assert rules.may_decide_correction(admin, "s1") and rules.may_decide_correction(principal, "s1")
    assert not rules.may_decide_correction(admin, "s2")
    assert not rules.may_decide_correction(bureau, "s1")
