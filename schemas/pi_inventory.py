"""The inventory of personal information (个人信息保护法 art. 51: know what you hold): every
field that is personal information, whether it is sensitive, where it is stored, who may read it
in full, how everyone else sees it, and how long each kind of record is kept.

This module is the one place. `tests/unit/test_pi_inventory.py` walks every model in `schemas/`
and fails when a personal field is missing here; the operator page
`site/docs/operator/privacy.md` carries `inventory_markdown()` verbatim (the test compares).
Masking itself is `schemas/privacy.py` (one rule per kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from schemas.privacy import SENSITIVE, Kind

# Field names that always denote personal information when a model carries them.
PERSONAL_FIELD_NAMES = frozenset(
    {"id_number", "birth_date", "mobile", "phone", "email", "gender", "id_masked"}
)


@dataclass(frozen=True)
class PersonalField:
    model: str  # schemas class
    field: str
    kind: Kind
    label: str  # Chinese name
    stored: str  # where (key layout in functions/common/keys.py)
    full: str  # who may read it unmasked
    others: str  # how everyone else sees it

    @property
    def sensitive(self) -> bool:
        return self.kind in SENSITIVE


FIELDS: tuple[PersonalField, ...] = (
    # -- teachers (TD-1 national import, TD-2 school maintenance) --
    PersonalField(
        "Teacher", "id_number", Kind.ID_NUMBER, "身份证件号",
        "TEACHER#<tid> | PROFILE; IDNO#<id> | IDENTITY (duplicate check, TD-3)",
        "the teacher herself; her school's admin (school maintenance); every read audited",
        "masked 3301**********1234 (bureaus, principals); never on public pages",
    ),
    PersonalField(
        "Teacher", "birth_date", Kind.BIRTH_DATE, "出生日期",
        "not stored: the ID number encodes it (checked on import); older items keep theirs "
        "until their next import",
        "the teacher herself; her school's admin",
        "not shown (bureaus and principals get an empty value)",
    ),
    PersonalField(
        "Teacher", "gender", Kind.GENDER, "性别", "TEACHER#<tid> | PROFILE",
        "the teacher, her school, bureaus over her region", "as is",
    ),
    PersonalField(
        "Teacher", "name", Kind.NAME, "姓名", "TEACHER#<tid> | PROFILE",
        "her school, bureaus over her region, the institutions of classes she chose",
        "as is (pages show names, not ids)",
    ),
    PersonalField(
        "TeacherView", "id_number", Kind.ID_NUMBER, "身份证件号（教师信息查看）",
        "not stored: the answer of GET /api/records/teachers (from Teacher)",
        "the teacher's school admin (`id_full`); every unmasked read audited",
        "masked 3301**********1234",
    ),
    PersonalField(
        "TeacherView", "birth_date", Kind.BIRTH_DATE, "出生日期（教师信息查看）",
        "not stored: derived from the ID number for the answer",
        "the teacher's school admin (with the full ID number)",
        "empty",
    ),
    PersonalField(
        "TeacherView", "gender", Kind.GENDER, "性别（教师信息查看）",
        "not stored: the answer (from Teacher)",
        "her school, bureaus over her region", "as is",
    ),
    PersonalField(
        "TeacherFields", "id_number", Kind.ID_NUMBER, "身份证件号（导入行）",
        "IMPORT#<job> | UPLOAD#<n>: the uploaded file, deleted when the import ends, TTL 7 days",
        "nobody reads it back: the worker parses it", "the import report shows it masked",
    ),
    PersonalField(
        "TeacherFields", "birth_date", Kind.BIRTH_DATE, "出生日期（导入行）",
        "as the import file (TTL 7 days)", "nobody reads it back", "not in the report",
    ),
    PersonalField(
        "TeacherFields", "gender", Kind.GENDER, "性别（导入行）",
        "as the import file (TTL 7 days)", "nobody reads it back", "not in the report",
    ),
    PersonalField(
        "LocalTeacherRequest", "id_number", Kind.ID_NUMBER, "身份证件号（学校维护）",
        "becomes the teacher record", "the school admin who types it", "as the teacher record",
    ),
    PersonalField(
        "LocalTeacherRequest", "birth_date", Kind.BIRTH_DATE, "出生日期（学校维护）",
        "becomes the teacher record", "the school admin who types it", "as the teacher record",
    ),
    PersonalField(
        "LocalTeacherRequest", "gender", Kind.GENDER, "性别（学校维护）",
        "becomes the teacher record", "the school admin who types it", "as the teacher record",
    ),
    PersonalField(
        "RowResult", "id_masked", Kind.ID_NUMBER, "身份证件号（导入报告）",
        "IMPORT#<job> | REPORT#<n>: stored masked only", "nobody: it is never stored in full",
        "masked (MaskedIdNumber refuses a full value)",
    ),
    # -- leaders and instructors (AP-2, AP-7 expert database) --
    PersonalField(
        "PersonInput", "id_number", Kind.ID_NUMBER, "身份证件号（项目负责人、授课教师）",
        "PROJECT#<pid> | META (the plan); PERSON#<id> (expert database, one record per person)",
        "the institution that entered it (to edit its plan); every read audited",
        "masked for bureaus, counties and the expert search",
    ),
    PersonalField(
        "PersonRecord", "id_number", Kind.ID_NUMBER, "身份证件号（专家库）", "PERSON#<id> | PROFILE",
        "nobody in full: an institution finds a record by its exact number (its own applications'"
        " people at any time, anyone only while applications are open), each lookup audited",
        "masked",
    ),
    # -- orders (OD-1) --
    PersonalField(
        "OrderForm", "mobile", Kind.PHONE, "联系人手机（订单）",
        "ORDER#<oid> | META (attachment 3 asks for the contact's mobile)",
        "the county bureau that posted it; the institutions it is shown to (OD-2), to respond",
        "not on public pages; not in the catalog",
    ),
    # -- notifications (issue 15) --
    PersonalField(
        "NotifySettings", "email", Kind.EMAIL, "电子邮箱（通知）",
        "INBOX#<party> | SUB#<user> (one copy per inbox the user reads)",
        "the user herself; the send worker", "masked z***@domain where shown to anyone else",
    ),
    PersonalField(
        "Subscriber", "email", Kind.EMAIL, "电子邮箱（订阅）", "INBOX#<party> | SUB#<user>",
        "the send worker", "never shown",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Retention:
    record: str  # record kind (Chinese, as the operator page shows it)
    key: str  # where
    keep: timedelta | None  # None: kept (not time-bound)
    how: str  # how it goes: TTL, lifecycle, retention setting, or why it stays


RETENTION: dict[str, Retention] = {
    "import_upload": Retention(
        "导入文件分段", "IMPORT#<job> | UPLOAD#<n>", timedelta(days=7),
        "deleted when the import ends; DynamoDB TTL (expires_at) if it never runs",
    ),
    "id_read": Retention(
        "身份证件号查看记录（审计）", "IDREAD#<day>#<shard>", timedelta(days=1096),
        "DynamoDB TTL (expires_at): three years, the period 个人信息保护法 art. 56 asks for "
        "records of processing",
    ),
    "inbox_message": Retention(
        "站内信", "INBOX#<party> | MSG#<id>", timedelta(days=400),
        "DynamoDB TTL (expires_at), set by functions/common/outbox.py",
    ),
    "import_job": Retention(
        "导入任务与报告", "IMPORT#<job> | JOB, REPORT#<n>", None,
        "kept with the records they changed (the report holds ID numbers masked only)",
    ),
    "teacher": Retention(
        "教师档案", "TEACHER#<tid> | PROFILE", None,
        "kept while the platform trains the teacher: credits count over her registration "
        "cycle; a record leaves by the school's correction (TD-2/TD-3), not by time",
    ),
    "selection": Retention(
        "选课记录", "TEACHER#<tid> | SEL#…", None,
        "the training record behind her credits; kept with the teacher record",
    ),
    "project": Retention(
        "项目与申报（含负责人、授课教师）", "PROJECT#<pid>, PERSON#<id>", None,
        "public catalog and the AP-3/AP-4 leader history across terms",
    ),
    "order": Retention("订单与响应", "ORDER#<oid>", None, "the county's procurement record"),
    "access_logs": Retention(
        "访问日志（CloudFront、S3、API）", "access-log bucket, API access log group",
        timedelta(days=365),
        "S3 lifecycle and log-group retention (infra/config.yaml logs.retention_days, ≥ 180 "
        "days for 网络安全法 art. 21)",
    ),
    "function_logs": Retention(
        "函数日志", "one log group per function", timedelta(days=180),
        "log-group retention (functions.log_retention_days); logs carry no request bodies",
    ),
    "cloudtrail": Retention(
        "操作审计（CloudTrail）", "the trail's bucket", timedelta(days=365),
        "S3 lifecycle (logs.retention_days)",
    ),
}  # fmt: skip


def retention(kind: str) -> timedelta:
    """How long a time-bound record kind is kept (KeyError for one that is not)."""
    keep = RETENTION[kind].keep
    if keep is None:
        raise KeyError(f"{kind} is not time-bound")
    return keep


def inventory_markdown() -> str:
    """The two tables of the operator page (site/docs/operator/privacy.md)."""
    lines = [
        "| 字段 | 敏感 | 存放位置 | 可查看完整值 | 其他人看到 |",
        "|---|---|---|---|---|",
    ]
    for f in FIELDS:
        lines.append(
            f"| {f.label} (`{f.model}.{f.field}`) | {'是' if f.sensitive else '否'} "
            f"| {f.stored} | {f.full} | {f.others} |"
        )
    lines += ["", "| 记录 | 位置 | 保存期限 | 方式 |", "|---|---|---|---|"]
    for r in RETENTION.values():
        keep = f"{r.keep.days} 天" if r.keep else "长期"
        lines.append(f"| {r.record} | {r.key} | {keep} | {r.how} |")
    return "\n".join(lines) + "\n"
