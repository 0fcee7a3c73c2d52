"""Order use cases (订单式培训, attachment 2): demand, list, respond, pick, revise, publish, and the
centre's overview and export. Plain functions over the store; `now` comes from the one clock.

Submit validation reuses the projects context (AP-6: order projects follow the rules of
province-wide projects): `functions.projects.service.check_draft` runs every submission rule over
the plan, and `catalog_project` builds the published project.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime

from functions.common import keys, notices, outbox, site
from functions.common import store as table_store
from functions.common.auth import require
from functions.common.errors import (
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    NotOrderQualified,
    OrderStageConflict,
    OutsideWindow,
    SubmissionInvalid,
    ValidationFailed,
)
from functions.common.settings import settings
from functions.orders import rules, store
from functions.projects import rules as project_rules
from functions.projects import service as projects
from schemas.calendar import PhaseId, term_calendar
from schemas.catalog import Project, ProjectKind, ProjectStatus, Target
from schemas.notify import institution_party
from schemas.orders import (
    MIN_ORDERS_PER_COUNTY,
    RESPONSE_STATUS_NAMES,
    STAGE_NAMES,
    CountedOrder,
    CountyOrders,
    CountyResponses,
    CountyShortfall,
    OfferedOrder,
    OpenOrders,
    Order,
    OrderForm,
    OrderListPublished,
    OrderResponse,
    OrdersOverview,
    OrderStage,
    OrderView,
    PublishedOrder,
    ResponseStatus,
    ResponseView,
)
from schemas.org import Institution
from schemas.people import Role, User
from schemas.projects import (
    FieldError,
    PersonInput,
    PersonRecord,
    ProjectDraft,
    ProjectRecord,
    quota_table,
)
from schemas.regions import RegionLevel, region_tree
from schemas.vocab import vocabulary

OVERVIEW_ROLES = (Role.CENTRE, Role.PROVINCE_BUREAU)


# --- helpers -------------------------------------------------------------------------------


def _term() -> str:
    return settings().term


def _window(phase: PhaseId, now: datetime) -> None:
    """Every write checks its phase window on the server, from the clock."""
    cal = term_calendar(_term())
    if not cal.is_open(phase, now):
        w = cal.window(phase)
        span = f"{w.start:%m月%d日}" if w.start == w.end else f"{w.start:%m月%d日}—{w.end:%m月%d日}"
        raise OutsideWindow(f"当前不在“{w.name}”时间内（{span}）")


def _new_days() -> int:
    return quota_table(_term()).new_institution_days


def _ref_date() -> date:
    return rules.reference_date(term_calendar(_term()))


def _institution(institution_id: str) -> Institution | None:
    item = table_store.get_item(keys.institution(institution_id))
    return Institution.model_validate_json(item["doc"]) if item else None


def _county_of(user: User) -> str:
    """The county a county bureau acts for (its region must be a county of the tree)."""
    require(user, Role.COUNTY_BUREAU)
    code = user.region_code or ""
    tree = region_tree()
    try:
        if tree.get(code).level != RegionLevel.COUNTY:
            raise Forbidden("只有县（市、区）教育局可以报送订单")
    except KeyError as exc:
        raise Forbidden("账号未关联县（市、区）") from exc
    return code


def _clerk(user: User) -> Institution:
    require(user, Role.INSTITUTION)
    inst = _institution(user.institution_id or "")
    if inst is None:
        raise Forbidden("账号未关联培训机构")
    return inst


def _own_order(user: User, order_id: str) -> Order:
    county = _county_of(user)
    order = store.get_order(order_id)
    if order.county != county:
        raise NotFound("订单不存在")
    return order


def _visible_order(inst: Institution, order_id: str) -> Order:
    """OD-2/OD-4: an order an institution may not see does not exist for it (404, not 403)."""
    order = store.get_order(order_id)
    if order.term != _term() or not rules.order_visible_to(order, inst, _ref_date(), _new_days()):
        raise NotFound("订单不存在")
    return order


def order_view(order: Order) -> OrderView:
    return OrderView(**dict(order), stage_text=STAGE_NAMES[order.stage])


def counted_view(order: Order, responses: int) -> CountedOrder:
    return CountedOrder(**dict(order_view(order)), responses=responses)


def response_view(r: OrderResponse, own: bool = True) -> ResponseView:
    """A response with ID numbers masked; only its own institution (`own`) gets them in full,
    to revise the plan. The county compares plans without them."""
    rec = _as_record(r.plan, r.order_id, r.institution_id, r.institution_name, r.responded_at)
    return ResponseView(
        **{k: v for k, v in r if k != "plan"},
        plan=projects.own_view(rec).draft if own else projects.reviewer_view(rec).draft,
        status_text=RESPONSE_STATUS_NAMES[r.status],
    )


def _as_record(
    plan: ProjectDraft, order_id: str, iid: str, iname: str, now: datetime
) -> ProjectRecord:
    """The plan as a projects-context record, so the projects rules can check it (AP-6)."""
    return ProjectRecord(
        project_id=order_id,
        term=_term(),
        institution_id=iid,
        institution_name=iname,
        status=ProjectStatus.DRAFT,
        version=1,
        draft=plan,
        created_at=now,
        updated_at=now,
    )


def check_plan(
    inst: Institution, order: Order, plan: ProjectDraft, now: datetime
) -> list[FieldError]:
    """AP-6 and OD-5: every submission rule of a province-wide project (the projects context's
    `check_draft`, without the quota: orders hold no quota slot) and the fit to the order."""
    rec = _as_record(plan, order.order_id, inst.institution_id, inst.name, now)
    checked = projects.check_draft(inst, rec, for_review=True)
    return [*checked.errors, *rules.plan_fits_order(plan, order)]


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise SubmissionInvalid(errors=[e.model_dump() for e in errors])


# --- demand (PH-ORDER-DEMAND, OD-1, OD-3, Q-7) ----------------------------------------------


def _check_form(form: OrderForm) -> None:
    """OD-1: the values come from the vocabularies; the intended institutions may take orders."""
    unknown = rules.form_values_in_vocabulary(form, vocabulary())
    if unknown:
        raise ValidationFailed(
            "所填内容不在目录中，请从列表中选择", errors=[e.model_dump() for e in unknown]
        )
    found = {iid: i for iid in form.intended_institutions if (i := _institution(iid))}
    problems = rules.intended_problems(form, found, _ref_date(), _new_days())
    if problems:
        raise ValidationFailed("意向培训机构不符合要求", errors=[e.model_dump() for e in problems])


def _order_id(county: str, key: str | None, user: User) -> str:
    if key:  # a retried request carries the same key and so names the same order
        digest = hashlib.sha256(f"{user.user_id}:{key}".encode()).hexdigest()[:10]
        return f"{_term()}-ord-{county}-{digest}"
    return f"{_term()}-ord-{county}-{uuid.uuid4().hex[:10]}"


def post_order(user: User, form: OrderForm, now: datetime, key: str | None = None) -> Order:
    """A county bureau posts an order (attachment 3, OD-1); one order is one class (OD-3)."""
    county = _county_of(user)
    _window(PhaseId.ORDER_DEMAND, now)
    _check_form(form)
    order = Order(
        order_id=_order_id(county, key, user),
        term=_term(),
        county=county,
        county_name=region_tree().full_name(county),
        form=form,
        stage=OrderStage.POSTED,
        created_by=user.user_id,
        created_at=now,
        updated_at=now,
    )
    if not store.create_order(order):
        existing = store.get_order(order.order_id)
        if existing.created_by != user.user_id:
            raise OrderStageConflict("订单编号冲突，请重试")
        if existing.form != form:  # the key names another order: refused, nothing written
            raise IdempotencyKeyReused()
        return existing  # a replay: the first answer
    return order


def update_order(user: User, order_id: str, form: OrderForm, now: datetime) -> Order:
    """Correct an order while the demand window is open and it is not yet listed."""
    order = _own_order(user, order_id)
    _window(PhaseId.ORDER_DEMAND, now)
    _check_form(form)
    new = order.model_copy(update={"form": form, "updated_at": now})
    store.replace_order(new, OrderStage.POSTED)
    return new


def county_orders(user: User) -> CountyOrders:
    """A county's orders with their stage and response counts, and how many are missing (Q-7)."""
    county = _county_of(user)
    orders = store.list_orders(_term(), county)
    return CountyOrders(
        county=county,
        county_name=region_tree().full_name(county),
        posted=len(orders),
        required=MIN_ORDERS_PER_COUNTY,
        missing=rules.orders_missing(len(orders)),
        orders=[counted_view(o, len(store.list_responses(o.order_id))) for o in orders],
    )


