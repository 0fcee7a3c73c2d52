"""Domain errors: a stable machine-readable `code`, an HTTP status and a Chinese message.

Handlers never catch these; `functions.common.app` turns them into responses in one place.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"
    message: str = "请求无效"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or type(self).message
        self.details = details
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class Unauthorized(DomainError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", "没有权限执行此操作"


class UnknownUser(DomainError):
    status, code, message = 403, "unknown_user", "账号未在平台登记，请联系管理员"


class AccountDisabled(DomainError):
    """The caller's account was disabled by an administrator (or merged away, TD-3)."""

    status, code, message = (
        403,
        "account_disabled",
        "该账号已停用，如有疑问请联系学校或教育局管理员",
    )


class AccountChanged(DomainError):
    """The caller's role or scope changed a moment ago (another Lambda): the write, authorised
    from this Lambda's older copy, was not made; a retry is judged on the account as it is."""

    status, code, message = 409, "account_changed", "你的账号信息刚刚有变更，请刷新页面后重试"


class BadJson(DomainError):
    """The body is not JSON we read: malformed, nested too deep, or a number too long."""

    status, code, message = 400, "bad_json", "请求内容格式不正确"


class BadEncoding(DomainError):
    status, code, message = 400, "bad_encoding", "请求内容不是有效的 UTF-8 文本"


class PayloadTooLarge(DomainError):
    status, code, message = 413, "payload_too_large", "提交的内容过大（不能超过 1 MB）"


class UnsupportedMediaType(DomainError):
    status, code, message = 415, "unsupported_media_type", "请求内容的格式不受支持"


class NotFound(DomainError):
    status, code, message = 404, "not_found", "记录不存在"


class ValidationFailed(DomainError):
    status, code, message = 422, "validation_error", "提交的数据不符合要求"


class IdempotencyKeyReused(DomainError):
    """An `Idempotency-Key` sent again with a different request (another class, another
    operation): refused, nothing written."""

    status, code, message = (
        422,
        "idempotency_key_reused",
        "该请求编号已用于另一项操作，请刷新页面后重试",
    )


class Conflict(DomainError):
    status, code, message = 409, "conflict", "操作与当前状态冲突"


class OutsideWindow(Conflict):
    code, message = "outside_window", "当前不在该阶段的开放时间内"


class ClassFull(Conflict):
    code, message = "class_full", "该班期名额已满"


class AlreadySelected(Conflict):
    code, message = "already_selected", "你已选择该班期，不能重复选择"


class NotSelected(Conflict):
    code, message = "not_selected", "你没有选择该班期，无需退选"


class TermLimitReached(Conflict):
    code, message = "term_limit", "本学期可选班期数已达上限"


class DateClash(Conflict):
    code, message = "date_clash", "与已选班期的培训日期冲突"


class SeatsAvailable(Conflict):
    code, message = "seats_available", "该班期尚有名额，请直接选课，无需候补"


class AlreadyWaitlisted(Conflict):
    code, message = "already_waitlisted", "你已在该班期的候补名单中"


class ReasonRequired(DomainError):
    status, code, message = 422, "reason_required", "不通过时必须填写原因"


class WrongStatus(Conflict):
    code, message = "wrong_status", "该选课记录当前状态不允许此操作"


class ExpansionExists(Conflict):
    code, message = "expansion_exists", "该班期已提交过扩班申请"


class NotEligible(DomainError):
    status, code, message = 403, "not_eligible", "你不属于该项目的培训对象"


class Round2NotAllowed(DomainError):
    status, code, message = 403, "round2_not_allowed", "第一轮未选课的教师不能参加第二轮选课"


class OutsideScope(DomainError):
    """The record lies outside the caller's region or school (records context)."""

    status, code, message = 403, "outside_scope", "该记录不在你的管理范围内"


class BadImportFile(DomainError):
    status, code, message = 422, "bad_import_file", "无法读取导入文件，请使用导入模板"


class DuplicateIdNumber(Conflict):
    code, message = "duplicate_id_number", "该身份证件号已属于平台内另一位教师"


class OwnAccount(DomainError):
    status, code, message = 403, "cannot_disable_self", "不能停用自己的账号"


class RecordMerged(Conflict):
    code, message = "record_merged", "该账号对应的教师记录已作为重复记录合并，请使用保留记录的账号"


class MergeHasSelections(Conflict):
    """TD-3: a duplicate record still holding selections is not merged away."""

    code, message = (
        "merge_has_selections",
        "要合并的记录仍有未退选的选课，请先让该教师退选，或改为保留这条记录",
    )


# --- projects context: application, review, publication, changes ---------------------------


class SubmissionInvalid(DomainError):
    """Every problem of a submission at once: `errors: [{field, code, message, rule}]`."""

    status, code, message = 422, "validation_error", "申报材料有问题，请按提示逐项修改"


