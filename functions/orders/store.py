"""Data access for orders and responses: items, reads, and the conditional writes that enforce
the state-dependent order rules (one response per institution, one contractor per order, each
step only from the order's previous stage).

The order item (ORDER#<oid> | META) carries `stage` and the `doc` (schemas.orders.Order); each
response (ORDER#<oid> | RESP#<iid>) carries `status` and its `doc` (schemas.orders.OrderResponse).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.common import catalog, keys, store
from functions.common.errors import (
    AlreadyResponded,
    Conflict,
    LeaderClassLimit,
    LeaderOtherInstitution,
    NotFound,
    OrderStageConflict,
    PersonMismatch,
)
from functions.common.settings import settings
from functions.projects.store import person_item
from schemas.catalog import Project
from schemas.orders import Order, OrderResponse, OrderStage, ResponseStatus
from schemas.projects import PersonRecord


def order_item(o: Order) -> dict[str, Any]:
    return {
        **keys.order(o.order_id),
        **keys.order_by_term(o.term, o.county, o.order_id),
        "stage": o.stage.value,
        "county": o.county,
        "doc": o.model_dump_json(),
    }


def response_item(r: OrderResponse) -> dict[str, Any]:
    return {
        **keys.order_response(r.order_id, r.institution_id),
        **keys.response_by_institution(r.institution_id, r.term, r.order_id),
        "status": r.status.value,
        "doc": r.model_dump_json(),
    }


def _op(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {kind: {"TableName": settings().table_name, **body}}


def _put(item: dict[str, Any], condition: str | None = None, **expr: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Item": item, **expr}
    if condition:
        body["ConditionExpression"] = condition
    return _op("Put", body)


def _put_in_stage(o: Order, *stages: OrderStage) -> dict[str, Any]:
    values = {f":s{i}": s.value for i, s in enumerate(stages)}
    return _put(
        order_item(o),
        f"#st IN ({', '.join(values)})",
        ExpressionAttributeNames={"#st": "stage"},
        ExpressionAttributeValues=values,
    )


def _put_in_status(r: OrderResponse, status: ResponseStatus) -> dict[str, Any]:
    return _put(
        response_item(r),
        "#st = :s",
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues={":s": status.value},
    )


# --- reads -----------------------------------------------------------------------------------


def get_order(order_id: str) -> Order:
    item = store.get_item(keys.order(order_id), consistent=True)
    if not item:
        raise NotFound("订单不存在")
    return Order.model_validate_json(item["doc"])


def list_orders(term: str, county: str | None = None) -> list[Order]:
    """A term's orders, or one county's (sorted by county, then order id)."""
    pk = keys.order_by_term(term, "", "")["GSI1PK"]
    if county:
        items = store.query_pages(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :p)",
            ExpressionAttributeValues={":pk": pk, ":p": f"{county}#"},
        )
    else:
        items = store.query_pages(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": pk},
        )
    return [Order.model_validate_json(i["doc"]) for i in items]


def list_responses(order_id: str) -> list[OrderResponse]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.order(order_id)["PK"],
            ":p": keys.RESPONSE_PREFIX,
        },
        ConsistentRead=True,
    )
    return [OrderResponse.model_validate_json(i["doc"]) for i in items]


def get_response(order_id: str, institution_id: str) -> OrderResponse | None:
    item = store.get_item(keys.order_response(order_id, institution_id), consistent=True)
    return OrderResponse.model_validate_json(item["doc"]) if item else None


def responses_of(institution_id: str, term: str) -> list[OrderResponse]:
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk AND begins_with(GSI2SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.response_by_institution(institution_id, term, "")["GSI2PK"],
            ":p": f"{term}#",
        },
    )
    return [OrderResponse.model_validate_json(i["doc"]) for i in items]


# --- writes ----------------------------------------------------------------------------------


def create_order(o: Order) -> bool:
    """Put a new order; False if an order with this id exists (an idempotent retry)."""
    try:
        store.put_item(order_item(o), condition="attribute_not_exists(PK)")
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def replace_order(o: Order, *expect: OrderStage) -> None:
    """Write `o` if the stored order is in one of `expect` (else OrderStageConflict)."""
    try:
        store.transact_write([_put_in_stage(o, *expect)])
    except ClientError as exc:
        if store.failed_conditions(exc):
            raise OrderStageConflict() from exc
        raise


def respond(r: OrderResponse) -> None:
    """OD-5: the response, only if this institution has none for the order (at most once) and
    the order is listed (open to responses)."""
    ops = [
        _put(response_item(r), "attribute_not_exists(PK)"),
        _op(
            "ConditionCheck",
            {
                "Key": keys.order(r.order_id),
                "ConditionExpression": "#st = :s",
                "ExpressionAttributeNames": {"#st": "stage"},
                "ExpressionAttributeValues": {":s": OrderStage.LISTED.value},
            },
        ),
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            raise AlreadyResponded() from exc
        if 1 in failed:
            raise OrderStageConflict("该订单已不在响应阶段（已确定承训机构或尚未公布）") from exc
        raise


def pick(
    o: Order,
    picked: OrderResponse,
    others: Sequence[OrderResponse],
    told: Sequence[dict[str, Any]] = (),
) -> None:
    """One contractor per order, in one transaction: the order listed -> picked, the picked
    response and every other response (told they were not picked) still `responded`, and the
    institutions' messages (`told`, outbox ops: after the responses, so indexes stay)."""
    ops = [_put_in_stage(o, OrderStage.LISTED), _put_in_status(picked, ResponseStatus.RESPONDED)]
    ops += [_put_in_status(r, ResponseStatus.RESPONDED) for r in others]
    ops += told
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            raise OrderStageConflict("该订单已确定承训机构，不能重复遴选") from exc
        raise Conflict("响应情况已变化，请刷新后重试") from exc


