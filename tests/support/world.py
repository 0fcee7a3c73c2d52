"""A small, explicit world for handler tests: one county, two schools, teachers, projects."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from schemas.catalog import (
    Fee,
    FeeItem,
    Person,
    Project,
    ProjectStatus,
    Session,
    Target,
    TrainingClass,
    TrainingForm,
)
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory, School
from schemas.people import Role, Teacher, User

COUNTY = "330106"  # 杭州市西湖区
OTHER_COUNTY = "330212"  # 宁波市鄞州区

INSTITUTION = Institution(
    institution_id="zjnu",
    name="浙江师范大学",
    quota_category=QuotaCategory.Q1_NORMAL_UNIVERSITY,
    qualification=Qualification(
        scope=QualificationScope.PROVINCE,
        subject_categories=("语文", "数学"),
        qualified_since=date(2010, 1, 1),
    ),
)
SCHOOLS = [
    School(school_id="s1", name="杭州市西湖区实验小学", region_code=COUNTY, stages=("小学",)),
    School(school_id="s2", name="宁波市鄞州区第一中学", region_code=OTHER_COUNTY, stages=("高中",)),
]
TEACHERS = [
    Teacher(
        teacher_id="t1",
        name="王芳",
        school_id="s1",
        region_code=COUNTY,
        stage="小学",
        subject="语文",
    ),
    Teacher(
        teacher_id="t2",
        name="李强",
        school_id="s1",
        region_code=COUNTY,
        stage="小学",
        subject="数学",
    ),
    Teacher(
        teacher_id="t3",
        name="陈静",
        school_id="s2",
        region_code=OTHER_COUNTY,
        stage="高中",
        subject="语文",
    ),
]
USERS = [
    *(
        User(
            user_id=t.teacher_id,
            role=Role.TEACHER,
            name=t.name,
            school_id=t.school_id,
            region_code=t.region_code,
            teacher_id=t.teacher_id,
        )
        for t in TEACHERS
    ),
    User(user_id="p-s1", role=Role.PRINCIPAL, name="赵校长", school_id="s1", region_code=COUNTY),
]

# The offices above the schools are not in USERS (the `world` fixture's): a test adds the ones
# it acts as with add_users.
COUNTY_BUREAU = User(
    user_id="bureau-330106", role=Role.COUNTY_BUREAU, name="西湖区教育局", region_code=COUNTY
)
OTHER_COUNTY_BUREAU = User(
    user_id="bureau-330212", role=Role.COUNTY_BUREAU, name="鄞州区教育局", region_code=OTHER_COUNTY
)
CITY_BUREAU = User(
    user_id="bureau-330100", role=Role.CITY_BUREAU, name="杭州市教育局", region_code="330100"
)
PROVINCE_BUREAU = User(
    user_id="bureau-330000", role=Role.PROVINCE_BUREAU, name="省教育厅", region_code="330000"
)
CENTRE = User(user_id="centre", role=Role.CENTRE, name="省中小学教师培训中心")
MONITOR = User(user_id="monitor", role=Role.MONITOR, name="省教师教育质量监控中心")


def add_users(*users: User) -> None:
    """Write `users` into the table (a test's DynamoDB engine must be running)."""
    from functions.common import records, store

    store.batch_write([records.user_item(u) for u in users])


def project(
    pid: str, classes: list[tuple[str, date, date, int]], target: Target | None = None
) -> Project:
    return Project(
        project_id=pid,
        term="2024H1",
        status=ProjectStatus.PUBLISHED,
        institution_id="zjnu",
        institution_name="浙江师范大学",
        title=f"新课标背景下的大单元教学设计{pid}",
        stage="小学",
        subject="语文",
        field="学科教学",
        level="骨干",
        form=TrainingForm.FACE_TO_FACE,
        credits_total=24,
        fee=Fee(total=Decimal("1200"), items=(FeeItem(name="培训费", amount=Decimal("1200")),)),
        leader=Person(name="张教授", title="教授"),
        target=target or Target(),
        classes=tuple(
            TrainingClass(
                class_id=cid,
                name=f"第{i + 1}期",
                start_date=s,
                end_date=e,
                place="金华",
                capacity=cap,
                timetable=(Session(day=s, start=time(9), end=time(11, 30), topic="开班讲座"),),
            )
            for i, (cid, s, e, cap) in enumerate(classes)
        ),
    )


PROJECTS = [
    project(
        "p1",
        [
            ("p1-c1", date(2024, 4, 8), date(2024, 4, 10), 2),
            ("p1-c2", date(2024, 5, 6), date(2024, 5, 8), 30),
        ],
    ),
    project("p2", [("p2-c1", date(2024, 4, 9), date(2024, 4, 11), 30)]),  # clashes with p1-c1
    project(
        "p3", [("p3-c1", date(2024, 6, 3), date(2024, 6, 4), 30)], target=Target(stages=("高中",))
    ),
    project("p4", [("p4-c1", date(2024, 7, 1), date(2024, 7, 2), 30)]),
    project("p5", [("p5-c1", date(2024, 7, 15), date(2024, 7, 16), 30)]),
]