class QuotaExceeded(Conflict):
    code, message = "quota_exceeded", "本机构本学期申报项目数已达上限"


class LeaderClassLimit(Conflict):
    code, message = "leader_class_limit", "项目负责人本学期负责的班期数已达上限（4个）"


class LeaderOtherInstitution(Conflict):
    code, message = "leader_other_institution", "该项目负责人已在其他机构担任项目负责人"


class PersonMismatch(Conflict):
    code, message = "person_mismatch", "该身份证号已登记为另一位专家，请核对姓名"


class LookupNotAllowed(DomainError):
    """AP-7: a person looked up by ID number outside what the application form needs."""

    status, code, message = (
        403,
        "lookup_not_allowed",
        "只能查询本机构申报项目中的人员；其他人员仅在项目申报期间可按完整身份证号查询",
    )


class SpotCheckDrawn(Conflict):
    """AP-5: the instructors to check were drawn already for this submission."""

    code, message = "spot_check_drawn", "本次申报已随机抽取过授课教师，不能重新抽取"


class StaleVersion(Conflict):
    code, message = "stale_version", "该项目已被他人处理或修改，请刷新后再操作"


class ProjectLocked(Conflict):
    code, message = "project_locked", "项目已提交或已发布，不能直接修改；发布后的变更请提交变更申请"


class TimetableTooLate(Conflict):
    code, message = "timetable_too_late", "课程表须在开班前至少5天发布，已超过期限"


# --- orders context (OD-1 … OD-5, Q-5, Q-7) ------------------------------------------------


class OrderStageConflict(Conflict):
    code, message = "order_stage", "该订单当前所处阶段不允许此操作"


class AlreadyResponded(Conflict):
    code, message = "already_responded", "本机构已响应该订单，每个订单只能响应一次"


class NotOrderQualified(DomainError):
    status, code, message = (
        403,
        "order_not_qualified",
        "只有具有面向全省培训资质且取得资质满一年的培训机构可以响应订单",
    )


class RateLimited(DomainError):
    """One client sent more requests than its per-client limit allows (the WAF rules of a
    deployment, the local gateway's limiter: infra/config.yaml `rate_limits`)."""

    status, code, message = 429, "rate_limited", "请求过于频繁，请稍后再试"


class Busy(DomainError):
    """Retryable: the store throttled or a transaction kept conflicting after bounded retries."""

    status, code, message = 503, "busy", "当前选课人数较多，请稍后重试"

    def __init__(self, retry_after: int = 2, **details: Any) -> None:
        super().__init__(None, **details)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """The table does not answer (its endpoint is down or the table is missing): health says so
    instead of answering 200 while every data route fails."""

    status, code, message = 503, "unavailable", "平台数据服务暂时不可用，请稍后再试"


# --- records context: PH-1 correction requests ---------------------------------------------


class CorrectionOpen(Conflict):
    code, message = "correction_open", "你已有一条待学校处理的更正申请，请等待处理结果"


class CorrectionDecided(Conflict):
    code, message = "correction_decided", "该更正申请已处理过，或教师信息已被修改，请刷新后再操作"


# --- training weeks (PH-TRAIN, QA-2) and cancelled classes ----------------------------------


class ClassCancelled(Conflict):
    code, message = "class_cancelled", "该班期已取消"


class NotEnrolled(Conflict):
    code, message = "not_enrolled", "你没有选择该班期，不能报到"


class NotConfirmed(Conflict):
    code, message = "not_confirmed", "你在该班期的选课尚未确认，不能报到"


class OutsideClassDays(Conflict):
    code, message = "outside_class_days", "今天不是该班期的培训日，不能报到"


class CheckinClosed(Conflict):
    code, message = "checkin_closed", "培训机构尚未开放报到"


class CodeExpired(Conflict):
    code, message = "code_expired", "二维码已过期，请扫描培训机构现场展示的最新二维码"


class ClassAboveMinimum(Conflict):
    code, message = "class_above_minimum", "该班期已确认人数不少于开班最低人数，不能取消"


# --- credits (issue 14: CR-1, CR-2) ----------------------------------------------------------


class SchoolBasedCapReached(Conflict):
    """CR-1: the teacher's school-based credits in the cycle would pass the cap; the message
    says how many remain (`remaining`)."""

    code, message = "school_based_cap", "该教师本周期校本研修学分已达上限"


class RegistrationDecided(Conflict):
    code, message = "registration_decided", "该登记已处理过，请刷新后再操作"


class NotCarried(Conflict):
    """CR-2: a later segment is decided only for teachers who completed the segment before."""

    code, message = "not_carried", "该教师未完成上一段培训，不在本段名单中"


class AlreadyEvaluated(Conflict):
    """满意度测评: once per teacher and class."""

    code, message = "already_evaluated", "你已评价过该班期，每个班期只能评价一次"
