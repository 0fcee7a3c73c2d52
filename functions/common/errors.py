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


class NotFound(DomainError):
    status, code, message = 404, "not_found", "记录不存在"


class ValidationFailed(DomainError):
    status, code, message = 422, "validation_error", "提交的数据不符合要求"


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


class NotEligible(DomainError):
    status, code, message = 403, "not_eligible", "你不属于该项目的培训对象"


class Round2NotAllowed(DomainError):
    status, code, message = 403, "round2_not_allowed", "第一轮未选课的教师不能参加第二轮选课"


class Busy(DomainError):
    """Retryable: the store throttled or a transaction kept conflicting after bounded retries."""

    status, code, message = 503, "busy", "当前选课人数较多，请稍后重试"

    def __init__(self, retry_after: int = 2, **details: Any) -> None:
        super().__init__(None, **details)
        self.retry_after = retry_after