def save_revision(r: OrderResponse) -> None:
    """The contractor's revised plan, while it is still `picked` (not yet formally submitted)."""
    try:
        store.transact_write([_put_in_status(r, ResponseStatus.PICKED)])
    except ClientError as exc:
        if store.failed_conditions(exc):
            raise OrderStageConflict("方案已正式申报，不能再修改") from exc
        raise


def submit_revision(
    o: Order,
    r: OrderResponse,
    *,
    leader_id: str,
    classes: int,
    leader_room: int,
    people: Sequence[PersonRecord],
) -> None:
    """Formal submission (正式申报) in ONE transaction, with the state rules of province-wide
    projects (AP-6): 0 the order picked -> submitted, 1 the response picked -> submitted,
    2 the leader's term load (AP-3), 3 the leader registration (AP-4), then the person
    records (AP-7). Order projects hold no quota slot (Q-1 … Q-5 count province-wide
    submissions; the county ordered this one)."""
    ops = [
        _put_in_stage(o, OrderStage.PICKED),
        _put_in_status(r, ResponseStatus.PICKED),
        store.counter_op(
            keys.leader_load(leader_id, o.term),
            "classes",
            classes,
            "attribute_not_exists(#a) OR #a <= :room",
            {":room": leader_room},
        ),
        _op(
            "Update",
            {
                "Key": keys.leader_registration(leader_id),
                "UpdateExpression": "SET #i = :iid",
                "ConditionExpression": "attribute_not_exists(PK) OR #i = :iid",
                "ExpressionAttributeNames": {"#i": "institution_id"},
                "ExpressionAttributeValues": {":iid": r.institution_id},
            },
        ),
    ]
    ops += [
        _put(
            person_item(p),
            "attribute_not_exists(PK) OR #n = :n",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":n": p.name},
        )
        for p in people
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed or 1 in failed:
            raise OrderStageConflict("方案已正式申报或订单状态已变化") from exc
        if 2 in failed:
            raise LeaderClassLimit() from exc
        if 3 in failed:
            raise LeaderOtherInstitution() from exc
        if failed:
            raise PersonMismatch() from exc
        raise


def write_order_publication(o: Order, r: OrderResponse, project: Project) -> None:
    """PH-ORDER-PUBLISH in one transaction: the order submitted -> published, the response
    likewise, the order project's item (new) and the catalog's items for it
    (`catalog.publication_ops`: document, classes, seat counters created only if absent)."""
    ops = [
        _put_in_stage(o, OrderStage.SUBMITTED),
        _put_in_status(r, ResponseStatus.SUBMITTED),
        _put(catalog.project_item(project), "attribute_not_exists(PK)"),
        *catalog.publication_ops(project),
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed or 1 in failed:
            raise OrderStageConflict("该订单已发布或尚未正式申报") from exc
        raise Conflict("项目或班期编号已被占用，无法发布") from exc


def list_orders_as_listed(orders: Sequence[Order]) -> list[str]:
    """PH-ORDER-LIST: each posted order -> listed (one conditional write per order, so a
    re-publication skips orders already listed). Returns the ids it listed."""
    done = []
    for o in orders:
        try:
            store.transact_write([_put_in_stage(o, OrderStage.POSTED)])
        except ClientError as exc:
            if store.failed_conditions(exc):
                continue
            raise
        done.append(o.order_id)
    return done
