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


def _selection_item(sel: Selection, request_key: str | None) -> dict[str, Any]:
    """The full selection item: record fields, index keys, the request key and its history."""
    return {
        **keys.selection(sel.teacher_id, sel.term, sel.class_id),
        **keys.selection_by_class(sel.class_id, sel.teacher_id),
        **keys.selection_by_school(sel.school_id, sel.term, sel.class_id, sel.teacher_id),
        **sel.model_dump(mode="json"),
        "request_key": request_key or "",
        "history": [_event("selected", sel.created_at, round=sel.round)],
    }


def _put_new_selection(item: dict[str, Any]) -> dict[str, Any]:
    """First selection of this class by this teacher: a plain conditional Put (the hot path)."""
    return {
        "Put": {
            "TableName": settings().table_name,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def _reopen_selection(item: dict[str, Any]) -> dict[str, Any]:
    """Selecting a class again after withdrawing or being rejected: overwrite the record's fields
    and append to its history, only if its current status allows it."""
    fields = {k: v for k, v in item.items() if k not in ("PK", "SK", "history")}
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    values: dict[str, Any] = {f":f{i}": v for i, v in enumerate(fields.values())}
    values.update({f":re{i}": st.value for i, st in enumerate(_REOPENABLE)})
    values[":ev"] = item["history"]
    names["#st"], names["#h"] = "status", "history"
    sets = ", ".join(f"#f{i} = :f{i}" for i in range(len(fields)))
    reopenable = ", ".join(f":re{i}" for i in range(len(_REOPENABLE)))
    return {
        "Update": {
            "TableName": settings().table_name,
            "Key": {"PK": item["PK"], "SK": item["SK"]},
            "UpdateExpression": f"SET {sets}, #h = list_append(#h, :ev)",
            "ConditionExpression": f"#st IN ({reopenable})",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def hold_seat(sel: Selection, days: list[date], limit: int, request_key: str | None) -> Selection:
    """Take a seat for `sel` (SE-4) in one transaction: seat counter, selection, teacher load.

    The seat counter's condition guards capacity (SE-4); the selection's guards one record per
    teacher and class; the teacher's term load guards the per-term limit, date clashes and, in
    round 2, round-1 participation (SE-2). A retry carrying the same `request_key` returns the
    first result and changes nothing. Selecting a class again after withdrawing is a second
    transaction shape (`_reopen_selection`), tried only when the first one reports it.
    """
    name = settings().table_name
    day_values = _days(days)
    clash = " AND ".join(f"NOT contains(#days, :d{i})" for i in range(len(day_values)))
    load_cond = f"(attribute_not_exists(#held) OR #held < :limit) AND {clash}"
    load_values: dict[str, Any] = {
        ":one": 1,
        ":limit": limit,
        ":dayset": set(day_values),
        ":true": True,
        **{f":d{i}": d for i, d in enumerate(day_values)},
    }
    load_update = "ADD #held :one, #days :dayset"
    if sel.round == 1:
        load_update += " SET #r1 = :true"
    else:
        load_cond += " AND #r1 = :true"

    seat_op = {
        "Update": {
            "TableName": name,
            "Key": keys.class_seats(sel.class_id),
            "UpdateExpression": "SET #held = #held + :one",
            "ConditionExpression": "attribute_exists(PK) AND #held < #cap",
            "ExpressionAttributeNames": {"#held": "held", "#cap": "capacity"},
            "ExpressionAttributeValues": {":one": 1},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    load_op = {
        "Update": {
            "TableName": name,
            "Key": keys.teacher_term(sel.teacher_id, sel.term),
            "UpdateExpression": load_update,
            "ConditionExpression": load_cond,
            "ExpressionAttributeNames": {"#held": "held", "#days": "days", "#r1": "r1"},
            "ExpressionAttributeValues": load_values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    item = _selection_item(sel, request_key)
    try:
        store.transact_write([seat_op, _put_new_selection(item), load_op])
        return sel
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        old = store.cancellation_item(exc, 1) or {}
        if old.get("status") not in {st.value for st in _REOPENABLE}:
            return _explain_hold_failure(exc, sel, days, limit, request_key)
    try:
        store.transact_write([seat_op, _reopen_selection(item), load_op])
        return sel
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        return _explain_hold_failure(exc, sel, days, limit, request_key)


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
