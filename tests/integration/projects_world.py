"""Records and builders shared by the projects tests (institutions, clerks, bureaus, drafts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from functions.common import records, store
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory
from schemas.people import Role, User
from schemas.projects import id_check_digit

APPLY = "2024-03-08 10:00"
REVIEW = "2024-03-13 10:00"
PUBLISH = "2024-03-18 10:00"
R1 = "2024-03-20 10:00"


def idno(n: int) -> str:
    """A valid 18-digit ID number (GB 11643 check digit)."""
    first = f"3301061980{n:07d}"
    return first + id_check_digit(first)


def _inst(
    iid: str,
    name: str,
    cat: QuotaCategory,
    scope: QualificationScope,
    since: date,
    region: str | None = None,
) -> Institution:
    return Institution(
        institution_id=iid,
        name=name,
        quota_category=cat,
        qualification=Qualification(
            scope=scope,
            region_code=region,
            subject_categories=("语文", "数学", "校本研修"),
            qualified_since=since,
        ),
    )


INSTITUTIONS = {
    "hznu": _inst(
        "hznu",
        "杭州师范大学",
        QuotaCategory.Q1_NORMAL_UNIVERSITY,
        QualificationScope.PROVINCE,
        date(2012, 3, 1),
    ),
    "newinst": _inst(
        "newinst",
        "浙江新星培训学院",
        QuotaCategory.Q5_NEW,
        QualificationScope.PROVINCE,
        date(2023, 9, 1),
    ),
    "xihu": _inst(
        "xihu",
        "杭州市西湖区教师发展中心",
        QuotaCategory.LOCAL,
        QualificationScope.LOCAL,
        date(2014, 3, 1),
        region="330106",
    ),
    "future": _inst(
        "future",
        "浙江未来教育研究院",
        QuotaCategory.Q2_PROVINCE_WIDE,
        QualificationScope.PROVINCE,
        date(2024, 6, 1),
    ),
}
NAMES = {"zjnu": "浙江师范大学", **{k: v.name for k, v in INSTITUTIONS.items()}}


def seed() -> None:
    items: list[dict[str, Any]] = [records.institution_item(i) for i in INSTITUTIONS.values()]
    users = [
        User(user_id=f"inst-{iid}", role=Role.INSTITUTION, name="王老师", institution_id=iid)
        for iid in NAMES
    ]
    users.append(
        User(user_id="inst-zjnu-2", role=Role.INSTITUTION, name="李老师", institution_id="zjnu")
    )
    users.append(
        User(
            user_id="bureau-330000",
            role=Role.PROVINCE_BUREAU,
            name="浙江省教育厅",
            region_code="330000",
        )
    )
    users.append(
        User(
            user_id="bureau-330000-b",
            role=Role.PROVINCE_BUREAU,
            name="省厅审核员二",
            region_code="330000",
        )
    )
    users.append(
        User(
            user_id="bureau-330106",
            role=Role.COUNTY_BUREAU,
            name="西湖区教育局",
            region_code="330106",
        )
    )
    users.append(
        User(
            user_id="bureau-330212",
            role=Role.COUNTY_BUREAU,
            name="鄞州区教育局",
            region_code="330212",
        )
    )
    users.append(
        User(
            user_id="bureau-330100",
            role=Role.CITY_BUREAU,
            name="杭州市教育局",
            region_code="330100",
        )
    )
    items += [records.user_item(u) for u in users]
    store.batch_write(items)


def person(
    n: int, name: str, title: str = "教授", org: str = "浙江师范大学", employee: bool = False
) -> dict[str, Any]:
    return {
        "id_number": idno(n),
        "name": name,
        "title": title,
        "organisation": org,
        "formal_employee": employee,
    }


def draft(inst: str = "zjnu", leader: int = 1, classes: int = 1, **over: Any) -> dict[str, Any]:
    """A complete, valid 24-credit face-to-face draft of `inst` (3-day classes)."""
    org = NAMES[inst]
    lead = person(leader, f"负责人{leader}", "教授", org, employee=True)
    d: dict[str, Any] = {
        "title": "小学语文大单元教学设计研修",
        "theme": "新课标背景下的大单元教学",
        "target": {"description": "全省小学语文骨干教师", "stages": ["小学"], "subjects": ["语文"]},
        "stage": "小学",
        "subject": "语文",
        "field": "学科教学",
        "level": "骨干",
        "form": "面授",
        "credits_total": 24,
        "credits_online": 0,
        "fee": {
            "total": "1200",
            "items": [
                {"name": "住宿费", "amount": "400"},
                {"name": "伙食费", "amount": "300"},
                {"name": "培训费", "amount": "500"},
            ],
        },
        "leader": lead,
        "instructors": [
            lead,
            person(leader + 100, "讲师甲", "副教授", org),
            person(leader + 200, "专家乙", "正高级教师", "杭州市教育科学研究院"),
            person(leader + 300, "专家丙", "高级教师", "金华市第一中学"),
        ],
        "classes": [
            {
                "name": f"第{i + 1}期",
                "start_date": f"2024-05-{10 + 4 * i:02d}",
                "end_date": f"2024-05-{12 + 4 * i:02d}",
                "place": "金华",
                "capacity": 40,
                "timetable": [
                    {
                        "day": f"2024-05-{10 + 4 * i:02d}",
                        "start": "09:00",
                        "end": "11:30",
                        "topic": "开班讲座",
                        "instructor": lead["name"],
                    }
                ],
            }
            for i in range(classes)
        ],
    }
    d.update(over)
    return d