def get_order(user: User, order_id: str) -> OfferedOrder | CountedOrder:
    """One order as the caller may see it: its county, the centre, or an institution it is
    shown to (OD-2, OD-4; others get 404)."""
    if user.role == Role.INSTITUTION:
        inst = _clerk(user)
        order = _visible_order(inst, order_id)
        mine = store.get_response(order_id, inst.institution_id)
        return OfferedOrder(
            **dict(order_view(order)), my_response=response_view(mine) if mine else None
        )
    if user.role in OVERVIEW_ROLES:
        order = store.get_order(order_id)
        return counted_view(order, len(store.list_responses(order_id)))
    order = _own_order(user, order_id)
    return counted_view(order, len(store.list_responses(order_id)))


# --- list (PH-ORDER-LIST, OD-2) -------------------------------------------------------------


def counties_below_minimum(orders: list[Order]) -> list[CountyShortfall]:
    """Q-7: every county of the province with fewer than 3 orders, with the number missing."""
    tree = region_tree()
    counts: dict[str, int] = {}
    for o in orders:
        counts[o.county] = counts.get(o.county, 0) + 1
    return [
        CountyShortfall(
            county=c.code,
            county_name=tree.full_name(c.code),
            posted=counts.get(c.code, 0),
            missing=rules.orders_missing(counts.get(c.code, 0)),
        )
        for c in tree.counties()
        if rules.orders_missing(counts.get(c.code, 0))
    ]


