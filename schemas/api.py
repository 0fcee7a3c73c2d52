"""What every error answer carries (the API document's `Problem`)."""

from __future__ import annotations

from pydantic import Field

from schemas.base import Model


class FieldProblem(Model):
    """One invalid field of a 422: `field` is the machine path (for a page to place the
    message), `message` names the field by its Chinese label and says what is wanted."""

    field: str
    type: str
    message: str


class Problem(Model):
    """Every 4xx and 5xx body: a stable English `code` for programs, a Chinese `message` for
    people; a 422 lists its fields, a 500 its correlation id (to find it in the logs)."""

    code: str = Field(examples=["outside_scope"])
    message: str = Field(examples=["不在本账号的管理范围内"])
    errors: list[FieldProblem] | None = None
    correlation_id: str | None = None
