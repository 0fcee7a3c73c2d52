"""Selection data access: every seat change is one TransactWriteItems, no read on the way.

The transaction's condition expressions enforce the state-dependent rules (SE-4 capacity, one
record per teacher and class, the per-term class limit, date clashes, SE-2 round-2 eligibility);
cancellation reasons are translated into domain errors here and nowhere else.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.common import keys, store
from functions.common.errors import (
    AlreadySelected,
    ClassFull,
    DateClash,
    NotFound,
    NotSelected,
    Round2NotAllowed,
    TermLimitReached,
)
from functions.common.settings import settings
from schemas.selection import SEAT_HOLDING, SeatsView, Selection, SelectionStatus

_REOPENABLE = (
    SelectionStatus.WITHDRAWN,
    SelectionStatus.SCHOOL_REJECTED,
    SelectionStatus.RECHECK_REJECTED,
)
_WITHDRAWABLE = (SelectionStatus.PENDING, SelectionStatus.SCHOOL_APPROVED)


def _days(days: list[date]) -> list[str]:
    return [d.isoformat() for d in days]


def _selection_from_item(item: dict[str, Any]) -> Selection:
    return Selection.model_validate({k: item[k] for k in Selection.model_fields if k in item})


def _event(kind: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"event": kind, "at": at.isoformat(), **extra}


def hold_seat(sel: Selection, days: list[date], limit: int, request_key: str | None) -> Selection:
    """Take a seat for `sel` (SE-4) in one transaction: seat counter, selection, teacher load.

    A retry carrying the same `request_key` returns the first result and changes nothing.
    """
    name = settings().table_name
    day_values = _days(days)
    clash = " AND ".join(f"NOT contains(#days, :d{i})" for i in range(len(day_values)))
    load_cond = f"(attribute_not_exists(#held) OR #held < :limit) AND {clash}"
    load_values: dict[str, Any] = {
        ":one": 1,
        ":limit": limit,
        ":dayset": set(day_values),
        **{f":d{i}": d for i, d in enumerate(day_values)},
    }
    load_set = ""
    if sel.round == 1:
        load_set = " SET #r1 = :true"
        load_values[":true"] = True
    else:
        load_cond += " AND #r1 = :true"
        load_values[":true"] = True

    fields = sel.model_dump(mode="json")
    set_names = {f"#f_{k}": k for k in fields}
    set_values = {f":f_{k}": v for k, v in fields.items()}
    set_expr = "SET " + ", ".join(f"#f_{k} = :f_{k}" for k in fields)
    index_attrs = {
        **keys.selection_by_class(sel.class_id, sel.teacher_id),
        **keys.selection_by_school(sel.school_id, sel.term, sel.class_id, sel.teacher_id),
    }
    set_expr += ", " + ", ".join(f"{k} = :{k}" for k in index_attrs)
    set_values.update({f":{k}": v for k, v in index_attrs.items()})
    set_expr += ", request_key = :rk, history = list_append(if_not_exists(history, :empty), :ev)"
    set_values.update(
        {
            ":rk": request_key or "",
            ":empty": [],
            ":ev": [_event("selected", sel.created_at, round=sel.round)],
            **{f":re{i}": s.value for i, s in enumerate(_REOPENABLE)},
        }
    )
    reopen = " OR ".join(f"#f_status = :re{i}" for i in range(len(_REOPENABLE)))

    items = [
        {
            "Update": {
                "TableName": name,
                "Key": keys.class_seats(sel.class_id),
                "UpdateExpression": "SET #held = #held + :one",
                "ConditionExpression": "attribute_exists(PK) AND #held < #cap",
                "ExpressionAttributeNames": {"#held": "held", "#cap": "capacity"},
                "ExpressionAttributeValues": {":one": 1},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": keys.selection(sel.teacher_id, sel.term, sel.class_id),
                "UpdateExpression": set_expr,
                "ConditionExpression": f"attribute_not_exists(PK) OR {reopen}",
                "ExpressionAttributeNames": set_names,
                "ExpressionAttributeValues": set_values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": keys.teacher_term(sel.teacher_id, sel.term),
                "UpdateExpression": "ADD #held :one, #days :dayset" + load_set,
                "ConditionExpression": load_cond,
                "ExpressionAttributeNames": {"#held": "held", "#days": "days", "#r1": "r1"},
                "ExpressionAttributeValues": load_values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]
    try:
        store.transact_write(items)
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        return _explain_hold_failure(exc, sel, days, limit, request_key)
    return sel


def _explain_hold_failure(
    exc: ClientError, sel: Selection, days: list[date], limit: int, request_key: str | None
) -> Selection:
    codes = store.cancellation_codes(exc)
    failed = [i for i, c in enumerate(codes) if c == "ConditionalCheckFailed"]
    if 1 in failed:
        old = store.cancellation_item(exc, 1) or {}
        if (
            request_key
            and old.get("request_key") == request_key
            and old.get("status") in {s.value for s in SEAT_HOLDING}
        ):
            return _selection_from_item(old)  # a retry of a request that already succeeded
        raise AlreadySelected()
    if 0 in failed:
        if store.cancellation_item(exc, 0) is None:
            raise NotFound("该班期不存在或尚未发布")
        raise ClassFull()
    if 2 in failed:
        load = store.cancellation_item(exc, 2) or {}
        if sel.round == 2 and not load.get("r1"):
            raise Round2NotAllowed()
        if int(load.get("held", 0)) >= limit:
            raise TermLimitReached(f"本学期最多可选 {limit} 个班期，你已选满")
        other = _clashing(sel, days)
        if other:
            raise DateClash(
                f"与已选的《{other.project_title}》{other.class_name}"
                f"（{other.start_date:%m月%d日}—{other.end_date:%m月%d日}）培训日期冲突",
                clash_class_id=other.class_id,
            )
        raise DateClash()
    raise AssertionError(f"unexplained cancellation {codes}")


def _clashing(sel: Selection, days: list[date]) -> Selection | None:
    """The teacher's seat-holding selection whose dates overlap `days` (failure path only)."""
    wanted = set(days)
    for other in list_for_teacher(sel.teacher_id, sel.term):
        if other.status not in SEAT_HOLDING or other.class_id == sel.class_id:
            continue
        span = {
            date.fromordinal(o)
            for o in range(other.start_date.toordinal(), other.end_date.toordinal() + 1)
        }
        if span & wanted:
            return other
    return None