def overview(user: User) -> OrdersOverview:
    """The centre's view: every county's orders and their stage, and counties below 3 (Q-7)."""
    require(user, *OVERVIEW_ROLES)
    orders = store.list_orders(_term())
    by_stage = {s.value: 0 for s in OrderStage}
    for o in orders:
        by_stage[o.stage.value] += 1
    return OrdersOverview(
        orders=[order_view(o) for o in orders],
        by_stage=by_stage,
        below_minimum=counties_below_minimum(orders),
        required=MIN_ORDERS_PER_COUNTY,
    )


def publish_order_list(user: User, now: datetime) -> OrderListPublished:
    """The centre publishes the order list (PH-ORDER-LIST): every posted order becomes visible
    to the institutions it is meant for (OD-2). Counties below 3 are reported, not blocked
    (Q-7 says "in principle")."""
    require(user, Role.CENTRE)
    _window(PhaseId.ORDER_LIST, now)
    orders = store.list_orders(_term())
    posted = [
        o.model_copy(update={"stage": OrderStage.LISTED, "listed_at": now, "updated_at": now})
        for o in orders
        if o.stage == OrderStage.POSTED
    ]
    listed = store.list_orders_as_listed(posted)
    return OrderListPublished(listed=listed, below_minimum=counties_below_minimum(orders))


# --- respond (PH-ORDER-RESPOND, OD-4, OD-5, AP-6) ---------------------------------------------


def visible_orders(user: User) -> OpenOrders:
    """The orders an institution is shown (OD-2), each with its own response if any; none for
    an institution that may not take orders (OD-4, Q-5)."""
    inst = _clerk(user)
    ref, days = _ref_date(), _new_days()
    qualified = rules.may_take_orders(inst, ref, days)
    mine = {r.order_id: r for r in store.responses_of(inst.institution_id, _term())}
    orders = store.list_orders(_term()) if qualified else []
    shown = [o for o in orders if rules.order_visible_to(o, inst, ref, days)]
    return OpenOrders(
        qualified=qualified,
        reason="" if qualified else NotOrderQualified.message,
        orders=[
            OfferedOrder(
                **dict(order_view(o)),
                my_response=response_view(mine[o.order_id]) if o.order_id in mine else None,
            )
            for o in shown
        ],
    )


