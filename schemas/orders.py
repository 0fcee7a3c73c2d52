"""Order projects (订单式培训, attachments 2 and 3): a county's order (主题式培训项目订单), the
institutions' responses (响应) and the request bodies of the orders API.

An order is one class period (OD-3). Its life: posted by the county (PH-ORDER-DEMAND), listed by
the provincial centre (PH-ORDER-LIST), answered by qualified institutions (PH-ORDER-RESPOND), one
contractor picked (PH-ORDER-PICK), the plan revised and formally submitted (PH-ORDER-REVISE),
published by the county as an order project (PH-ORDER-PUBLISH).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from schemas.base import Model
from schemas.catalog import STAGES, TrainingForm
from schemas.projects import MaskedPlanView, PlanView, ProjectDraft
from schemas.regions import RegionCode

GOALS_MAX = 200  # OD-1: 培训目标（200字内）
COURSE_MAX = 200  # OD-1: 培训课程要求（200字内）
MAX_INTENDED = 3  # OD-1: 意向培训机构 one to three, or none
MIN_ORDERS_PER_COUNTY = 3  # OD-3 / Q-7
ORDER_ID = r"^[A-Za-z0-9_-]{2,60}$"


class OrderStage(StrEnum):
    POSTED = "posted"  # 已报送 (PH-ORDER-DEMAND)
    LISTED = "listed"  # 已列入清单，待机构响应 (PH-ORDER-LIST, PH-ORDER-RESPOND)
    PICKED = "picked"  # 已确定承训机构 (PH-ORDER-PICK)
    SUBMITTED = "submitted"  # 承训机构已正式申报 (PH-ORDER-REVISE)
    PUBLISHED = "published"  # 已发布为订单式项目 (PH-ORDER-PUBLISH)


STAGE_NAMES: dict[OrderStage, str] = {
    OrderStage.POSTED: "已报送，待公布清单",
    OrderStage.LISTED: "已公布，待机构响应",
    OrderStage.PICKED: "已确定承训机构，待修订申报",
    OrderStage.SUBMITTED: "承训机构已正式申报，待审核发布",
    OrderStage.PUBLISHED: "已发布",
}


class ResponseStatus(StrEnum):
    RESPONDED = "responded"  # 已响应
    PICKED = "picked"  # 已中选（承训机构）
    NOT_PICKED = "not_picked"  # 未中选
    SUBMITTED = "submitted"  # 已正式申报
    PUBLISHED = "published"  # 已发布


RESPONSE_STATUS_NAMES: dict[ResponseStatus, str] = {
    ResponseStatus.RESPONDED: "已响应，待县区遴选",
    ResponseStatus.PICKED: "已中选，请修订方案并正式申报",
    ResponseStatus.NOT_PICKED: "未中选",
    ResponseStatus.SUBMITTED: "已正式申报，待县区审核发布",
    ResponseStatus.PUBLISHED: "已发布",
}


class OrderForm(Model):
    """主题式培训项目订单 (attachment 3), every field of OD-1."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    bureau_name: str = Field(min_length=2, max_length=60, description="申报单位")
    contact: str = Field(min_length=1, max_length=20, description="联系人")
    mobile: str = Field(pattern=r"^1\d{10}$", description="手机")
    title: str = Field(min_length=2, max_length=60, description="项目名称")
    theme: str = Field(min_length=2, max_length=100, description="培训主题")
    target: str = Field(min_length=2, max_length=200, description="参训对象")
    stage: str = Field(description="学段")
    subject: str = Field(min_length=1, max_length=20, description="学科")
    field: str = Field(min_length=1, max_length=20, description="培训领域")
    trainees: int = Field(ge=1, le=2000, description="参训人数")
    days: int = Field(ge=1, le=60, description="培训天数")
    level: str = Field(min_length=1, max_length=20, description="培训层次")
    form: TrainingForm = Field(description="培训形式：面授、线上或混合")
    goals: str = Field(min_length=1, max_length=GOALS_MAX, description="培训目标（200字内）")
    course_requirements: str = Field(
        min_length=1, max_length=COURSE_MAX, description="培训课程要求（200字内）"
    )
    intended_institutions: tuple[str, ...] = Field(
        default=(), max_length=MAX_INTENDED, description="意向培训机构 ids; empty = 无"
    )

    @field_validator("stage")
    @classmethod
    def _stage(cls, v: str) -> str:
        if v not in STAGES:
            raise ValueError(f"学段须为 {'、'.join(STAGES)} 之一")
        return v

    @field_validator("intended_institutions")
    @classmethod
    def _distinct(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("意向培训机构重复")
        return v


class Order(Model):
    """A county's order as stored (ORDER#<oid> | META)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str = Field(pattern=ORDER_ID)
    term: str = Field(pattern=r"^\d{4}H[12]$")
    county: RegionCode
    county_name: str = ""
    form: OrderForm
    stage: OrderStage
    created_by: str
    created_at: datetime
    updated_at: datetime
    listed_at: datetime | None = None
    picked_institution_id: str | None = None
    picked_at: datetime | None = None
    submitted_at: datetime | None = None
    published_at: datetime | None = None
    project_id: str | None = Field(default=None, description="the published order project")


class OrderResponse(Model):
    """An institution's answer to one order: a project plan for that order alone (OD-5)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str = Field(pattern=ORDER_ID)
    term: str
    county: RegionCode
    institution_id: str
    institution_name: str
    plan: ProjectDraft
    status: ResponseStatus
    responded_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None


# --- request bodies --------------------------------------------------------------------------


class RespondRequest(Model):
    model_config = ConfigDict(extra="forbid")

    plan: ProjectDraft


class PickRequest(Model):
    model_config = ConfigDict(extra="forbid")

    institution_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$")


class ReviseRequest(Model):
    """The contractor's revised plan; `submit` makes it the formal application (正式申报)."""

    model_config = ConfigDict(extra="forbid")

    plan: ProjectDraft
    submit: bool = False


# --- what the orders API answers (the API document's response models) -----------------------


class OrderView(Order):
    """An order with its stage in Chinese."""

    stage_text: str


class CountedOrder(OrderView):
    responses: int  # institutions that answered it


class ResponseView(Model):
    """A response as the caller may see it: the plan's ID numbers only for its own
    institution (the county compares plans without them)."""

    order_id: str
    term: str
    county: str
    institution_id: str
    institution_name: str
    status: ResponseStatus
    responded_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    plan: PlanView | MaskedPlanView  # the plan as the projects pages show a draft
    status_text: str


class OfferedOrder(OrderView):
    """An order as an institution it is shown to sees it, with its own response if any."""

    my_response: ResponseView | None


class CountyOrders(Model):
    """A county's orders and how many more it should post (Q-7)."""

    county: str
    county_name: str
    posted: int
    required: int
    missing: int
    orders: list[CountedOrder]


class CountyShortfall(Model):
    county: str
    county_name: str
    posted: int
    missing: int


class OrdersOverview(Model):
    """The centre's view: every order, counts by stage, counties below the minimum (Q-7)."""

    orders: list[OrderView]
    by_stage: dict[str, int]
    below_minimum: list[CountyShortfall]
    required: int


class OrderListPublished(Model):
    listed: list[str]  # the orders this publication listed
    below_minimum: list[CountyShortfall]


class OpenOrders(Model):
    """The orders an institution is shown, or why none (OD-4, Q-5)."""

    qualified: bool
    reason: str
    orders: list[OfferedOrder]


class CountyResponses(Model):
    order: OrderView
    responses: list[ResponseView]


class PublishedOrder(OrderView):
    site: dict[str, Any]  # the site's publication state (发布中 / 已发布)