def release_seat(
    teacher_id: str,
    term: str,
    class_id: str,
    days: list[date],
    at: datetime,
    request_key: str | None,
) -> Selection:
    """Withdraw (退选): the selection, the seat counter and the teacher's load in one transaction."""
    name = settings().table_name
    items = [
        {
            "Update": {
                "TableName": name,
                "Key": keys.selection(teacher_id, term, class_id),
                "UpdateExpression": "SET #st = :wd, updated_at = :at, withdraw_key = :wk, "
                "history = list_append(history, :ev)",
                "ConditionExpression": "#st IN (:s0, :s1)",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {
                    ":wd": SelectionStatus.WITHDRAWN.value,
                    ":at": at.isoformat(),
                    ":wk": request_key or "",
                    ":ev": [_event("withdrawn", at)],
                    ":s0": _WITHDRAWABLE[0].value,
                    ":s1": _WITHDRAWABLE[1].value,
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": keys.class_seats(class_id),
                "UpdateExpression": "SET #held = #held - :one",
                "ConditionExpression": "#held > :zero",
                "ExpressionAttributeNames": {"#held": "held"},
                "ExpressionAttributeValues": {":one": 1, ":zero": 0},
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": keys.teacher_term(teacher_id, term),
                "UpdateExpression": "ADD #held :minus DELETE #days :dayset",
                "ConditionExpression": "#held > :zero",
                "ExpressionAttributeNames": {"#held": "held", "#days": "days"},
                "ExpressionAttributeValues": {
                    ":minus": -1,
                    ":zero": 0,
                    ":dayset": set(_days(days)),
                },
            }
        },
    ]
    try:
        store.transact_write(items)
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        old = store.cancellation_item(exc, 0) or {}
        if (
            request_key
            and old.get("status") == SelectionStatus.WITHDRAWN.value
            and old.get("withdraw_key") == request_key
        ):
            return _selection_from_item(old)
        raise NotSelected() from exc
    return get_selection(teacher_id, term, class_id)


def get_selection(teacher_id: str, term: str, class_id: str) -> Selection:
    item = store.get_item(keys.selection(teacher_id, term, class_id), consistent=True)
    if not item:
        raise NotSelected()
    return _selection_from_item(item)


def list_for_teacher(teacher_id: str, term: str) -> list[Selection]:
    pk = keys.teacher_term(teacher_id, term)["PK"]
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": pk, ":p": keys.selection_prefix(term)},
        ConsistentRead=True,
    )
    return [_selection_from_item(i) for i in items]


def seats(class_ids: list[str]) -> list[SeatsView]:
    """Seats left per class (public read: the project pages poll it)."""
    items = store.batch_get([keys.class_seats(c) for c in dict.fromkeys(class_ids)])
    out = []
    for it in items:
        cap, held = int(it["capacity"]), int(it["held"])
        out.append(
            SeatsView(
                class_id=it["PK"].removeprefix("CLASS#"),
                capacity=cap,
                held=held,
                left=max(0, cap - held),
            )
        )
    return sorted(out, key=lambda s: s.class_id)