def respond(user: User, order_id: str, plan: ProjectDraft, now: datetime) -> OrderResponse:
    """An institution answers an order with a plan for that order alone (OD-5), checked with
    the submission rules of province-wide projects (AP-6); at most once (conditional write)."""
    inst = _clerk(user)
    if not rules.may_take_orders(inst, _ref_date(), _new_days()):
        raise NotOrderQualified()
    order = _visible_order(inst, order_id)
    _window(PhaseId.ORDER_RESPOND, now)
    if order.stage != OrderStage.LISTED:
        raise OrderStageConflict("该订单已不在响应阶段")
    _raise_if(check_plan(inst, order, plan, now))
    resp = OrderResponse(
        order_id=order.order_id,
        term=order.term,
        county=order.county,
        institution_id=inst.institution_id,
        institution_name=inst.name,
        plan=plan,
        status=ResponseStatus.RESPONDED,
        responded_at=now,
        updated_at=now,
    )
    store.respond(resp)
    return resp


def my_response(user: User, order_id: str) -> ResponseView:
    inst = _clerk(user)
    _visible_order(inst, order_id)
    r = store.get_response(order_id, inst.institution_id)
    if r is None:
        raise NotFound("本机构尚未响应该订单")
    return response_view(r)


# --- pick (PH-ORDER-PICK) -------------------------------------------------------------------


def responses_for_county(user: User, order_id: str) -> CountyResponses:
    """The county compares every response side by side (competitors never see each other's)."""
    order = _own_order(user, order_id)
    return CountyResponses(
        order=order_view(order),
        responses=[response_view(r, own=False) for r in store.list_responses(order_id)],
    )


def pick(user: User, order_id: str, institution_id: str, now: datetime) -> Order:
    """The county picks exactly one contractor; the others are told (status not_picked)."""
    order = _own_order(user, order_id)
    _window(PhaseId.ORDER_PICK, now)
    if order.stage != OrderStage.LISTED:
        raise OrderStageConflict("该订单已确定承训机构或尚未公布")
    responses = store.list_responses(order_id)
    chosen = next((r for r in responses if r.institution_id == institution_id), None)
    if chosen is None:
        raise NotFound("该机构没有响应这个订单")
    new = order.model_copy(
        update={
            "stage": OrderStage.PICKED,
            "picked_institution_id": institution_id,
            "picked_at": now,
            "updated_at": now,
        }
    )
    picked = chosen.model_copy(update={"status": ResponseStatus.PICKED, "updated_at": now})
    others = [
        r.model_copy(update={"status": ResponseStatus.NOT_PICKED, "updated_at": now})
        for r in responses
        if r.institution_id != institution_id and r.status == ResponseStatus.RESPONDED
    ]
    title = order.form.title
    told = [
        outbox.put(notices.order_picked(institution_id, order_id, title, order.term, now)),
        *outbox.many(
            notices.order_not_picked_template(title, now),
            [institution_party(r.institution_id) for r in others],
            key=f"not_picked:{order_id}",
        ),
    ]
    store.pick(new, picked, others, told)
    outbox.complete_pending(told)
    return new


# --- revise (PH-ORDER-REVISE) ----------------------------------------------------------------


def _person_record(p: PersonInput, now: datetime) -> PersonRecord:
    return PersonRecord(
        id_number=p.id_number or "",
        name=p.name or "",
        title=p.title or "",
        organisation=p.organisation or "",
        expertise=p.expertise,
        updated_at=now,
    )


