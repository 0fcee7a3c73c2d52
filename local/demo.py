"""Deterministic demo data for the 2024H1 term: institutions, schools, teachers, projects, users.

Pure functions over the `schemas/` models: no boto3, no clock. Every generator draws from its own
`random.Random` with a fixed seed, so the same call returns the same records on every machine and
in every process; the local stack, the tests, the benchmarks and screenshots all see one world.
`local/seed.py` writes it to the table.

The world follows the notice (浙教办函〔2024〕37号) where the rules are checkable: institution
quotas (Q-1…Q-5) are respected, leaders hold an associate-senior title or higher and lead at most
4 class periods at one institution (AP-2…AP-4), instructors are one record per person reused
across projects (AP-7) with a valid ID number (the key of the AP-3/AP-4 counters `local/seed.py`
writes), every project has its responsible bureau (`Project.bureau_region`, decided by the
projects rules), fee items sum to the total (AP-8), blended projects keep online credits
within 30% (CR-3), classes run inside PH-TRAIN (04-07 – 08-31). A few records are deliberately
awkward for demos: classes of capacity 2–3 (名额已满), classes open to every teacher, and
classes whose dates overlap.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import TypeVar

from functions.projects.rules import responsible_bureau_region
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
    class_id_for,
)
from schemas.orders import Order, OrderForm, OrderResponse, OrderStage, ResponseStatus
from schemas.org import Institution, Qualification, QualificationScope, QuotaCategory, School
from schemas.people import Role, Teacher, User
from schemas.projects import (
    ClassDraft,
    FeeDraft,
    PersonInput,
    ProjectDraft,
    ProjectRecord,
    id_check_digit,
)
from schemas.regions import RegionCode, RegionTree, region_tree

T = TypeVar("T")

TERM = "2024H1"
SEED = 20240307
PROVINCE = "330000"
# PH-PUBLISH: 2024-03-18 09:00 Asia/Shanghai, stored in UTC.
PUBLISHED_AT = datetime(2024, 3, 18, 1, 0, tzinfo=UTC)
TRAIN_FIRST = date(2024, 4, 7)
TRAIN_LAST = date(2024, 8, 31)
# Public holidays inside PH-TRAIN (劳动节, 端午节): no class runs on them.
HOLIDAYS = (
    (date(2024, 5, 1), date(2024, 5, 5)),
    (date(2024, 6, 8), date(2024, 6, 10)),
)
# The stage of projects open to every stage (their target lists no stage).
ALL_STAGES = "全学段"

# fmt: off
# The 26 mountain counties (山区26县) and the island counties the notice's special training serves.
MOUNTAIN_ISLAND_COUNTIES: tuple[RegionCode, ...] = (
    "330127",  # 淳安县
    "330324", "330326", "330327", "330328", "330329",  # 永嘉 平阳 苍南 文成 泰顺
    "330723", "330727",  # 武义 磐安
    "330802", "330803", "330822", "330824", "330825", "330881",  # 柯城 衢江 常山 开化 龙游 江山
    "331022", "331023", "331024",  # 三门 天台 仙居
    "331102", "331121", "331122", "331123", "331124", "331125", "331126", "331127", "331181",
    "330305", "330921", "330922",  # 洞头 岱山 嵊泗 (海岛)
)

# Counties that have demo schools, with extra school types beyond the core four.
_SCHOOL_COUNTIES: tuple[tuple[RegionCode, tuple[str, ...]], ...] = (
    ("330106", ("primary2", "nine_year", "vocational")),  # 杭州市西湖区
    ("330109", ("primary2",)),  # 杭州市萧山区
    ("330127", ("special",)),  # 淳安县
    ("330212", ("primary2", "vocational")),  # 宁波市鄞州区
    ("330225", ()),  # 象山县
    ("330304", ("nine_year",)),  # 温州市瓯海区
    ("330328", ()),  # 文成县
    ("330402", ("primary2",)),  # 嘉兴市南湖区
    ("330502", ()),  # 湖州市吴兴区
    ("330602", ("high2",)),  # 绍兴市越城区
    ("330702", ("primary2",)),  # 金华市婺城区
    ("330782", ("vocational",)),  # 义乌市
    ("330802", ()),  # 衢州市柯城区
    ("330824", ()),  # 开化县
    ("330921", ("nine_year",)),  # 岱山县
    ("331002", ("primary2",)),  # 台州市椒江区
    ("331102", ("special",)),  # 丽水市莲都区
    ("331127", ()),  # 景宁畲族自治县
)

_SCHOOL_TYPES: dict[str, tuple[str, tuple[str, ...], tuple[int, int]]] = {
    # kind: (name suffix, stages, teacher count range before scaling)
    "high": ("第一中学", ("高中",), (48, 62)),
    "high2": ("第二中学", ("高中",), (40, 52)),
    "middle": ("实验中学", ("初中",), (34, 46)),
    "primary": ("实验小学", ("小学",), (34, 46)),
    "primary2": ("{street}小学", ("小学",), (26, 38)),
    "kinder": ("实验幼儿园", ("幼儿园",), (14, 20)),
    "nine_year": ("{street}学校", ("小学", "初中"), (36, 48)),
    "vocational": ("职业教育中心", ("中职",), (26, 34)),
    "special": ("特殊教育学校", ("特殊教育",), (9, 13)),
}
_CORE_SCHOOLS = ("high", "middle", "primary", "kinder")
_STREETS = (
    "城南", "城北", "东城", "育才", "崇文", "新华", "解放路", "人民路", "文昌", "求是", "云溪",
)

_SUBJECT_WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = {
    "幼儿园": (("学前教育", 1),),
    "小学": (
        ("语文", 30), ("数学", 24), ("英语", 10), ("科学", 8), ("道德与法治", 5), ("体育", 7),
        ("音乐", 4), ("美术", 4), ("信息技术", 3), ("心理健康", 2), ("劳动教育", 2),
    ),
    "初中": (
        ("语文", 16), ("数学", 16), ("英语", 14), ("科学", 16), ("道德与法治", 7), ("历史", 5),
        ("体育", 7), ("音乐", 3), ("美术", 3), ("信息技术", 3), ("心理健康", 2),
    ),
    "高中": (
        ("语文", 12), ("数学", 12), ("英语", 12), ("物理", 9), ("化学", 7), ("生物", 6),
        ("思想政治", 6), ("历史", 6), ("地理", 6), ("信息技术", 5), ("通用技术", 3), ("体育", 6),
        ("音乐", 2), ("美术", 2), ("心理健康", 2),
    ),
    "中职": (
        ("语文", 12), ("数学", 12), ("英语", 10), ("思想政治", 6), ("体育", 5), ("信息技术", 10),
        ("专业课", 45),
    ),
    "特殊教育": (("特殊教育", 1),),
}
_TITLES = (("三级教师", 3), ("二级教师", 30), ("一级教师", 42), ("高级教师", 24), ("正高级教师", 1))

_SURNAMES = (
    "陈王张李吴徐刘周金胡林杨黄朱俞郑沈何叶潘"  # common in Zhejiang: drawn five times as often
    "汪方蒋楼应赵孙钱许毛章郭马程孔丁姚邵施柳戴傅韩夏孟严卢范洪鲍翁屠邱蔡曹袁童余"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玉兰萍红玲梅丹志鹏建国文斌宇浩凯晨"
    "轩瑶琳晶雪婷倩颖佳欣怡悦思雨嘉俊辉昊晓燕慧宏亮峰翔琦露璐炜彬璇蕾婉清逸航舒蓉"
)


@dataclass(frozen=True)
class _InstSpec:
    institution_id: str
    name: str
    short_name: str
    quota: QuotaCategory
    scope: QualificationScope
    county: RegionCode  # where it trains (places); its region for local scope
    since: date
    categories: tuple[str, ...]
    venues: tuple[str, ...]
    projects: int  # regular projects this term (within its quota)
    local_region: RegionCode | None = None


_UNIVERSITY_CATEGORIES = (
    "语文", "数学", "英语", "科学", "物理", "化学", "生物", "道德与法治", "思想政治", "历史",
    "地理", "心理健康", "劳动教育", "信息技术", "体育", "美术", "音乐", "学前教育", "班主任",
    "师德", "通识",
)
_LOCAL_CATEGORIES = (
    "语文", "数学", "英语", "科学", "道德与法治", "心理健康", "劳动教育", "信息技术", "学前教育",
    "班主任", "师德", "通识",
)

_INSTITUTIONS: tuple[_InstSpec, ...] = (
    _InstSpec("zjnu", "浙江师范大学", "浙师大", QuotaCategory.Q1_NORMAL_UNIVERSITY,
              QualificationScope.PROVINCE, "330702", date(2012, 3, 1),
              (*_UNIVERSITY_CATEGORIES, "特殊教育", "通用技术", "专业课"),
              ("浙江师范大学教师教育学院", "浙江师范大学继续教育学院培训中心"), 38),
    _InstSpec("hznu", "杭州师范大学", "杭师大", QuotaCategory.Q1_NORMAL_UNIVERSITY,
              QualificationScope.PROVINCE, "330110", date(2012, 3, 1),
              (*_UNIVERSITY_CATEGORIES, "特殊教育"),
              ("杭州师范大学仓前校区教师教育学院", "杭州师范大学继续教育学院"), 36),
    _InstSpec("nbu", "宁波大学", "宁大", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "330205", date(2013, 9, 1), _UNIVERSITY_CATEGORIES,
              ("宁波大学教师教育学院", "宁波大学包玉刚图书馆报告厅"), 20),
    _InstSpec("wzu", "温州大学", "温大", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "330304", date(2013, 9, 1), _UNIVERSITY_CATEGORIES,
              ("温州大学教师教育学院", "温州大学茶山校区学术交流中心"), 20),
    _InstSpec("zjhu", "湖州师范学院", "湖师院", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "330502", date(2014, 3, 1), _UNIVERSITY_CATEGORIES,
              ("湖州师范学院教师教育学院",), 18),
    _InstSpec("usx", "绍兴文理学院", "绍文理", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "330602", date(2014, 3, 1), _UNIVERSITY_CATEGORIES,
              ("绍兴文理学院教师教育学院",), 18),
    _InstSpec("tzu", "台州学院", "台院", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "331002", date(2015, 3, 1), _UNIVERSITY_CATEGORIES,
              ("台州学院教师教育学院",), 16),
    _InstSpec("lsu", "丽水学院", "丽院", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "331102", date(2015, 3, 1), _UNIVERSITY_CATEGORIES,
              ("丽水学院教师教育学院",), 16),
    _InstSpec("zjxu", "嘉兴大学", "嘉大", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "330402", date(2015, 9, 1), _UNIVERSITY_CATEGORIES,
              ("嘉兴大学师范学院",), 16),
    _InstSpec("qzu", "衢州学院", "衢院", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "330802", date(2016, 3, 1), _UNIVERSITY_CATEGORIES,
              ("衢州学院教师教育学院",), 14),
    _InstSpec("zisu", "浙江外国语学院", "浙外", QuotaCategory.Q2_PROVINCE_WIDE,
              QualificationScope.PROVINCE, "330106", date(2016, 3, 1),
              ("英语", "语文", "道德与法治", "思想政治", "心理健康", "班主任", "师德", "通识"),
              ("浙江外国语学院小和山校区",), 12),
    _InstSpec("zjou", "浙江开放大学", "浙开大", QuotaCategory.Q3_REMOTE,
              QualificationScope.REMOTE, "330106", date(2013, 9, 1), _UNIVERSITY_CATEGORIES,
              ("浙江开放大学继续教育学院",), 30),
    _InstSpec("zjart", "浙江艺术职业学院", "浙艺职", QuotaCategory.Q5_NEW,
              QualificationScope.PROVINCE, "330108", date(2023, 9, 15), ("音乐", "美术"),
              ("浙江艺术职业学院滨江校区",), 5),
    _InstSpec("xihu-tdc", "杭州市西湖区教师发展中心", "西湖区教发", QuotaCategory.LOCAL,
              QualificationScope.LOCAL, "330106", date(2014, 3, 1), _LOCAL_CATEGORIES,
              ("杭州市西湖区教师发展中心",), 10, local_region="330106"),
    _InstSpec("yinzhou-tts", "宁波市鄞州区教师进修学校", "鄞州进校", QuotaCategory.LOCAL,
              QualificationScope.LOCAL, "330212", date(2014, 3, 1), _LOCAL_CATEGORIES,
              ("宁波市鄞州区教师进修学校",), 8, local_region="330212"),
    _InstSpec("ouhai-tdc", "温州市瓯海区教师发展中心", "瓯海区教发", QuotaCategory.LOCAL,
              QualificationScope.LOCAL, "330304", date(2015, 3, 1), _LOCAL_CATEGORIES,
              ("温州市瓯海区教师发展中心",), 7, local_region="330304"),
    _InstSpec("chunan-tts", "淳安县教师进修学校", "淳安进校", QuotaCategory.LOCAL,
              QualificationScope.LOCAL, "330127", date(2015, 3, 1), _LOCAL_CATEGORIES,
              ("淳安县教师进修学校",), 6, local_region="330127"),
    _InstSpec("yiwu-tdc", "义乌市教师发展中心", "义乌教发", QuotaCategory.LOCAL,
              QualificationScope.LOCAL, "330782", date(2016, 3, 1), _LOCAL_CATEGORIES,
              ("义乌市教师发展中心",), 7, local_region="330782"),
    _InstSpec("lishui-tdc", "丽水市教师发展中心", "丽水教发", QuotaCategory.LOCAL,
              QualificationScope.LOCAL, "331102", date(2015, 9, 1), _LOCAL_CATEGORIES,
              ("丽水市教师发展中心",), 6, local_region="331100"),
    _InstSpec("jingning-tdc", "景宁畲族自治县教师发展中心", "景宁教发", QuotaCategory.LOCAL,
              QualificationScope.LOCAL, "331127", date(2017, 3, 1), _LOCAL_CATEGORIES,
              ("景宁畲族自治县教师发展中心",), 5, local_region="331127"),
)

# Order projects (订单式, attachment 2): (ordering county, contractor); one class period each
# (OD-3), contracted by province-wide institutions only (OD-4).
_ORDERS: tuple[tuple[RegionCode, str], ...] = (
    ("330127", "hznu"), ("330127", "hznu"), ("330127", "zjnu"),
    ("330328", "wzu"), ("330328", "wzu"), ("330328", "wzu"),
    ("330921", "nbu"), ("330921", "nbu"), ("330921", "nbu"),
)


@dataclass(frozen=True)
class _Theme:
    key: str
    field: str
    theme: str
    titles: tuple[str, ...]  # formatted with {stage} and {subject}
    topics: tuple[str, ...]
    levels: tuple[str, ...]
    # stage -> subjects the theme is run for; empty means open to every stage and subject
    subjects: Mapping[str, tuple[str, ...]] = dataclass_field(default_factory=dict)
    category: str = ""  # subject category of a theme open to every stage and subject
    target_subject: bool = True  # does the target restrict teachers to the project's subject?


_NOTICE_CURRICULUM = (
    "促进新课标的转化落地，强化育人方式变革，帮助教师理解新课标、融入新理念、开展新教学、构建新课堂"
)
_GENERAL_SUBJECTS = {
    stage: tuple(s for s, _ in _SUBJECT_WEIGHTS[stage] if s not in ("心理健康", "劳动教育"))
    for stage in ("小学", "初中", "高中")
}
_SCIENCE = {"小学": ("科学",), "初中": ("科学",), "高中": ("物理", "化学", "生物")}
_ARTS = {s: ("体育", "音乐", "美术") for s in ("小学", "初中", "高中")}

_THEMES: dict[str, _Theme] = {
    t.key: t
    for t in (
        _Theme(
            "curriculum", "学科教学", _NOTICE_CURRICULUM,
            ("新课标背景下{stage}{subject}大单元教学设计与实施",
             "{stage}{subject}作业设计与评价改革研修",
             "{stage}{subject}核心素养导向的课堂教学变革",
             "{stage}{subject}跨学科主题学习设计与实践",
             "{stage}{subject}新课标理解与课堂转化",
             "{stage}{subject}学业质量评价与命题能力提升"),
            ("新课标核心理念与学科核心素养解读", "大单元整体教学设计", "学习任务群设计与实施",
             "课堂观察与评课议课", "同课异构与教学研讨", "作业设计案例分析", "学业评价与命题实务",
             "跨学科主题学习设计", "名校课堂观摩", "教学改进工作坊"),
            ("全员", "骨干", "青年教师"), _GENERAL_SUBJECTS,
        ),
        _Theme(
            "lab", "实验教学", "全面加强中小学科学教师培训，强化教师实验教学能力",
            ("{stage}{subject}教师实验教学能力提升培训", "{stage}{subject}探究实验设计与创新研修",
             "{stage}{subject}数字化实验与跨学科实践研修"),
            ("新课标对实验教学的要求", "探究性实验设计与改进", "数字化实验仪器的使用",
             "实验安全规范与实验室管理", "自制教具与低成本实验", "分组实验操作实训",
             "实验教学评价", "跨学科实践活动设计"),
            ("全员", "骨干"), _SCIENCE,
        ),
        _Theme(
            "sizheng", "学科教学", "继续加大思政课教师培训力度，推进大中小学思政课一体化建设",
            ("大中小学思政课一体化：{stage}{subject}教学能力提升",
             "{stage}{subject}议题式教学设计与实施研修"),
            ("习近平新时代中国特色社会主义思想进课堂", "大中小学思政课一体化建设", "议题式教学设计",
             "思政课案例教学", "时政资源的课堂转化", "思政课教学评价", "红色资源现场教学"),
            ("全员", "骨干"),
            {"小学": ("道德与法治",), "初中": ("道德与法治",), "高中": ("思想政治",)},
        ),
        _Theme(
            "psy", "心理健康", "继续加大心理健康教师培训力度，提升学生心理健康服务能力",
            ("{stage}心理健康教育教师专业能力提升培训", "{stage}心理辅导活动课设计与实施研修"),
            ("学生常见心理问题识别", "心理危机干预流程", "团体心理辅导技术", "心理健康活动课设计",
             "家校协同心理支持", "个案咨询与督导", "教师自我心理调适"),
            ("全员", "骨干"), {s: ("心理健康",) for s in ("小学", "初中", "高中")},
        ),
        _Theme(
            "psy_all", "心理健康", "面向全体教师提升学生心理健康教育与危机识别能力",
            ("全员教师学生心理危机识别与干预能力培训", "中小学教师心理健康素养提升研修"),
            ("学生常见心理问题识别", "心理危机干预流程", "家校协同心理支持", "教师自我心理调适",
             "班级心理氛围营造", "案例研讨：学生心理危机处置"),
            ("全员",), category="心理健康",
        ),
        _Theme(
            "labour", "劳动教育", "继续加大劳动教育教师培训力度",
            ("{stage}劳动教育课程设计与实施培训", "新时代{stage}劳动教育实践基地建设与课程开发"),
            ("劳动课程标准解读", "劳动教育课程设计", "劳动实践基地现场教学", "劳动项目化学习",
             "劳动教育评价", "家校社协同开展劳动教育"),
            ("全员", "骨干"), {"小学": ("劳动教育",), "初中": ("劳动教育",)}, target_subject=False,
        ),
        _Theme(
            "mountain", "学科教学", "面向山区海岛县和农村学校教师开设专项培训",
            ("山区海岛县{stage}{subject}教师教学能力提升专项培训",
             "山区海岛县农村学校{stage}{subject}骨干教师研修"),
            ("新课标核心理念与学科核心素养解读", "农村小规模学校课堂教学策略", "大单元整体教学设计",
             "名校课堂观摩", "城乡教研共同体建设", "作业设计案例分析", "教学改进工作坊"),
            ("全员", "骨干"), _GENERAL_SUBJECTS,
        ),
        _Theme(
            "shide", "师德", "强化教育家精神引领，牢记为党育人、为国育才的初心使命",
            ("弘扬教育家精神·师德师风建设专题研修", "教育家精神引领下的教师专业成长研修",
             "新时代师德修养与教育家精神专题培训"),
            ("教育家精神的内涵与时代价值", "新时代中小学教师职业行为十项准则解读",
             "师德典型案例研讨",
             "身边的教育家：名师成长叙事", "师德修养与教师职业幸福感", "依法执教与教师权益保护",
             "红色教育基地现场教学"),
            ("全员", "骨干", "青年教师"), category="师德",
        ),
        _Theme(
            "banzhuren", "班级管理", "提升班主任带班育人能力",
            ("{stage}班主任班级管理与家校协同能力提升培训", "{stage}骨干班主任带班育人方略研修"),
            ("班级文化建设", "主题班会设计与实施", "家校社协同育人", "学生心理危机识别与干预",
             "班级管理中的沟通艺术", "带班育人方略撰写与交流"),
            ("全员", "骨干"),
            {s: ("班主任",) for s in ("小学", "初中", "高中", "中职")}, target_subject=False,
        ),
        _Theme(
            "banzhuren_all", "班级管理", "提升班主任带班育人能力",
            ("中小学班主任带班育人能力提升培训", "新任班主任专业能力提升培训"),
            ("班级文化建设", "主题班会设计与实施", "家校社协同育人", "班级管理中的沟通艺术",
             "学生行为问题的教育策略", "带班育人方略撰写与交流"),
            ("全员", "新教师"), category="班主任",
        ),
        _Theme(
            "xiaoben", "校本研修",
            "提升校本研修项目的指导、监督、管理和评价能力，创新校本研修实施模式",
            ("校本研修项目设计、指导与评价能力提升培训", "创新校本研修实施模式：教研组长专题研修"),
            ("校本研修的规划与设计", "主题式校本研修的组织实施", "课例研究的方法",
             "教研组建设与管理",
             "校本研修成果提炼", "校本研修评价与学分认定"),
            ("骨干",), category="通识",
        ),
        _Theme(
            "digital", "信息技术应用", "推进教育数字化转型，提升教师数字素养",
            ("{stage}{subject}教师数字化教学能力提升培训",
             "人工智能赋能{stage}{subject}课堂教学研修"),
            ("教师数字素养标准解读", "生成式人工智能在教学中的应用", "智慧课堂教学设计",
             "数字化学习资源开发", "基于数据的学情分析", "信息技术与学科教学融合案例"),
            ("全员", "青年教师"), _GENERAL_SUBJECTS,
        ),
        _Theme(
            "digital_all", "信息技术应用", "推进教育数字化转型，提升教师数字素养",
            ("人工智能赋能教师教学能力提升培训", "教育数字化转型背景下教师数字素养提升研修"),
            ("教师数字素养标准解读", "生成式人工智能在教学中的应用", "数字化学习资源开发",
             "基于数据的学情分析", "网络安全与数据伦理", "智慧教育平台应用实操"),
            ("全员",), category="信息技术",
        ),
        _Theme(
            "newteacher", "教学基本功", "帮助新教师站稳讲台，夯实教育教学基本功",
            ("{stage}新教师入职规范化培训", "{stage}新教师课堂教学基本功提升培训"),
            ("教师职业规范与师德养成", "教学设计基本功", "课堂管理与组织", "说课与评课",
             "师徒结对与专业成长规划", "班级管理入门"),
            ("新教师",), {s: ("通识",) for s in ("幼儿园", "小学", "初中", "高中")},
            target_subject=False,
        ),
        _Theme(
            "mingshi", "学科教学", "培养教育家型教师，发挥名师示范引领作用",
            ("{stage}{subject}名师高级研修班", "{stage}{subject}名师工作室领衔人研修"),
            ("教育家精神与名师成长", "教学主张的凝练与表达", "名师工作室建设与管理",
             "课题研究与成果提炼", "示范课展示与研讨", "青年教师培养策略"),
            ("名师",), _GENERAL_SUBJECTS,
        ),
        _Theme(
            "preschool", "保育教育", "落实幼儿园保育教育质量评估指南，提升保教能力",
            ("幼儿园游戏活动观察与支持策略研修", "幼小科学衔接背景下幼儿园教师专业能力提升",
             "幼儿园课程游戏化与环境创设培训", "幼儿园保育教育质量评估指南解读与实践"),
            ("幼儿游戏观察与解读", "一日生活中的保育教育", "幼小科学衔接", "班级环境创设",
             "家园共育实践", "幼儿园课程审议"),
            ("全员", "骨干", "新教师"), {"幼儿园": ("学前教育",)},
        ),
        _Theme(
            "special", "融合教育", "提升特殊教育教师专业能力，推进融合教育",
            ("融合教育背景下特殊教育教师专业能力提升培训",
             "培智学校新课标解读与个别化教育计划制定"),
            ("融合教育政策与实践", "个别化教育计划制定", "特殊儿童评估", "康复训练技术",
             "随班就读支持策略"),
            ("全员", "骨干"), {"特殊教育": ("特殊教育",)},
        ),
        _Theme(
            "arts", "学科教学", "落实体育、美育浸润行动，提升教师学科素养",
            ("{stage}{subject}教师学科素养与教学能力提升研修",
             "新课标背景下{stage}{subject}大单元教学实践"),
            ("新课标核心理念与学科核心素养解读", "大单元整体教学设计", "学科专项技能实训",
             "课堂观察与评课议课", "校园活动的组织与指导", "学业评价与展示"),
            ("全员", "骨干"), _ARTS,
        ),
        _Theme(
            "vocational", "学科教学", "推进中职课程思政与岗课赛证融通",
            ("中职{subject}教师课程思政与教学能力提升培训",
             "中职{subject}教师岗课赛证融通教学研修"),
            ("职业教育课程标准解读", "课程思政教学设计", "岗课赛证融通", "企业实践现场教学",
             "项目化教学设计", "技能大赛指导"),
            ("全员", "骨干"), {"中职": ("语文", "数学", "英语", "信息技术", "专业课")},
        ),
    )
}

_THEME_WEIGHTS = {
    "university": (
        ("curriculum", 30), ("lab", 9), ("sizheng", 6), ("psy", 5), ("psy_all", 2), ("labour", 3),
        ("mountain", 5), ("shide", 4), ("banzhuren", 6), ("banzhuren_all", 2), ("xiaoben", 3),
        ("digital", 4), ("digital_all", 3), ("newteacher", 4), ("mingshi", 3), ("preschool", 5),
        ("special", 1), ("arts", 5), ("vocational", 2),
    ),
    "remote": (
        ("digital_all", 6), ("digital", 6), ("shide", 4), ("psy_all", 4), ("curriculum", 8),
        ("xiaoben", 3), ("banzhuren_all", 2), ("preschool", 2),
    ),
    "local": (
        ("curriculum", 30), ("banzhuren", 8), ("newteacher", 10), ("psy", 6), ("shide", 5),
        ("xiaoben", 6), ("preschool", 6), ("lab", 6), ("digital_all", 4), ("labour", 4),
        ("psy_all", 3), ("banzhuren_all", 2),
    ),
    "new": (("arts", 1),),
}

# Deliberate demo records: (theme, [(start, days, capacity)]) for given projects.
_SPECIALS: dict[str, tuple[str, tuple[tuple[date, int, int], ...]]] = {
    # 名额已满 demos and two classes of broad target whose dates overlap (04-15..18 / 04-17..19).
    "2024H1-zjnu-001": ("shide", ((date(2024, 4, 15), 4, 2), (date(2024, 7, 8), 4, 60))),
    "2024H1-hznu-001": ("psy_all", ((date(2024, 4, 17), 3, 3),)),
    "2024H1-xihu-tdc-001": ("banzhuren_all", ((date(2024, 4, 16), 3, 2),)),
    "2024H1-nbu-001": ("digital_all", ((date(2024, 5, 13), 5, 120),)),
    "2024H1-zjou-001": ("xiaoben", ((date(2024, 4, 22), 3, 100),)),
}

_SLOTS = ((time(8, 30), time(10, 0)), (time(10, 20), time(11, 50)),
          (time(13, 30), time(15, 0)), (time(15, 20), time(16, 50)))
_ONLINE_SLOTS = ((time(14, 0), time(15, 30)), (time(15, 45), time(17, 15)))

# fmt: on


def _rng(part: str) -> random.Random:
    return random.Random(f"{SEED}:{part}")


def _weighted(rng: random.Random, pairs: Sequence[tuple[T, int]]) -> T:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _person_name(rng: random.Random, used: set[str] | None = None) -> str:
    """A Chinese name; unique among `used` when given (one expert record per person, AP-7)."""
    while True:
        surname = rng.choice(_SURNAMES[:20]) if rng.random() < 0.6 else rng.choice(_SURNAMES)
        given = "".join(rng.choice(_GIVEN) for _ in range(1 if rng.random() < 0.25 else 2))
        name = surname + given
        if used is None:
            return name
        if name not in used:
            used.add(name)
            return name


def _short_county(tree: RegionTree, code: RegionCode) -> str:
    """How a school in `code` is named: districts carry their city (杭州市西湖区), counties not."""
    name = tree.name(code)
    return tree.full_name(code) if name.endswith("区") else name


# --- institutions -------------------------------------------------------------------------


@cache
def _institutions() -> tuple[Institution, ...]:
    return tuple(
        Institution(
            institution_id=s.institution_id,
            name=s.name,
            short_name=s.short_name,
            quota_category=s.quota,
            qualification=Qualification(
                scope=s.scope,
                region_code=s.local_region,
                subject_categories=s.categories,
                qualified_since=s.since,
            ),
        )
        for s in _INSTITUTIONS
    )


def _institution(institution_id: str) -> Institution:
    return next(i for i in _institutions() if i.institution_id == institution_id)


def institutions() -> list[Institution]:
    """Training institutions: Q-1 normal universities, Q-2 universities, a Q-3 remote trainer,
    a Q-5 newly qualified institution and local (Q-6) teacher development centres."""
    return list(_institutions())


# --- schools and teachers -----------------------------------------------------------------


@cache
def _schools() -> tuple[School, ...]:
    tree = region_tree()
    rng = _rng("schools")
    out: list[School] = []
    for county, extras in _SCHOOL_COUNTIES:
        place = _short_county(tree, county)
        streets = list(_STREETS)
        rng.shuffle(streets)
        for seq, kind in enumerate((*_CORE_SCHOOLS, *extras), start=1):
            suffix, stages, _ = _SCHOOL_TYPES[kind]
            out.append(
                School(
                    school_id=f"s{county}{seq:02d}",
                    name=place + suffix.format(street=streets.pop()),
                    region_code=county,
                    stages=stages,
                )
            )
    return tuple(out)


def schools() -> list[School]:
    """About 80 schools (high, middle, primary, kindergarten, some vocational, special and
    nine-year schools) in 18 counties across all 11 cities."""
    return list(_schools())


TEACHER_COUNT = 3000


@cache
def _school_kinds() -> dict[str, str]:
    """school_id -> kind of `_SCHOOL_TYPES` (what sizes a school's staff)."""
    return {
        f"s{county}{seq:02d}": kind
        for county, extras in _SCHOOL_COUNTIES
        for seq, kind in enumerate((*_CORE_SCHOOLS, *extras), start=1)
    }


def _school_sizes(rng: random.Random, schools_: Sequence[School]) -> list[int]:
    """Staff per school, scaled so the whole world has exactly TEACHER_COUNT teachers."""
    kinds = _school_kinds()
    raw = [rng.randint(*_SCHOOL_TYPES[kinds[s.school_id]][2]) for s in schools_]
    scale = TEACHER_COUNT / sum(raw)
    sizes = [max(5, round(r * scale)) for r in raw]
    sizes[sizes.index(max(sizes))] += TEACHER_COUNT - sum(sizes)
    return sizes


@cache
def _teacher_world() -> tuple[tuple[Teacher, ...], dict[str, int]]:
    rng = _rng("teachers")
    schools_ = _schools()
    out: list[Teacher] = []
    opening: dict[str, int] = {}
    for school, size in zip(schools_, _school_sizes(rng, schools_), strict=True):
        for _ in range(size):
            stage = school.stages[0] if len(school.stages) == 1 else rng.choice(school.stages)
            title = _weighted(rng, _TITLES)
            if stage == "幼儿园" and title == "正高级教师":
                title = "高级教师"
            tid = f"t{len(out) + 1:05d}"
            name = _person_name(rng)
            subject = _weighted(rng, _SUBJECT_WEIGHTS[stage])
            opening[tid] = rng.randint(0, 32) * 10 + rng.choice((0, 0, 4, 6))
            out.append(
                Teacher(
                    teacher_id=tid,
                    name=name,
                    school_id=school.school_id,
                    region_code=school.region_code,
                    stage=stage,
                    subject=subject,
                    title=title,
                )
            )
    return tuple(out), opening


def _teachers() -> tuple[Teacher, ...]:
    return _teacher_world()[0]


def teachers() -> list[Teacher]:
    """3,000 teachers (t00001…) with stage consistent with their school, subject, title."""
    return list(_teachers())


def opening_credits() -> dict[str, int]:
    """Credits each demo teacher earned in the current cycle before the platform kept the
    ledger (local/seed.py posts them as one 往期学分结转 entry each; issue 14)."""
    return dict(_teacher_world()[1])


# --- projects -----------------------------------------------------------------------------


def _overlaps_holiday(start: date, end: date) -> bool:
    return any(start <= h_end and h_start <= end for h_start, h_end in HOLIDAYS)


@cache
def _start_candidates(days: int) -> tuple[date, ...]:
    """Start dates inside PH-TRAIN: short classes stay within one working week, longer ones
    start on a Monday; none touches a public holiday."""
    out = []
    d = TRAIN_FIRST
    while d + timedelta(days=days - 1) <= TRAIN_LAST:
        end = d + timedelta(days=days - 1)
        fits = d.weekday() + days <= 5 if days <= 5 else d.weekday() == 0
        if fits and not _overlaps_holiday(d, end):
            out.append(d)
        d += timedelta(days=1)
    return tuple(out)


def _pick_starts(rng: random.Random, n: int, days: int) -> list[date]:
    candidates = _start_candidates(days)
    starts: list[date] = []
    for _ in range(200):
        if len(starts) == n:
            break
        d = rng.choice(candidates)
        if all(abs((d - s).days) >= days + 7 for s in starts):
            starts.append(d)
    return sorted(starts)


class _People:
    """Leaders and instructors: one record per person (AP-7), leaders per institution (AP-4)
    with at most 4 class periods each (AP-3)."""

    MAX_CLASSES = 4

    def __init__(self, rng: random.Random, schools_: Sequence[School]) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.leaders: dict[str, list[Person]] = {}
        self.load: dict[str, int] = {}
        self.staff: dict[str, list[Person]] = {}
        tree = region_tree()
        research = [f"{tree.name(c.code)}教育科学研究院" for c in tree.cities()]
        research.append("浙江省教育科学研究院")
        self.external = []
        for i in range(160):
            if i % 3 == 0:
                org, title = rng.choice(research), rng.choice(("正高级教师", "高级教师"))
            else:
                org = rng.choice(schools_).name
                title = rng.choice(("正高级教师", "正高级教师（特级教师）", "高级教师"))
            self.external.append(
                Person(name=_person_name(rng, self.used), title=title, organisation=org)
            )

    def _new(self, inst: _InstSpec, titles: Sequence[str]) -> Person:
        return Person(
            name=_person_name(self.rng, self.used),
            title=self.rng.choice(titles),
            organisation=inst.name,
        )

    def leader(self, inst: _InstSpec, n_classes: int) -> Person:
        pool = self.leaders.setdefault(inst.institution_id, [])
        free = [p for p in pool if self.load[p.name] + n_classes <= self.MAX_CLASSES]
        if free and self.rng.random() < 0.7:
            person = self.rng.choice(free)
        else:
            local = inst.scope == QualificationScope.LOCAL
            titles = ("正高级教师",) if local else ("教授", "教授", "副教授")
            person = self._new(inst, titles)
            pool.append(person)
            self.load[person.name] = 0
        self.load[person.name] += n_classes
        return person

    def instructors(self, inst: _InstSpec, leader: Person) -> tuple[Person, ...]:
        staff = self.staff.setdefault(inst.institution_id, [])
        local = inst.scope == QualificationScope.LOCAL
        while len(staff) < 12:
            titles = ("高级教师", "正高级教师") if local else ("教授", "副教授", "副教授", "讲师")
            staff.append(self._new(inst, titles))
        chosen = [leader, *self.rng.sample(staff, self.rng.randint(1, 2))]
        chosen += self.rng.sample(self.external, self.rng.randint(1, 3))
        return tuple(chosen)


def _credits(rng: random.Random, form: TrainingForm) -> tuple[int, int]:
    """(total, online) credits; blended keeps online within 30% of the total (CR-3)."""
    if form == TrainingForm.ONLINE:
        total = _weighted(rng, ((24, 4), (36, 4), (48, 2)))
        return total, total
    total = _weighted(rng, ((24, 30), (36, 35), (48, 20), (72, 10), (90, 5)))
    if form == TrainingForm.BLENDED:
        return total, rng.choice((total * 3 // 10, total // 4))
    return total, 0


def _days(rng: random.Random, form: TrainingForm, total: int, online: int) -> int:
    if form == TrainingForm.ONLINE:
        return rng.choice((3, 4, 5))
    offline = total - online
    if form == TrainingForm.BLENDED:
        return max(2, round(offline / 9))
    return {24: 3, 36: rng.choice((4, 5)), 48: rng.choice((5, 6)), 72: 8, 90: 10}[offline]


def _fee(rng: random.Random, form: TrainingForm, days: int, online: int, local: bool) -> Fee:
    """Fee per trainee with items summing to the total (AP-8); online study is cheap, local
    classes have no accommodation."""
    items: dict[str, int] = {}
    if form != TrainingForm.ONLINE:
        if local:
            items["伙食费"] = days * rng.choice((30, 40, 50))
            items["培训费"] = days * rng.choice((60, 80, 100))
        else:
            items["住宿费"] = max(1, days - 1) * rng.choice((180, 200, 220, 240))
            items["伙食费"] = days * rng.choice((90, 100, 110, 120))
            items["培训费"] = days * rng.choice((140, 160, 180, 200))
    if online:
        items["培训费"] = items.get("培训费", 0) + online * rng.choice((8, 10, 12))
    items["资料费"] = rng.choice((20, 30, 50, 60, 80)) if form != TrainingForm.ONLINE else 20
    fee_items = tuple(FeeItem(name=k, amount=Decimal(v)) for k, v in items.items())
    return Fee(total=sum((i.amount for i in fee_items), Decimal(0)), items=fee_items)


def _timetable(
    rng: random.Random,
    theme: _Theme,
    form: TrainingForm,
    start: date,
    days: int,
    leader: Person,
    instructors: Sequence[Person],
) -> tuple[Session, ...]:
    topics = list(theme.topics)
    rng.shuffle(topics)
    online = form == TrainingForm.ONLINE
    sessions: list[Session] = []
    names = [p.name for p in instructors]
    for i in range(days):
        day = start + timedelta(days=i)
        slots = _ONLINE_SLOTS if online else _SLOTS[: rng.choice((2, 3, 4, 4))]
        for j, (begin, end) in enumerate(slots):
            if i == 0 and j == 0:
                topic, who = (
                    ("线上开班与学习任务说明" if online else "开班仪式与破冰活动"),
                    leader.name,
                )
            elif i == days - 1 and j == len(slots) - 1:
                topic, who = "学员成果展示与结业总结", leader.name
            else:
                topic, who = topics[len(sessions) % len(topics)], rng.choice(names)
            if online:
                topic = f"线上直播：{topic}"
            sessions.append(Session(day=day, start=begin, end=end, topic=topic, instructor=who))
    return tuple(sessions)


def _pick_theme(rng: random.Random, inst: _InstSpec, kind: str) -> tuple[_Theme, str, str]:
    """A theme the institution is qualified for (AP-1), with stage and subject."""
    while True:
        theme = _THEMES[_weighted(rng, _THEME_WEIGHTS[kind])]
        if theme.category:
            if theme.category in inst.categories:
                return theme, ALL_STAGES, theme.category
            continue
        stage = rng.choice(list(theme.subjects))
        weights = dict(_SUBJECT_WEIGHTS.get(stage, ()))
        options = [(s, weights.get(s, 5)) for s in theme.subjects[stage] if s in inst.categories]
        if options:
            return theme, stage, _weighted(rng, options)


def _target_text(
    tree: RegionTree,
    regions: Sequence[RegionCode],
    theme: _Theme,
    stage: str,
    subject: str,
    level: str,
) -> str:
    if not regions:
        where = "全省"
    elif tuple(regions) == MOUNTAIN_ISLAND_COUNTIES:
        where = "山区海岛县"
    else:
        where = "、".join(tree.full_name(r) for r in regions)
    who = "中小学（幼儿园）" if stage == ALL_STAGES else stage
    if theme.key == "banzhuren":
        who += "班主任"
    elif theme.key == "labour":
        who += "劳动教育专兼职"
    elif theme.key == "xiaoben":
        who = "中小学校教研组长、校本研修管理者"
    elif theme.target_subject and not theme.category:
        who += subject
    if theme.key == "xiaoben":
        return f"{where}{who}"
    level_text = {
        "骨干": "骨干教师",
        "名师": "名师培养对象",
        "新教师": "新入职教师",
        "青年教师": "青年教师",
    }
    return f"{where}{who}{level_text.get(level, '教师')}"


def _make_project(
    rng: random.Random,
    people: _People,
    inst: _InstSpec,
    project_id: str,
    inst_kind: str,
    order_county: RegionCode | None = None,
) -> Project:
    tree = region_tree()
    special = _SPECIALS.get(project_id)
    if special:
        theme = _THEMES[special[0]]
        stage, subject = ALL_STAGES, theme.category
    else:
        theme, stage, subject = _pick_theme(rng, inst, inst_kind)
        if order_county and (theme.category or theme.key == "mountain"):
            # an order names one stage and subject of its own county (OD-1)
            theme, stage = _THEMES["curriculum"], "小学"
            subject = _weighted(rng, _SUBJECT_WEIGHTS["小学"][:4])
    if inst.scope == QualificationScope.REMOTE:
        form = TrainingForm(_weighted(rng, (("线上", 5), ("混合", 4), ("面授", 1))))
    elif inst.scope == QualificationScope.LOCAL:
        form = TrainingForm(_weighted(rng, (("面授", 17), ("混合", 2), ("线上", 1))))
    elif inst.quota == QuotaCategory.Q5_NEW or order_county:
        form = TrainingForm.FACE_TO_FACE
    else:
        form = TrainingForm(_weighted(rng, (("面授", 40), ("混合", 7), ("线上", 3))))
    if special:
        form = TrainingForm.FACE_TO_FACE
    credits_total, credits_online = _credits(rng, form)
    days = _days(rng, form, credits_total, credits_online)
    if special:
        days = special[1][0][1]
        credits_total = {3: 24, 4: 36, 5: 36}[days]
    level = rng.choice(theme.levels)

    if order_county:
        regions: tuple[RegionCode, ...] = (order_county,)
    elif inst.local_region:
        regions = (inst.local_region,)
    elif theme.key == "mountain":
        regions = MOUNTAIN_ISLAND_COUNTIES
    else:
        regions = ()
    target = Target(
        description=_target_text(tree, regions, theme, stage, subject, level),
        region_codes=regions,
        stages=() if stage == ALL_STAGES else (stage,),
        subjects=(subject,) if theme.target_subject and not theme.category else (),
    )

    if special:
        plan = list(special[1])
    else:
        n = 1 if order_county else _weighted(rng, ((1, 55), (2, 30), (3, 15)))
        starts = _pick_starts(rng, n, days)
        plan = [(s, days, 0) for s in starts]
    leader = people.leader(inst, len(plan))
    instructors = people.instructors(inst, leader)
    if order_county:  # order classes are held in the ordering county
        local = [s for s in _INSTITUTIONS if s.local_region == order_county]
        place = local[0].venues[0] if local else f"{tree.name(order_county)}教师发展中心"
    else:
        place = f"{rng.choice(inst.venues)}（{tree.full_name(inst.county)}）"
    classes = []
    for i, (start, n_days, capacity) in enumerate(plan, start=1):
        if not capacity:
            if form == TrainingForm.ONLINE:
                capacity = rng.choice((80, 100, 120))
            elif inst.local_region or order_county:
                capacity = rng.choice((30, 40, 45, 50, 60))
            else:
                capacity = _weighted(
                    rng, ((30, 3), (40, 4), (50, 5), (60, 4), (80, 2), (100, 1), (120, 1))
                )
        classes.append(
            TrainingClass(
                class_id=class_id_for(project_id, i),
                name=f"第{i}期",
                start_date=start,
                end_date=start + timedelta(days=n_days - 1),
                place=place,
                capacity=capacity,
                timetable=_timetable(rng, theme, form, start, n_days, leader, instructors),
            )
        )

    title = rng.choice(theme.titles).format(stage=stage, subject=subject)
    if order_county:
        title = f"{tree.name(order_county)}“订单式”{title}"
    return Project(
        project_id=project_id,
        term=TERM,
        kind=ProjectKind.ORDER if order_county else ProjectKind.REGULAR,
        status=ProjectStatus.PUBLISHED,
        institution_id=inst.institution_id,
        institution_name=inst.name,
        title=title[:60],
        theme=theme.theme,
        target=target,
        stage=stage,
        subject=subject,
        field=theme.field,
        level=level,
        form=form,
        credits_total=credits_total,
        credits_online=credits_online,
        fee=_fee(rng, form, days, credits_online, bool(inst.local_region)),
        leader=leader,
        instructors=instructors,
        classes=tuple(classes),
        order_county=order_county,
        bureau_region=responsible_bureau_region(_institution(inst.institution_id), order_county),
        published_at=PUBLISHED_AT,
    )


def _inst_kind(inst: _InstSpec) -> str:
    if inst.scope == QualificationScope.LOCAL:
        return "local"
    if inst.scope == QualificationScope.REMOTE:
        return "remote"
    if inst.quota == QuotaCategory.Q5_NEW:
        return "new"
    return "university"


@cache
def _projects() -> tuple[Project, ...]:
    rng = _rng("projects")
    people = _People(rng, _schools())
    specs = {s.institution_id: s for s in _INSTITUTIONS}
    numbers = dict.fromkeys(specs, 0)
    out: list[Project] = []

    def next_id(inst_id: str) -> str:
        numbers[inst_id] += 1
        return f"{TERM}-{inst_id}-{numbers[inst_id]:03d}"

    for spec in _INSTITUTIONS:
        titles: set[str] = set()
        for _ in range(spec.projects):
            pid = next_id(spec.institution_id)
            for _attempt in range(8):  # an institution does not offer one title twice
                project = _make_project(rng, people, spec, pid, _inst_kind(spec))
                if project.title not in titles:
                    break
            titles.add(project.title)
            out.append(project)
    for county, inst_id in _ORDERS:
        spec = specs[inst_id]
        out.append(_make_project(rng, people, spec, next_id(inst_id), "university", county))
    return tuple(out)


def projects() -> list[Project]:
    """About 300 published 2024H1 projects (regular and a few order projects) with classes."""
    return list(_projects())


# --- users --------------------------------------------------------------------------------


@cache
def _users() -> tuple[User, ...]:
    tree = region_tree()
    rng = _rng("users")
    out = [
        User(
            user_id=t.teacher_id,
            role=Role.TEACHER,
            name=t.name,
            school_id=t.school_id,
            region_code=t.region_code,
            teacher_id=t.teacher_id,
        )
        for t in _teachers()
    ]
    for s in _schools():
        out.append(
            User(
                user_id=f"p-{s.school_id}",
                role=Role.PRINCIPAL,
                name=_person_name(rng),
                school_id=s.school_id,
                region_code=s.region_code,
            )
        )
        out.append(
            User(
                user_id=f"a-{s.school_id}",
                role=Role.SCHOOL_ADMIN,
                name=_person_name(rng),
                school_id=s.school_id,
                region_code=s.region_code,
            )
        )
    out.append(
        User(
            user_id=f"bureau-{PROVINCE}",
            role=Role.PROVINCE_BUREAU,
            name="浙江省教育厅",
            region_code=PROVINCE,
        )
    )
    for city in tree.cities():
        out.append(
            User(
                user_id=f"bureau-{city.code}",
                role=Role.CITY_BUREAU,
                name=f"{city.name}教育局",
                region_code=city.code,
            )
        )
    for county in dict.fromkeys(s.region_code for s in _schools()):
        out.append(
            User(
                user_id=f"bureau-{county}",
                role=Role.COUNTY_BUREAU,
                name=f"{tree.full_name(county)}教育局",
                region_code=county,
            )
        )
    for inst in _institutions():
        out.append(
            User(
                user_id=f"inst-{inst.institution_id}",
                role=Role.INSTITUTION,
                name=_person_name(rng),
                institution_id=inst.institution_id,
                region_code=inst.qualification.region_code,
            )
        )
    out.append(
        User(
            user_id="centre",
            role=Role.CENTRE,
            name="浙江省中小学教师培训中心",
            region_code=PROVINCE,
        )
    )
    # QA-1 (issue 14): records spot checks and monitoring, reads the quality figures.
    out.append(User(user_id="monitor", role=Role.MONITOR, name="浙江省教师教育质量监控中心"))
    return tuple(out)


def users() -> list[User]:
    """Every account: one per teacher, a principal and a school admin per school, bureaus
    (province, each city, each county with schools), a clerk per institution, the centre, the
    quality monitor."""
    return list(_users())


def _first_teacher(school_id: str, stage: str, subject: str) -> Teacher:
    at_school = [t for t in _teachers() if t.school_id == school_id]
    return next((t for t in at_school if t.stage == stage and t.subject == subject), at_school[0])


@cache
def _demo_accounts() -> tuple[User, ...]:
    by_id = {u.user_id: u for u in _users()}
    picks = (
        _first_teacher("s33010603", "小学", "数学"),  # 杭州市西湖区实验小学: many classes open
        _first_teacher("s33012701", "高中", "物理"),  # 淳安县第一中学: mountain county, orders
        _first_teacher("s33021204", "幼儿园", "学前教育"),  # 宁波市鄞州区实验幼儿园
    )
    ids = [t.teacher_id for t in picks]
    ids += [
        "p-s33010603",
        "p-s33012701",
        "a-s33010603",
        "bureau-330106",
        "bureau-330100",
        f"bureau-{PROVINCE}",
        "inst-zjnu",
        "inst-xihu-tdc",
        "centre",
        "monitor",
    ]
    return tuple(by_id[i] for i in ids)


def demo_accounts() -> list[User]:
    """The hand-picked accounts of the login page (stable order; the first teacher can select
    from many classes)."""
    return list(_demo_accounts())


# --- bundle -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoData:
    institutions: tuple[Institution, ...]
    schools: tuple[School, ...]
    teachers: tuple[Teacher, ...]
    projects: tuple[Project, ...]
    users: tuple[User, ...]
    demo_accounts: tuple[User, ...]

    @property
    def classes(self) -> int:
        return sum(len(p.classes) for p in self.projects)

    def subset(self, projects: int, teachers: int) -> DemoData:
        """The first `projects` projects and `teachers` teachers (with their accounts); every
        other record is kept. For fast tests and quick local runs."""
        kept = self.teachers[:teachers]
        ids = {t.teacher_id for t in kept}
        return DemoData(
            institutions=self.institutions,
            schools=self.schools,
            teachers=kept,
            projects=self.projects[:projects],
            users=tuple(u for u in self.users if u.role != Role.TEACHER or u.teacher_id in ids),
            demo_accounts=tuple(
                u for u in self.demo_accounts if u.role != Role.TEACHER or u.teacher_id in ids
            ),
        )


@cache
def demo_data() -> DemoData:
    """The whole demo world, built once per process."""
    return DemoData(
        institutions=_institutions(),
        schools=_schools(),
        teachers=_teachers(),
        projects=_projects(),
        users=_users(),
        demo_accounts=_demo_accounts(),
    )


# --- people's ID numbers and the published projects' records (AP-3, AP-4, AP-7, Q-*) -------
# The catalog shows no ID numbers, but the platform counts a leader's classes (AP-3) and binds a
# leader to one institution (AP-4) by ID number. Every person of a published project gets a
# valid, deterministic one, and every published regular project the application record it was
# published from, so the counters seeded with them (local/seed.py) are what the platform would
# have counted had every project been entered on it.


@cache
def _person_ids() -> dict[str, str]:
    """name -> ID number of every person of the published projects (names are unique: one
    record per person, AP-7), distinct by construction."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for p in _projects():
        for x in p.instructors:  # the leader is among them
            if x.name in out:
                continue
            n, id_number = 0, demo_id_number(f"person:{x.name}")
            while id_number in taken:
                n += 1
                id_number = demo_id_number(f"person:{x.name}#{n}")
            out[x.name] = id_number
            taken.add(id_number)
    return out


def person_id_number(name: str) -> str:
    """The ID number of a person of the published projects."""
    return _person_ids()[name]


@cache
def _published_records() -> dict[str, ProjectRecord]:
    out: dict[str, ProjectRecord] = {}
    for p in _projects():
        if p.kind != ProjectKind.REGULAR:  # order projects are published from order plans
            continue
        out[p.project_id] = ProjectRecord(
            project_id=p.project_id,
            term=p.term,
            institution_id=p.institution_id,
            institution_name=p.institution_name,
            status=ProjectStatus.PUBLISHED,
            version=1,
            draft=_draft_of(p),
            created_at=_APP_CREATED,
            updated_at=PUBLISHED_AT,
            submitted_at=_APP_SUBMITTED,
            counted_quota=True,
            leader_classes=len(p.classes),
            reviewed_by=f"bureau-{p.bureau_region}",
            published_at=PUBLISHED_AT,
        )
    return out


def published_record(project_id: str) -> ProjectRecord | None:
    """The application record a published regular project was published from (None for order
    projects, which the orders context publishes from an order plan)."""
    return _published_records().get(project_id)


def leader_loads() -> dict[str, int]:
    """Class periods each leader (by ID number) holds this term (AP-3): published projects,
    submitted applications and formally submitted order plans, as the platform counts them."""
    load: dict[str, int] = {}

    def add(draft: ProjectDraft, classes: int) -> None:
        leader = draft.leader.id_number or ""
        load[leader] = load.get(leader, 0) + classes

    for r in _published_records().values():
        add(r.draft, r.leader_classes)
    for a in _applications():
        if a.status == ProjectStatus.SUBMITTED:
            add(a.draft, a.leader_classes)
    for resp in _orders()[1]:
        if resp.status in (ResponseStatus.SUBMITTED, ResponseStatus.PUBLISHED):
            add(resp.plan, len(resp.plan.classes))
    return load


# --- orders (订单式, attachment 2 and 3) -----------------------------------------------------
# Orders in every stage for the order pages: the 9 published order projects above come from
# published orders; 西湖区 (a demo bureau account) has one order listed with two responses and
# one only posted (one short of 3, Q-7); 鄞州区 has one listed without responses, one with a
# contractor picked and one formally submitted. Deterministic like everything here.

_ORDER_TIMES = {
    "created": datetime(2024, 3, 7, 2, 0, tzinfo=UTC),
    "listed": datetime(2024, 3, 10, 1, 0, tzinfo=UTC),
    "responded": datetime(2024, 3, 12, 3, 0, tzinfo=UTC),
    "picked": datetime(2024, 3, 14, 6, 0, tzinfo=UTC),
    "submitted": datetime(2024, 3, 17, 2, 0, tzinfo=UTC),
    "published": PUBLISHED_AT,
}


def demo_id_number(key: str) -> str:
    """A valid, deterministic resident ID number (GB 11643 check digit) for demo people."""
    h = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    birth = date(1962, 1, 1) + timedelta(days=h % 9000)
    first17 = f"330102{birth:%Y%m%d}{(h // 9000) % 1000:03d}"
    return first17 + id_check_digit(first17)


def order_plan(
    form: OrderForm, inst: Institution, start: date, key: str = "", place: str = ""
) -> ProjectDraft:
    """A complete plan answering the order `form` for `inst` (OD-5): one class of the order's
    trainees and days, starting `start`, that passes the submission rules of province-wide
    projects (AP-1…AP-8, CR-3; AP-6). `key` varies the people (leader and instructors)."""
    rng = _rng(f"plan:{inst.institution_id}:{key}")
    online = form.form == TrainingForm.ONLINE
    total = min(90, form.days * 8)
    credits_online = {TrainingForm.ONLINE: total, TrainingForm.BLENDED: max(1, total * 3 // 10)}
    items: tuple[FeeItem, ...]
    if online:
        items = (FeeItem(name="培训费", amount=Decimal(100 * form.days)),)
    else:
        items = (
            FeeItem(name="住宿费", amount=Decimal(300 * form.days)),
            FeeItem(name="伙食费", amount=Decimal(120 * form.days)),
            FeeItem(name="培训费", amount=Decimal(200 * form.days)),
        )
    leader = PersonInput(
        id_number=demo_id_number(f"{inst.institution_id}:{key}:leader"),
        name=_person_name(rng),
        title="教授",
        organisation=inst.name,
        formal_employee=True,
        expertise=form.field,
    )
    instructors = [
        PersonInput(
            id_number=demo_id_number(f"{inst.institution_id}:{key}:instructor{i}"),
            name=_person_name(rng),
            title=title,
            organisation=org,
            expertise=form.subject,
        )
        for i, (title, org) in enumerate(
            (("副教授", inst.name), ("正高级教师", "浙江省特级教师工作室"))
        )
    ]
    return ProjectDraft(
        title=f"{form.title}（{inst.short_name or inst.name}方案）"[:60],
        theme=form.theme,
        target=Target(description=form.target, stages=(form.stage,)),
        stage=form.stage,
        subject=form.subject,
        field=form.field,
        level=form.level,
        form=form.form,
        credits_total=total,
        credits_online=credits_online.get(form.form, 0),
        fee=FeeDraft(total=sum((i.amount for i in items), Decimal(0)), items=list(items)),
        leader=leader,
        instructors=instructors,
        classes=[
            ClassDraft(
                name="第1期",
                start_date=start,
                end_date=start + timedelta(days=form.days - 1),
                place=place or "县教师发展中心",
                capacity=form.trainees,
            )
        ],
    )


def _order_form(county: RegionCode, n: int, **fields: object) -> OrderForm:
    tree = region_tree()
    rng = _rng(f"order:{county}:{n}")
    base: dict[str, object] = {
        "bureau_name": f"{tree.full_name(county)}教育局",
        "contact": _person_name(rng),
        "mobile": f"13{rng.randrange(10**8, 10**9):09d}",
        "target": f"{tree.name(county)}中小学教师",
        "level": "骨干",
        "form": TrainingForm.FACE_TO_FACE,
        "goals": "提升教师理解新课标、开展新教学的能力，解决课堂教学中的实际问题。",
        "course_requirements": "以课例研讨和现场诊断为主，专家讲座不超过三分之一，送教下县。",
    }
    base.update(fields)
    return OrderForm.model_validate(base)


def _draft_of(p: Project) -> ProjectDraft:
    """A published project as the plan it was submitted as, with its people's ID numbers."""

    def person(x: Person) -> PersonInput:
        return PersonInput(
            id_number=person_id_number(x.name),
            name=x.name,
            title=x.title,
            organisation=x.organisation,
            formal_employee=x == p.leader,
        )

    return ProjectDraft(
        title=p.title,
        theme=p.theme,
        target=p.target,
        stage=p.stage,
        subject=p.subject,
        field=p.field,
        level=p.level,
        form=p.form,
        credits_total=p.credits_total,
        credits_online=p.credits_online,
        fee=FeeDraft(total=p.fee.total, items=list(p.fee.items)),
        leader=person(p.leader),
        instructors=[person(x) for x in p.instructors],
        classes=[
            ClassDraft(
                name=c.name,
                start_date=c.start_date,
                end_date=c.end_date,
                place=c.place,
                capacity=c.capacity,
                timetable=list(c.timetable),
            )
            for c in p.classes
        ],
    )


def _response(
    o: Order, inst: Institution, plan: ProjectDraft, status: ResponseStatus
) -> OrderResponse:
    t = _ORDER_TIMES
    return OrderResponse(
        order_id=o.order_id,
        term=TERM,
        county=o.county,
        institution_id=inst.institution_id,
        institution_name=inst.name,
        plan=plan,
        status=status,
        responded_at=t["responded"],
        updated_at=t["responded"],
        submitted_at=t["submitted"]
        if status in (ResponseStatus.SUBMITTED, ResponseStatus.PUBLISHED)
        else None,
    )


def _order(
    county: RegionCode, n: int, form: OrderForm, stage: OrderStage, **extra: object
) -> Order:
    t = _ORDER_TIMES
    reached = list(OrderStage).index(stage)
    return Order(
        order_id=f"{TERM}-ord-{county}-demo{n}",
        term=TERM,
        county=county,
        county_name=region_tree().full_name(county),
        form=form,
        stage=stage,
        created_by=f"bureau-{county}",
        created_at=t["created"],
        updated_at=t["created"],
        listed_at=t["listed"] if reached >= 1 else None,
        picked_at=t["picked"] if reached >= 2 else None,
        submitted_at=t["submitted"] if reached >= 3 else None,
        published_at=t["published"] if reached >= 4 else None,
        **extra,  # type: ignore[arg-type]
    )


@cache
def _orders() -> tuple[tuple[Order, ...], tuple[OrderResponse, ...]]:
    insts = {i.institution_id: i for i in _institutions()}
    orders: list[Order] = []
    responses: list[OrderResponse] = []
    # published: one order per published order project (same county, contractor, class)
    numbers: dict[str, int] = {}
    for p in _projects():
        if p.kind != ProjectKind.ORDER or not p.order_county:
            continue
        county = p.order_county
        numbers[county] = numbers.get(county, 0) + 1
        c = p.classes[0]
        form = _order_form(
            county,
            numbers[county],
            title=p.title[:60],
            theme=(p.theme or p.title)[:100],
            target=(p.target.description or f"{region_tree().name(county)}教师")[:200],
            stage=p.stage,
            subject=p.subject,
            field=p.field,
            level=p.level,
            form=p.form,
            trainees=c.capacity,
            days=len(c.days()),
            intended_institutions=(p.institution_id,) if numbers[county] == 1 else (),
        )
        o = _order(
            county,
            numbers[county],
            form,
            OrderStage.PUBLISHED,
            picked_institution_id=p.institution_id,
            project_id=p.project_id,
        )
        orders.append(o)
        responses.append(
            _response(o, insts[p.institution_id], _draft_of(p), ResponseStatus.PUBLISHED)
        )
    start = date(2024, 5, 13)
    # 西湖区: one listed with two responses (open to all), one only posted (names zjnu)
    xihu = "330106"
    f1 = _order_form(
        xihu,
        1,
        title="小学数学大单元教学设计专题培训",
        theme="新课标下小学数学大单元整体教学",
        stage="小学",
        subject="数学",
        field="学科教学",
        trainees=50,
        days=5,
    )
    o1 = _order(xihu, 1, f1, OrderStage.LISTED)
    orders.append(o1)
    for iid in ("zjnu", "hznu"):
        responses.append(
            _response(
                o1,
                insts[iid],
                order_plan(f1, insts[iid], start, o1.order_id),
                ResponseStatus.RESPONDED,
            )
        )
    f2 = _order_form(
        xihu,
        2,
        title="初中科学实验教学能力提升培训",
        theme="初中科学实验教学创新与评价",
        stage="初中",
        subject="科学",
        field="实验教学",
        trainees=40,
        days=4,
        intended_institutions=("zjnu",),
    )
    orders.append(_order(xihu, 2, f2, OrderStage.POSTED))
    # 鄞州区: listed without responses, picked, submitted
    yz = "330212"
    f3 = _order_form(
        yz,
        1,
        title="中小学心理健康教育教师专题培训",
        theme="学生心理危机识别与干预",
        stage="初中",
        subject="心理健康",
        field="心理健康",
        trainees=45,
        days=3,
        form=TrainingForm.BLENDED,
    )
    orders.append(_order(yz, 1, f3, OrderStage.LISTED))
    f4 = _order_form(
        yz,
        2,
        title="高中物理实验教学骨干教师培训",
        theme="高中物理数字化实验教学",
        stage="高中",
        subject="物理",
        field="实验教学",
        trainees=40,
        days=5,
        intended_institutions=("zjnu", "nbu"),
    )
    o4 = _order(yz, 2, f4, OrderStage.PICKED, picked_institution_id="zjnu")
    orders.append(o4)
    responses.append(
        _response(
            o4,
            insts["zjnu"],
            order_plan(f4, insts["zjnu"], start, o4.order_id),
            ResponseStatus.PICKED,
        )
    )
    responses.append(
        _response(
            o4,
            insts["nbu"],
            order_plan(f4, insts["nbu"], start, o4.order_id),
            ResponseStatus.NOT_PICKED,
        )
    )
    f5 = _order_form(
        yz,
        3,
        title="小学语文整本书阅读教学培训",
        theme="小学语文整本书阅读的课堂实施",
        stage="小学",
        subject="语文",
        field="学科教学",
        trainees=50,
        days=4,
    )
    o5 = _order(yz, 3, f5, OrderStage.SUBMITTED, picked_institution_id="nbu")
    orders.append(o5)
    responses.append(
        _response(
            o5,
            insts["nbu"],
            order_plan(f5, insts["nbu"], start + timedelta(days=14), o5.order_id),
            ResponseStatus.SUBMITTED,
        )
    )
    return tuple(orders), tuple(responses)


def demo_orders() -> tuple[list[Order], list[OrderResponse]]:
    """The demo orders (one or more in every stage) and their responses."""
    orders, responses = _orders()
    return list(orders), list(responses)


# --- project applications (PH-APPLY, PH-REVIEW): drafts and submitted projects -------------
# Every catalog project above is PUBLISHED; these are the application records a clerk and a
# bureau work on, shaped to show the rules: 浙江师范大学 is one project short of its Q-1 quota
# (38 published + 1 submitted of 40) and its leader 周立群 already leads 3 of 4 class periods
# (AP-3), so its second draft fails on both; its third draft breaks AP-2, AP-8 and CR-3.
# 杭州师范大学's second draft is led by one of its published leaders who already leads 4 class
# periods (AP-3); 西湖区教师发展中心 is one project short of its Q-6 cap (10 published + 1
# submitted of 12).

_APP_CREATED = datetime(2024, 3, 8, 2, 0, tzinfo=UTC)
_APP_SUBMITTED = datetime(2024, 3, 10, 2, 0, tzinfo=UTC)


def _app_person(name: str, title: str, org: str, employee: bool = False) -> PersonInput:
    return PersonInput(
        id_number=demo_id_number(f"app:{name}"),
        name=name,
        title=title,
        organisation=org,
        formal_employee=employee,
    )


def _app_draft(
    inst: _InstSpec,
    title: str,
    leader: PersonInput,
    starts: Sequence[date],
    *,
    subject: str = "语文",
    stage: str = "小学",
    form: TrainingForm = TrainingForm.FACE_TO_FACE,
    credits: tuple[int, int] = (24, 0),
    fee: Sequence[tuple[str, int]] | None = None,
    fee_total: int | None = None,
) -> ProjectDraft:
    local = inst.scope == QualificationScope.LOCAL
    items = fee or (
        (("伙食费", 120), ("培训费", 240), ("资料费", 20))
        if local
        else (("住宿费", 480), ("伙食费", 300), ("培训费", 480), ("资料费", 30))
    )
    fee_items = [FeeItem(name=n, amount=Decimal(a)) for n, a in items]
    org = inst.name
    return ProjectDraft(
        title=title,
        theme=_NOTICE_CURRICULUM,
        target=Target(
            description=f"{stage}{subject}骨干教师",
            region_codes=(inst.local_region,) if inst.local_region else (),
            stages=(stage,),
            subjects=(subject,),
        ),
        stage=stage,
        subject=subject,
        field="学科教学",
        level="骨干",
        form=form,
        credits_total=credits[0],
        credits_online=credits[1],
        fee=FeeDraft(
            total=Decimal(fee_total)
            if fee_total is not None
            else sum((i.amount for i in fee_items), Decimal(0)),
            items=fee_items,
        ),
        leader=leader,
        instructors=[
            leader,
            _app_person(f"{inst.short_name}讲师", "副教授", org),
            _app_person("钱雅琴", "正高级教师", "杭州市教育科学研究院"),
        ],
        classes=[
            ClassDraft(
                name=f"第{i}期",
                start_date=s,
                end_date=s + timedelta(days=2),
                place=inst.venues[0],
                capacity=50,
                timetable=[
                    Session(
                        day=s,
                        start=time(9),
                        end=time(11, 30),
                        topic="开班讲座",
                        instructor=leader.name or "",
                    )
                ],
            )
            for i, s in enumerate(starts, start=1)
        ],
    )


def _leader_at_limit(institution_id: str) -> Person:
    """The first leader of `institution_id`'s published projects who already leads 4 class
    periods (AP-3): a draft of theirs shows the error."""
    by_name: dict[str, int] = {}
    for p in _projects():
        by_name[p.leader.name] = by_name.get(p.leader.name, 0) + len(p.classes)
    return next(
        p.leader
        for p in _projects()
        if p.institution_id == institution_id and by_name[p.leader.name] == _People.MAX_CLASSES
    )


@cache
def _applications() -> tuple[ProjectRecord, ...]:
    specs = {s.institution_id: s for s in _INSTITUTIONS}
    zjnu, hznu, xihu = specs["zjnu"], specs["hznu"], specs["xihu-tdc"]
    near_limit = _app_person("周立群", "教授", zjnu.name, employee=True)
    at_limit = _leader_at_limit("hznu")
    rows: list[tuple[_InstSpec, str, ProjectStatus, ProjectDraft]] = [
        (
            zjnu,
            "a01",
            ProjectStatus.SUBMITTED,
            _app_draft(
                zjnu,
                "小学语文整本书阅读教学设计研修",
                near_limit,
                (date(2024, 5, 6), date(2024, 5, 20), date(2024, 6, 3)),
            ),
        ),
        (
            zjnu,
            "a02",
            ProjectStatus.DRAFT,
            _app_draft(
                zjnu,
                "小学数学单元整体教学实践研修",
                _app_person("吴建华", "教授", zjnu.name, employee=True),
                (date(2024, 6, 17),),
                subject="数学",
            ),
        ),
        (
            zjnu,
            "a03",
            ProjectStatus.DRAFT,
            _app_draft(
                zjnu,
                "初中语文写作教学能力提升研修",
                near_limit,
                (date(2024, 7, 1), date(2024, 7, 8)),
                stage="初中",
            ),
        ),
        (
            zjnu,
            "a04",
            ProjectStatus.DRAFT,
            _app_draft(
                zjnu,
                "小学语文混合式教学研修",
                _app_person("郑晓", "讲师", zjnu.name, employee=False),
                (date(2024, 7, 15),),
                form=TrainingForm.BLENDED,
                credits=(30, 12),
                fee_total=1500,
            ),
        ),
        (
            hznu,
            "a01",
            ProjectStatus.SUBMITTED,
            _app_draft(
                hznu,
                "小学语文课堂观察与评课议课研修",
                _app_person("林静怡", "教授", hznu.name, employee=True),
                (date(2024, 5, 13),),
            ),
        ),
        (
            hznu,
            "a02",
            ProjectStatus.DRAFT,
            _app_draft(
                hznu,
                "小学语文学习任务群教学实践研修",
                PersonInput(
                    id_number=person_id_number(at_limit.name),
                    name=at_limit.name,
                    title=at_limit.title,
                    organisation=hznu.name,
                    formal_employee=True,
                ),
                (date(2024, 6, 24),),
            ),
        ),
        (
            xihu,
            "a01",
            ProjectStatus.SUBMITTED,
            _app_draft(
                xihu,
                "西湖区小学语文新教师课堂教学基本功培训",
                _app_person("陈晓燕", "正高级教师", xihu.name, employee=True),
                (date(2024, 5, 15),),
            ),
        ),
    ]
    out = []
    for inst, n, status, draft in rows:
        submitted = status == ProjectStatus.SUBMITTED
        out.append(
            ProjectRecord(
                project_id=f"{TERM}-{inst.institution_id}-{n}",
                term=TERM,
                institution_id=inst.institution_id,
                institution_name=inst.name,
                status=status,
                version=2 if submitted else 1,
                draft=draft,
                created_at=_APP_CREATED,
                updated_at=_APP_SUBMITTED if submitted else _APP_CREATED,
                submitted_at=_APP_SUBMITTED if submitted else None,
                counted_quota=submitted,
                leader_classes=len(draft.classes) if submitted else 0,
            )
        )
    return tuple(out)


def demo_applications() -> list[ProjectRecord]:
    """Drafts and submitted projects of 2024H1 (not in the catalog until reviewed and published)."""
    return list(_applications())
