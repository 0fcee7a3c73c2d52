"""Synthetic published projects at province scale, realistic enough to size the site: the
benchmarks build 1,000 to 20,000 of them and the tests a few hundred.

    fake_projects(5000)  # ids P00001 …, classes P00001-C1 …, deterministic for a seed
"""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta
from datetime import time as dtime
from decimal import Decimal

from schemas.catalog import (
    Fee,
    FeeItem,
    Person,
    Project,
    ProjectKind,
    ProjectStatus,
    Session,
    Target,
    TrainingClass,
    TrainingForm,
)
from schemas.regions import region_tree

STAGES = ("幼儿园", "小学", "初中", "高中", "中职", "特殊教育")
SUBJECTS = {
    "幼儿园": ("学前教育",),
    "小学": (
        "语文",
        "数学",
        "英语",
        "科学",
        "道德与法治",
        "音乐",
        "美术",
        "体育与健康",
        "信息科技",
    ),
    "初中": (
        "语文",
        "数学",
        "英语",
        "物理",
        "化学",
        "生物学",
        "历史",
        "地理",
        "道德与法治",
        "体育与健康",
    ),
    "高中": (
        "语文",
        "数学",
        "英语",
        "物理",
        "化学",
        "生物学",
        "历史",
        "地理",
        "思想政治",
        "信息技术",
    ),
    "中职": ("专业课", "公共基础课", "实训指导"),
    "特殊教育": ("特殊教育",),
}
FIELDS = (
    "师德师风",
    "学科教学",
    "心理健康",
    "实验教学",
    "信息技术应用",
    "班主任工作",
    "作业设计",
    "评价改革",
    "劳动教育",
    "家校协同",
)
LEVELS = ("新教师", "青年教师", "骨干教师", "学科带头人", "名师", "校（园）长")
INSTITUTIONS = (
    "浙江师范大学",
    "杭州师范大学",
    "宁波大学",
    "温州大学",
    "湖州师范学院",
    "绍兴文理学院",
    "台州学院",
    "丽水学院",
    "嘉兴大学",
    "衢州学院",
    "浙江外国语学院",
    "浙江开放大学",
    "浙江工业大学",
    "浙江海洋大学",
)
LOCAL_INSTITUTIONS = ("{}教师发展中心", "{}教育研究院", "{}教师进修学校")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国文红晓燕玲"
TITLES = ("教授", "副教授", "正高级教师", "高级教师", "特级教师", "研究员", "副研究员")
TITLE_PATTERNS = (
    "新课标背景下{stage}{subject}大单元教学设计",
    "{stage}{subject}{level}课堂教学能力提升",
    "{field}视域下的{subject}教学实践研修",
    "{stage}{field}专题培训",
    "{subject}学科核心素养与{field}",
    "指向深度学习的{subject}{field}研修",
    "{level}{field}能力提升研修班",
)
TOPICS = (
    "开班仪式与培训导学",
    "课程标准解读",
    "课堂观察与诊断",
    "优秀课例研讨",
    "专家讲座",
    "分组研讨与展示",
    "教学设计工作坊",
    "名校跟岗实践",
    "作业设计实操",
    "结业考核与总结",
)
PLACES = ("{}校区", "{}学术交流中心", "{}教师培训基地", "{}实验学校")
FEE_ITEMS = ("培训费", "住宿费", "伙食费", "资料费")


def _name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))


def fake_project(i: int, rnd: random.Random, term: str = "2024H1") -> Project:
    """One realistic published project (ids `P{i:05d}`, classes `P{i:05d}-C{n}`)."""
    tree = region_tree()
    counties = tree.counties()
    stage = rnd.choice(STAGES)
    subject = rnd.choice(SUBJECTS[stage])
    field = rnd.choice(FIELDS)
    level = rnd.choice(LEVELS)
    form = rnd.choices(list(TrainingForm), weights=(6, 2, 3))[0]
    is_order = rnd.random() < 0.1
    county = rnd.choice(counties)
    if is_order or rnd.random() < 0.3:
        inst = rnd.choice(LOCAL_INSTITUTIONS).format(tree.full_name(county.code))
        regions: tuple[str, ...] = (
            (county.code,) if is_order or rnd.random() < 0.5 else (county.parent or "",)
        )
    else:
        inst = rnd.choice(INSTITUTIONS)
        regions = ()
    title = rnd.choice(TITLE_PATTERNS).format(
        stage=stage, subject=subject, field=field, level=level
    )
    credits_total = rnd.choice((12, 24, 24, 36, 48, 90))
    credits_online = {
        TrainingForm.ONLINE: credits_total,
        TrainingForm.BLENDED: credits_total // 4,
    }.get(form, 0)
    fee_items = [FeeItem(name="培训费", amount=Decimal(credits_total * rnd.choice((40, 50, 60))))]
    if form != TrainingForm.ONLINE:
        fee_items += [
            FeeItem(name=n, amount=Decimal(rnd.randrange(200, 900, 10))) for n in FEE_ITEMS[1:3]
        ]
    fee = Fee(total=sum((f.amount for f in fee_items), Decimal(0)), items=tuple(fee_items))
    instructors = tuple(
        Person(name=_name(rnd), title=rnd.choice(TITLES), organisation=inst)
        for _ in range(rnd.randint(2, 5))
    )
    classes = []
    first = date(2024, 4, 8) + timedelta(days=rnd.randrange(0, 130))
    for n in range(1, rnd.choice((1, 1, 2, 2, 3)) + 1):
        start = first + timedelta(days=(n - 1) * 21)
        days = max(1, credits_total // 12)
        sessions = []
        for d in range(days):
            for k, (h1, h2) in enumerate(((8, 11), (13, 16), (18, 20))[: rnd.choice((2, 2, 3))]):
                sessions.append(
                    Session(
                        day=start + timedelta(days=d),
                        start=dtime(h1, 30),
                        end=dtime(h2, 30 if k < 2 else 0),
                        topic=rnd.choice(TOPICS),
                        instructor=rnd.choice(instructors).name,
                    )
                )
        classes.append(
            TrainingClass(
                class_id=f"P{i:05d}-C{n}",
                name=f"第{n}期",
                start_date=start,
                end_date=start + timedelta(days=days - 1),
                place=rnd.choice(PLACES).format(inst),
                capacity=rnd.choice((30, 40, 50, 60, 80, 100)),
                timetable=tuple(sessions),
            )
        )
    where = tree.full_name(regions[0]) if regions else "全省"
    return Project(
        project_id=f"P{i:05d}",
        term=term,
        kind=ProjectKind.ORDER if is_order else ProjectKind.REGULAR,
        status=ProjectStatus.PUBLISHED,
        institution_id=f"I{zlib.crc32(inst.encode()) % 10000:04d}",
        institution_name=inst,
        title=title[:60],
        theme=f"围绕{field}，聚焦{stage}{subject}教师的真实教学问题，理论学习与实践研修相结合。",
        target=Target(
            description=f"{where}{stage}{subject}{level}",
            region_codes=regions,
            stages=(stage,),
            subjects=(subject,),
        ),
        stage=stage,
        subject=subject,
        field=field,
        level=level,
        form=form,
        credits_total=credits_total,
        credits_online=credits_online,
        fee=fee,
        leader=Person(name=_name(rnd), title=rnd.choice(TITLES[:4]), organisation=inst),
        instructors=instructors,
        classes=tuple(classes),
        order_county=county.code if is_order else None,
    )


def fake_projects(n: int, seed: int = 7, term: str = "2024H1") -> list[Project]:
    rnd = random.Random(seed)
    return [fake_project(i, rnd, term) for i in range(1, n + 1)]