def revise(
    user: User, order_id: str, plan: ProjectDraft, submit: bool, now: datetime
) -> OrderResponse:
    """The picked institution revises its plan and, with `submit`, formally applies (正式申报):
    every rule checked again (AP-6), then one transaction that moves order and response and
    holds the leader's classes (AP-3), registration (AP-4) and the people (AP-7)."""
    inst = _clerk(user)
    order = _visible_order(inst, order_id)
    _window(PhaseId.ORDER_REVISE, now)
    if order.picked_institution_id != inst.institution_id:
        raise Forbidden("只有中选的承训机构可以修订并正式申报")
    current = store.get_response(order_id, inst.institution_id)
    if current is None or current.status != ResponseStatus.PICKED:
        raise OrderStageConflict("方案已正式申报，不能再修改")
    if not submit:
        new = current.model_copy(update={"plan": plan, "updated_at": now})
        store.save_revision(new)
        return new
    _raise_if(check_plan(inst, order, plan, now))
    new = current.model_copy(
        update={
            "plan": plan,
            "status": ResponseStatus.SUBMITTED,
            "updated_at": now,
            "submitted_at": now,
        }
    )
    new_order = order.model_copy(
        update={"stage": OrderStage.SUBMITTED, "submitted_at": now, "updated_at": now}
    )
    table = quota_table(_term())
    people = {p.id_number: _person_record(p, now) for p in [plan.leader, *plan.instructors]}
    store.submit_revision(
        new_order,
        new,
        leader_id=plan.leader.id_number or "",
        classes=len(plan.classes),
        leader_room=table.max_leader_classes - len(plan.classes),
        people=list(people.values()),
    )
    return new


# --- publish (PH-ORDER-PUBLISH, PH-2) ---------------------------------------------------------


def order_project(order: Order, resp: OrderResponse, now: datetime) -> Project:
    """The published order project: the plan as a catalog project (the projects context's
    `catalog_project`), kind ORDER of the ordering county, selectable only by its teachers."""
    rec = _as_record(resp.plan, order.order_id, resp.institution_id, resp.institution_name, now)
    inst = _institution(resp.institution_id)
    if inst is None:
        raise NotFound("承训机构不存在")
    # PH-ORDER-PUBLISH: the ordering county is the project's responsible bureau (SE-3, CH-3).
    region = project_rules.responsible_bureau_region(inst, order.county)
    doc = projects.catalog_project(rec, now, region)
    data = doc.model_dump()
    data.update(
        kind=ProjectKind.ORDER,
        order_county=order.county,
        target=Target(
            description=resp.plan.target.description or order.form.target,
            region_codes=(order.county,),
            stages=resp.plan.target.stages,
            subjects=resp.plan.target.subjects,
        ),
    )
    return Project.model_validate(data)


def publish_order_project(user: User, order_id: str, now: datetime) -> PublishedOrder:
    """The county reviews the formally submitted plan and publishes it as an order project of
    the county, then asks for the site to be published the way published projects are."""
    order = _own_order(user, order_id)
    _window(PhaseId.ORDER_PUBLISH, now)
    if order.stage != OrderStage.SUBMITTED or not order.picked_institution_id:
        raise OrderStageConflict("只有承训机构已正式申报的订单可以发布")
    resp = store.get_response(order_id, order.picked_institution_id)
    if resp is None:
        raise OrderStageConflict("承训机构的方案不存在")
    project = order_project(order, resp, now)
    new_order = order.model_copy(
        update={
            "stage": OrderStage.PUBLISHED,
            "published_at": now,
            "updated_at": now,
            "project_id": project.project_id,
        }
    )
    new_resp = resp.model_copy(update={"status": ResponseStatus.PUBLISHED, "updated_at": now})
    store.write_order_publication(new_order, new_resp, project)
    site_state = site.request_publication(
        order.term, "an order project was published", [project.project_id]
    )
    return PublishedOrder(**dict(order_view(new_order)), site=site_state.model_dump())


# --- export ------------------------------------------------------------------------------------


def export_orders(user: User) -> tuple[str, bytes]:
    """Every order in the attachment-3 layout (xlsx), for the centre."""
    from functions.orders import export

    require(user, *OVERVIEW_ROLES)
    orders = store.list_orders(_term())
    names: dict[str, str] = {}
    for o in orders:
        for iid in [*o.form.intended_institutions, o.picked_institution_id or ""]:
            if iid and iid not in names:
                inst = _institution(iid)
                names[iid] = inst.name if inst else iid
    return f"{_term()}订单式培训项目订单.xlsx", export.orders_workbook(orders, names)
