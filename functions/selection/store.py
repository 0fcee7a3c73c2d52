"""Selection data access: every seat change is one TransactWriteItems.

The transaction's condition expressions enforce the state-dependent rules (SE-4 capacity, one
record per teacher and class, the per-term class limit, date clashes, SE-2 round-2 eligibility);
cancellation reasons are translated into domain errors here and nowhere else.

Taking a seat (the hot path) reads nothing, and no write reads its result back (its
conditions make the outcome known). Every write that frees a seat (withdrawal, school
rejection, recheck rejection) or adds seats (accepted expansion) promotes the waitlist's head in
the SAME transaction (`_change_seats`): the freed seat never exists without its promotion. The
waitlist (候补) lives on the class partition: the seat counter carries `wl_tail` (sequence numbers
handed out) and `wl_len` (entries waiting); entries are `CLASS#<cid> | WAIT#<seq>`, so a Query
returns them in joining order. Invariant kept by the conditions: while `wl_len > 0` the class
has no free seat (`held == capacity`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.common import catalog, keys, notices, outbox, records, store
from functions.common.auth import still
from functions.common.errors import (
    AccountChanged,
    AlreadySelected,
    AlreadyWaitlisted,
    Busy,
    ClassCancelled,
    ClassFull,
    DateClash,
    ExpansionExists,
    NotFound,
    NotSelected,
    Round2NotAllowed,
    SeatsAvailable,
    TermLimitReached,
    WrongStatus,
)
from functions.common.idempotency import Idem
from functions.common.settings import settings
from schemas.catalog import ClassInfo
from schemas.people import Teacher, User
from schemas.selection import (
    SEAT_HOLDING,
    ClosingJob,
    Expansion,
    ExpansionState,
    SeatsView,
    Selection,
    SelectionStatus,
    WithdrawalRight,
)

_REOPENABLE = (
    SelectionStatus.WITHDRAWN,
    SelectionStatus.SCHOOL_REJECTED,
    SelectionStatus.RECHECK_REJECTED,
    SelectionStatus.WAITLIST_DROPPED,
    SelectionStatus.WAITLIST_CLOSED,
    SelectionStatus.CANCELLED,
)
_WITHDRAWABLE = (SelectionStatus.PENDING, SelectionStatus.SCHOOL_APPROVED)
# With a CH-3 withdrawal right a confirmed selection may be withdrawn as well.
_WITHDRAWABLE_WITH_RIGHT = (*_WITHDRAWABLE, SelectionStatus.CONFIRMED)
# Promotions per transaction: 4 items each (entry, selection, load, message), under the
# 100-item TransactWriteItems limit with the caller's base ops and the seat counter.
MAX_PROMOTE = 20
_PROMO_OPS = 4
_PROMO_LOAD = 2  # index of the promoted teacher's load op within a promotion
_MAX_ATTEMPTS = 8  # optimistic re-reads of the waitlist head before answering Busy


def _days(days: list[date]) -> list[str]:
    return [d.isoformat() for d in days]


def held_days(sel: Selection) -> list[date]:
    """The days a seat-holding selection holds on its teacher's term load: its own dates."""
    n = (sel.end_date - sel.start_date).days
    return [date.fromordinal(sel.start_date.toordinal() + i) for i in range(n + 1)]


def _selection_from_item(item: dict[str, Any]) -> Selection:
    return Selection.model_validate({k: item[k] for k in Selection.model_fields if k in item})


def _event(kind: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"event": kind, "at": at.isoformat(), **extra}


def _selection_item(sel: Selection) -> dict[str, Any]:
    """The full selection item: record fields, index keys and its history."""
    return {
        **keys.selection(sel.teacher_id, sel.term, sel.class_id),
        **keys.selection_by_class(sel.class_id, sel.teacher_id),
        **keys.selection_by_school(sel.school_id, sel.term, sel.class_id, sel.teacher_id),
        **sel.model_dump(mode="json", exclude_none=True),
        "history": [
            _event(
                "waitlisted" if sel.status == SelectionStatus.WAITLISTED else "selected",
                sel.created_at,
                round=sel.round,
            )
        ],
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


def _load_take_op(
    teacher_id: str, term: str, rnd: int, days: list[date], limit: int, take: bool = True
) -> dict[str, Any]:
    """The teacher's term load: +1 class and its days, if under the limit (per-term limit), no
    day already taken (date clash) and, in round 2, round 1 taken part in (SE-2).

    `take=False` (joining a waitlist) checks the same conditions and only records round-1
    participation: a waitlisted teacher holds no seat and no days until promoted."""
    day_values = _days(days)
    clash = " AND ".join(f"NOT contains(#days, :d{i})" for i in range(len(day_values)))
    cond = f"(attribute_not_exists(#held) OR #held < :limit) AND {clash}"
    values: dict[str, Any] = {":limit": limit, **{f":d{i}": d for i, d in enumerate(day_values)}}
    names = {"#held": "held", "#days": "days"}
    if rnd == 2:
        cond += " AND #r1 = :true"
        values[":true"] = True
        names["#r1"] = "r1"
    op: dict[str, Any] = {
        "TableName": settings().table_name,
        "Key": keys.teacher_term(teacher_id, term),
        "ConditionExpression": cond,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if take:
        op["UpdateExpression"] = "ADD #held :one, #days :dayset"
        values.update({":one": 1, ":dayset": set(day_values)})
        if rnd == 1:
            op["UpdateExpression"] += " SET #r1 = :true"
            values[":true"] = True
            names["#r1"] = "r1"
        return {"Update": op}
    if rnd == 1:
        op["UpdateExpression"] = "SET #r1 = :true"
        values[":true"] = True
        names["#r1"] = "r1"
        return {"Update": op}
    return {"ConditionCheck": op}


def _load_release_op(teacher_id: str, term: str, days: list[date]) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": settings().table_name,
            "Key": keys.teacher_term(teacher_id, term),
            "UpdateExpression": "ADD #held :minus DELETE #days :dayset",
            "ConditionExpression": "#held > :zero",
            "ExpressionAttributeNames": {"#held": "held", "#days": "days"},
            "ExpressionAttributeValues": {":minus": -1, ":zero": 0, ":dayset": set(_days(days))},
        }
    }


# --- held days: a teacher's term load holds exactly the days of the classes they hold --------
#
# The load's `days` is the union of the days of the teacher's seat-holding selections, and a
# selection's dates are always its class's. Two held classes share a day only after an approved
# date change moved one onto the other (CH-3: a clash the teacher is told of and may resolve by
# withdrawing either); every selection with a day in common with another carries `shares_days`.
# Freeing a seat then takes one of two shapes:
# - plain (the selection shares no day: every seat but those): DELETE its days from the load,
#   no read; the selection's write is conditioned on its dates and on it sharing no day;
# - exact (it shares days): the load, then the teacher's selections are read (strongly
#   consistent, in that order: any change after the first read changes the load) and the load is
#   SET to the days the other held classes hold, conditioned on the days read and on each other
#   selection still holding its seat on the dates read; a concurrent change fails the write and
#   the caller computes again. Markers no longer true are removed in the same write (a day stays
#   shared only while two held classes hold it).
_SHARES_NONE = "(attribute_not_exists(shares_days) OR shares_days = :noshare)"


@dataclass(frozen=True)
class _Release:
    """How one seat's days leave its teacher's load (see "held days" above)."""

    load_op: dict[str, Any]  # the teacher's load: -1 class and the days
    selection_cond: str  # added to the freed selection's own condition
    values: dict[str, Any]  # the values `selection_cond` uses
    extra: list[dict[str, Any]]  # the teacher's other held selections as read (`_others_ops`)
    exact: bool  # the load and `extra` are conditioned on what was read: failing, read again


def _span(sel: Selection) -> set[str]:
    return set(_days(held_days(sel)))


def _teacher_state(teacher_id: str, term: str) -> tuple[set[str], list[Selection]]:
    """The days on the teacher's load, then their seat-holding selections (see "held days")."""
    load = store.get_item(keys.teacher_term(teacher_id, term), consistent=True) or {}
    days = {str(d) for d in load.get("days", set())}
    held = [s for s in list_for_teacher(teacher_id, term) if s.status in SEAT_HOLDING]
    return days, held


def _load_set_op(
    teacher_id: str, term: str, current: set[str], new: set[str], held_delta: int
) -> dict[str, Any]:
    """The teacher's load set to exactly `new` days (and `held` moved by `held_delta`), only if
    its days are still `current`."""
    names = {"#days": "days"}
    values: dict[str, Any] = {}
    update = "SET #days = :new" if new else "REMOVE #days"
    if new:
        values[":new"] = new
    cond = "#days = :cur" if current else "attribute_not_exists(#days)"
    if current:
        values[":cur"] = current
    if held_delta:
        names["#held"] = "held"
        update = f"ADD #held :hd {update}"
        values[":hd"] = held_delta
        if held_delta < 0:
            cond += " AND #held > :zero"
            values[":zero"] = 0
    op: dict[str, Any] = {
        "TableName": settings().table_name,
        "Key": keys.teacher_term(teacher_id, term),
        "UpdateExpression": update,
        "ConditionExpression": cond,
        "ExpressionAttributeNames": names,
    }
    if values:
        op["ExpressionAttributeValues"] = values
    return {"Update": op}


def _others_ops(after: list[tuple[Selection, set[str]]], skip: str = "") -> list[dict[str, Any]]:
    """One op per selection among `after` (the teacher's seat-holding selections once the write
    is done, with their days) but `skip` (the caller's own): each is conditioned on still
    holding its seat on the dates read (the load's days alone would not show a change that
    leaves their union as it was), and brings `shares_days` in line: true of exactly those with
    a day in common with another; one that shares nothing any more loses its `clash_with`."""
    holding = {f":h{i}": st.value for i, st in enumerate(SEAT_HOLDING)}
    ops: list[dict[str, Any]] = []
    for sel, mine in after:
        if sel.class_id == skip:
            continue
        shares = any(mine & theirs for other, theirs in after if other.class_id != sel.class_id)
        op: dict[str, Any] = {
            "TableName": settings().table_name,
            "Key": keys.selection(sel.teacher_id, sel.term, sel.class_id),
            "ConditionExpression": f"#st IN ({', '.join(holding)}) "
            "AND start_date = :sd AND end_date = :ed",
            "ExpressionAttributeNames": {"#st": "status"},
            "ExpressionAttributeValues": {
                **holding,
                ":sd": sel.start_date.isoformat(),
                ":ed": sel.end_date.isoformat(),
            },
        }
        if shares and not sel.shares_days:
            op["UpdateExpression"] = "SET shares_days = :t"
            op["ExpressionAttributeValues"][":t"] = True
        elif not shares and (sel.shares_days or sel.clash_with):
            op["UpdateExpression"] = "REMOVE shares_days, clash_with"
        else:
            ops.append({"ConditionCheck": op})
            continue
        ops.append({"Update": op})
    return ops


def _plain_release(teacher_id: str, term: str, days: list[date]) -> _Release:
    return _Release(
        load_op=_load_release_op(teacher_id, term, days),
        selection_cond=f"start_date = :rsd AND end_date = :red AND {_SHARES_NONE}",
        values={":rsd": days[0].isoformat(), ":red": days[-1].isoformat(), ":noshare": False},
        extra=[],
        exact=False,
    )


def _exact_release(sel: Selection) -> _Release:
    current, held = _teacher_state(sel.teacher_id, sel.term)
    rest = [(o, _span(o)) for o in held if o.class_id != sel.class_id]
    keep: set[str] = set().union(*(d for _, d in rest))
    return _Release(
        load_op=_load_set_op(sel.teacher_id, sel.term, current, keep, -1),
        selection_cond="start_date = :rsd AND end_date = :red",
        values={":rsd": sel.start_date.isoformat(), ":red": sel.end_date.isoformat()},
        extra=_others_ops(rest),
        exact=True,
    )


def _release_days(rel: _Release) -> list[date]:
    """The dates a release is conditioned on, as days (what it assumed the selection holds)."""
    first = date.fromisoformat(rel.values[":rsd"])
    last = date.fromisoformat(rel.values[":red"])
    return [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]


def _release_for(sel: Selection) -> _Release:
    """How freeing `sel`'s seat takes its days off the load (as read: its dates, its marker)."""
    if sel.shares_days:
        return _exact_release(sel)
    return _plain_release(sel.teacher_id, sel.term, held_days(sel))


def _replayed(exc: ClientError, index: int, idem: Idem | None) -> Selection | None:
    """If the transaction failed on its idempotency record (item `index`): the first result of
    this key's request (or `IdempotencyKeyReused`). None when that item did not fail."""
    if idem is None or index not in store.failed_conditions(exc):
        return None
    first = idem.answer(store.cancellation_item(exc, index))
    if first is None:  # expired between the write and the read: the request is new again
        raise Busy(retry_after=1)
    return Selection.model_validate_json(first)


def _idem_ops(idem: Idem | None, result: Selection) -> list[dict[str, Any]]:
    return [idem.put_op(result.model_dump_json())] if idem else []


def _account_refused(exc: ClientError, index: int, account: User | None) -> None:
    """Refuse the caller if the transaction failed on its account check (item `index`): gone,
    disabled, or re-roled or moved since this Lambda cached it (`auth.still`)."""
    if account is not None and index in store.failed_conditions(exc):
        still(account, store.cancellation_item(exc, index))
        raise AccountChanged() from exc  # the condition saw a change the old item no longer shows


def _account_ops(account: User | None) -> list[dict[str, Any]]:
    return [records.account_active_op(account)] if account is not None else []


def hold_seat(
    sel: Selection,
    days: list[date],
    limit: int,
    idem: Idem | None,
    account: User | None = None,
) -> Selection:
    """Take a seat for `sel` (SE-4) in one transaction: seat counter, selection, teacher load,
    the request's idempotency record when it carries a key, and the check that the caller's
    `account` is still as this Lambda cached it: present, not disabled, same role and scope
    (`records.account_active_op`: refused at once, with no read before the write).

    The seat counter's condition guards capacity (SE-4); the selection's guards one record per
    teacher and class; the teacher's term load guards the per-term limit, date clashes and, in
    round 2, round-1 participation (SE-2). A replay of the key returns the first result and
    changes nothing, even after a withdrawal; the key with another request is refused
    (`functions.common.idempotency`). Selecting a class again after withdrawing is a second
    transaction shape (`_reopen_selection`), tried only when the first one reports it.
    """
    name = settings().table_name
    seat_op = {
        "Update": {
            "TableName": name,
            "Key": keys.class_seats(sel.class_id),
            "UpdateExpression": "SET #held = #held + :one",
            # A cancelled class (取消办班) takes no seat: one more clause, no extra call.
            "ConditionExpression": "attribute_exists(PK) AND #held < #cap "
            "AND attribute_not_exists(cancelled)",
            "ExpressionAttributeNames": {"#held": "held", "#cap": "capacity"},
            "ExpressionAttributeValues": {":one": 1},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    load_op = _load_take_op(sel.teacher_id, sel.term, sel.round, days, limit)
    item = _selection_item(sel)
    idem_ops = _idem_ops(idem, sel)
    tail = [*idem_ops, *_account_ops(account)]  # the account check last: index 3 + len(idem)
    try:
        store.transact_write([seat_op, _put_new_selection(item), load_op, *tail])
        return sel
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        _account_refused(exc, 3 + len(idem_ops), account)
        first = _replayed(exc, 3, idem)
        if first is not None:
            return first
        old = store.cancellation_item(exc, 1) or {}
        if old.get("status") not in {st.value for st in _REOPENABLE}:
            return _explain_hold_failure(exc, sel, days, limit)
    try:
        store.transact_write([seat_op, _reopen_selection(item), load_op, *tail])
        return sel
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        _account_refused(exc, 3 + len(idem_ops), account)
        first = _replayed(exc, 3, idem)
        if first is not None:
            return first
        return _explain_hold_failure(exc, sel, days, limit)


def _explain_hold_failure(
    exc: ClientError, sel: Selection, days: list[date], limit: int
) -> Selection:
    failed = store.failed_conditions(exc)
    if 1 in failed:
        old = store.cancellation_item(exc, 1) or {}
        if old.get("status") == SelectionStatus.WAITLISTED.value:
            raise AlreadyWaitlisted()
        raise AlreadySelected()
    if 0 in failed:
        seats_item = store.cancellation_item(exc, 0)
        if seats_item is None:
            raise NotFound("该班期不存在或尚未发布")
        if seats_item.get("cancelled"):
            raise ClassCancelled()
        raise ClassFull()
    if 2 in failed:
        _explain_load_failure(store.cancellation_item(exc, 2) or {}, sel, days, limit)
    raise AssertionError(f"unexplained cancellation {store.cancellation_codes(exc)}")


def _explain_load_failure(
    load: dict[str, Any], sel: Selection, days: list[date], limit: int
) -> None:
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


# --- waitlist (候补) and every write that frees or adds seats --------------------------------


class _OwnerWaitlisted(Exception):
    """The selection a seat change acts on is on the waitlist (it holds no seat to free)."""


class _BaseFailed(Exception):
    """A caller's own transaction item `index` failed its condition (the caller explains it)."""

    def __init__(self, exc: ClientError, index: int) -> None:
        super().__init__(f"item {index} failed")
        self.exc = exc
        self.index = index


def _seats_update(key: keys.Key, update: str, cond: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": settings().table_name,
            "Key": key,
            "UpdateExpression": update,
            "ConditionExpression": cond,
            "ExpressionAttributeNames": {
                n: a
                for n, a in (
                    ("#held", "held"),
                    ("#cap", "capacity"),
                    ("#len", "wl_len"),
                )
                if n in update or n in cond
            },
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def join_waitlist(
    sel: Selection,
    days: list[date],
    limit: int,
    idem: Idem | None,
    account: User | None = None,
) -> Selection:
    """Join the waitlist of a full class (status `waitlisted`; no seat, no days held).

    Two calls: an atomic counter hands out the next sequence number (condition: the class is
    full), then one transaction writes the entry and the selection, counts the entry and checks
    again that the class is full, the teacher is not in it, and the teacher's term load would
    allow the seat (limit, clash, SE-2). A sequence number lost to a failed second call is only a
    gap in the order. A replay of the key returns the first result; it is looked up first so a
    replay does not even take a sequence number (two replays at once may leave a gap).
    """
    first = idem.answer() if idem else None
    if first is not None:
        return Selection.model_validate_json(first)
    try:
        resp = store.with_retries(
            lambda: store.table().update_item(
                Key=keys.class_seats(sel.class_id),
                UpdateExpression="ADD #tail :one",
                ConditionExpression="attribute_exists(PK) AND #held >= #cap "
                "AND attribute_not_exists(cancelled)",
                ExpressionAttributeNames={"#tail": "wl_tail", "#held": "held", "#cap": "capacity"},
                ExpressionAttributeValues={":one": 1},
                ReturnValues="UPDATED_NEW",
            )
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        seats_item = store.get_item(keys.class_seats(sel.class_id))
        if seats_item is None:
            raise NotFound("该班期不存在或尚未发布") from exc
        if seats_item.get("cancelled"):
            raise ClassCancelled() from exc
        raise SeatsAvailable() from exc
    seq = int(resp["Attributes"]["wl_tail"])
    wsel = sel.model_copy(update={"status": SelectionStatus.WAITLISTED, "wl_seq": seq})
    item = _selection_item(wsel)
    counter = _seats_update(
        keys.class_seats(sel.class_id),
        "SET #len = if_not_exists(#len, :zero) + :one",
        "#held >= #cap",
        {":zero": 0, ":one": 1},
    )
    entry = {
        "Put": {
            "TableName": settings().table_name,
            "Item": {
                **keys.waitlist_entry(sel.class_id, seq),
                "teacher_id": sel.teacher_id,
                "term": sel.term,
                "class_id": sel.class_id,
                "round": sel.round,
                "school_id": sel.school_id,
                "joined_at": sel.created_at.isoformat(),
            },
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }
    load = _load_take_op(sel.teacher_id, sel.term, sel.round, days, limit, take=False)
    idem_ops = _idem_ops(idem, wsel)
    for shape in (_put_new_selection, _reopen_selection):
        try:
            store.transact_write(
                [counter, shape(item), entry, load, *idem_ops, *_account_ops(account)]
            )
            return wsel
        except ClientError as exc:
            if store.error_code(exc) != "TransactionCanceledException":
                raise
            _account_refused(exc, 4 + len(idem_ops), account)
            replayed = _replayed(exc, 4, idem)
            if replayed is not None:
                return replayed
            failed = store.failed_conditions(exc)
            if 1 in failed:
                old = store.cancellation_item(exc, 1) or {}
                status = old.get("status")
                if shape is _put_new_selection and status in {s.value for s in _REOPENABLE}:
                    continue
                if status == SelectionStatus.WAITLISTED.value:
                    raise AlreadyWaitlisted() from exc
                raise AlreadySelected() from exc
            if 0 in failed:
                raise SeatsAvailable() from exc
            if 3 in failed:
                _explain_load_failure(store.cancellation_item(exc, 3) or {}, sel, days, limit)
            codes = store.cancellation_codes(exc)
            raise AssertionError(f"unexplained cancellation {codes}") from exc
    raise AssertionError("unreachable")


def _waitlist_heads(class_id: str, n: int) -> list[dict[str, Any]]:
    """The first `n` waitlist entries of a class, in joining order (strongly consistent)."""
    pk = keys.class_seats(class_id)["PK"]
    resp = store.with_retries(
        lambda: store.table().query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :w)",
            ExpressionAttributeValues={":pk": pk, ":w": keys.WAIT_PREFIX},
            ConsistentRead=True,
            Limit=n,
        )
    )
    items: list[dict[str, Any]] = resp.get("Items", [])
    return items


def _promotion_ops(
    head: dict[str, Any], klass: ClassInfo, days: list[date], limit: int, at: datetime
) -> list[dict[str, Any]]:
    """Promote one waitlist entry: delete it, its selection waitlisted → pending, the
    promoted teacher's own term load (limit, clash, SE-2) takes the seat's days, and the
    teacher's message (候补成功) is written with it."""
    name = settings().table_name
    seq = int(head["SK"].removeprefix(keys.WAIT_PREFIX))
    teacher_id, term = str(head["teacher_id"]), str(head["term"])
    return [
        {
            "Delete": {
                "TableName": name,
                "Key": {"PK": head["PK"], "SK": head["SK"]},
                "ConditionExpression": "attribute_exists(PK)",
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": keys.selection(teacher_id, term, str(head["class_id"])),
                "UpdateExpression": "SET #st = :pending, promoted = :true, updated_at = :at, "
                "history = list_append(history, :ev)",
                "ConditionExpression": "#st = :wl AND wl_seq = :seq",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {
                    ":pending": SelectionStatus.PENDING.value,
                    ":wl": SelectionStatus.WAITLISTED.value,
                    ":true": True,
                    ":at": at.isoformat(),
                    ":seq": seq,
                    ":ev": [_event("promoted", at, seq=seq)],
                },
            }
        },
        _load_take_op(teacher_id, term, int(head["round"]), days, limit),
        outbox.put(notices.promoted(teacher_id, klass, seq, at)),
    ]


def _change_seats(
    class_id: str,
    days: list[date],
    limit: int,
    at: datetime,
    base_ops: list[dict[str, Any]],
    freed: int,
    extra: int = 0,
    snapshot: bool = False,
    owner: str | None = None,
    promote: bool = True,
    *,
    klass: ClassInfo,
    waiting: int | None = None,
) -> list[str]:
    """ONE transaction: the caller's `base_ops`, the seat counter, and the promotion of the
    waitlist's head into every seat the change leaves free (SE-4, promotion in order).

    `freed`: seats the base ops give back (1: withdrawal or rejection); `extra`: capacity added
    (accepted expansion). Without `snapshot` the seats to fill are the `freed` ones (the class
    was full if anyone waited); with it the counter is read and the write is conditioned on it.
    If the waitlist read shows fewer entries than free seats, the write is conditioned on the
    waitlist length, so a concurrent join cannot leave a seat free while someone waits.

    A head whose own term load refuses the seat (limit reached, date clash) is dropped from the
    waitlist (status waitlist_dropped, with the reason) and the next one is tried. Stale reads
    (a concurrent promotion or join) are re-read; after `_MAX_ATTEMPTS` the caller gets Busy.
    Returns the promoted teachers, in order. Raises `_BaseFailed` when a base op failed.

    `promote=False` (after the last review window, when no window could review a promoted
    seat) frees the seats and promotes nobody.

    `waiting`: the waitlist length the caller read from the counter (consistently) just before.
    When it is 0 the first attempt queries no waitlist: the write is conditioned on the length
    being 0 still, and a join in between fails it into the ordinary re-read.
    """
    nb = len(base_ops)
    attempts = 0
    while attempts < _MAX_ATTEMPTS:
        attempts += 1
        known_empty, waiting = waiting == 0 and not snapshot, None
        values: dict[str, Any] = {":zero": 0}
        cond = ["attribute_exists(PK)"]
        if snapshot:
            counter = store.get_item(keys.class_seats(class_id), consistent=True)
            if counter is None:
                raise NotFound("该班期不存在或尚未发布")
            held0, cap0 = int(counter["held"]), int(counter["capacity"])
            waiting = int(counter.get("wl_len", 0))
            want = max(0, min(cap0 + extra - (held0 - freed), waiting, MAX_PROMOTE))
            # Conditioned on what was read, the waitlist length included: a join after the
            # read must not be left waiting while this write frees seats.
            cond.append("#held = :h0 AND #cap = :c0")
            cond.append("(attribute_not_exists(#len) OR #len = :w0)")
            values.update({":h0": held0, ":c0": cap0, ":w0": waiting})
        else:
            want = freed
        if not promote:
            want = 0
        heads = _waitlist_heads(class_id, want) if want > 0 and not known_empty else []
        if owner and any(h["teacher_id"] == owner for h in heads):
            # The base ops act on `owner`'s selection in this class, which is itself waiting:
            # their condition cannot hold (and one transaction cannot touch an item twice).
            raise _OwnerWaitlisted()
        k = len(heads)
        sets = ["#held = #held + :delta", "#len = if_not_exists(#len, :zero) - :k"]
        values.update({":delta": k - freed, ":k": k})
        if extra:
            sets.append("#cap = #cap + :extra")
            values[":extra"] = extra
        if freed:
            cond.append("#held >= :freed")
            values[":freed"] = freed
        if promote and not snapshot and k < freed:
            # We saw the whole waitlist: nobody may have joined since.
            cond.append("(attribute_not_exists(#len) OR #len = :k)")
        counter_op = _seats_update(
            keys.class_seats(class_id), "SET " + ", ".join(sets), " AND ".join(cond), values
        )
        promo: list[dict[str, Any]] = []
        for h in heads:
            promo += _promotion_ops(h, klass, days, limit, at)
        try:
            store.transact_write([*base_ops, counter_op, *promo])
        except ClientError as exc:
            if store.error_code(exc) != "TransactionCanceledException":
                raise
            failed = store.failed_conditions(exc)
            if not failed:  # TransactionConflict beyond with_retries' budget: re-read, retry
                continue
            base_failed = [i for i in failed if i < nb]
            if base_failed:
                raise _BaseFailed(exc, base_failed[0]) from exc
            loads = [i for i in failed if i > nb and (i - nb - 1) % _PROMO_OPS == _PROMO_LOAD]
            for i in loads:
                head = heads[(i - nb - 1) // _PROMO_OPS]
                _drop_head(klass, head, store.cancellation_item(exc, i) or {}, limit, at)
                attempts -= 1  # a drop shortens the waitlist: it is progress, not a retry
            continue
        return [str(h["teacher_id"]) for h in heads]
    raise Busy(retry_after=1)


def _drop_head(
    klass: ClassInfo, head: dict[str, Any], load: dict[str, Any], limit: int, at: datetime
) -> None:
    """Remove a waitlist entry whose teacher can no longer take the seat (documented choice:
    dropped, not skipped, so the waitlist always moves on); the teacher is told why."""
    class_id = klass.class_id
    if int(load.get("held", 0)) >= limit:
        reason = f"轮到递补时本学期已选满 {limit} 个班期"
    elif int(head.get("round", 1)) == 2 and not load.get("r1"):
        reason = "第一轮未选课，不能参加第二轮"
    else:
        reason = "轮到递补时与已选班期培训日期冲突"
    seq = int(head["SK"].removeprefix(keys.WAIT_PREFIX))
    told = notices.waitlist_dropped(str(head["teacher_id"]), klass, seq, reason, at)
    _end_entry(class_id, head, SelectionStatus.WAITLIST_DROPPED, reason, at, [outbox.put(told)])


def close_waitlist(class_id: str, reason: str, at: datetime, label: str = "") -> list[str]:
    """End every waitlist entry of a class as `waitlist_closed` (未递补) with `reason`: the last
    recheck window closed, or the class was cancelled. Each entry is its own transaction (entry,
    selection, count, and the teacher's message about the class `label`); repeating it ends
    nothing twice. Returns the teachers told."""
    ended: list[str] = []
    while True:
        heads = _waitlist_heads(class_id, 100)
        for head in heads:
            tell = notices.waitlist_closed(
                str(head["teacher_id"]), class_id, label or "该班期", reason, at
            )
            if _end_entry(
                class_id, head, SelectionStatus.WAITLIST_CLOSED, reason, at, [outbox.put(tell)]
            ):
                ended.append(str(head["teacher_id"]))
        if len(heads) < 100:
            return ended


def _end_entry(
    class_id: str,
    head: dict[str, Any],
    to: SelectionStatus,
    reason: str,
    at: datetime,
    extra: list[dict[str, Any]] | None = None,
) -> bool:
    """Remove one waitlist entry and end its selection as `to`; False if someone else promoted,
    dropped or removed it meanwhile."""
    seq = int(head["SK"].removeprefix(keys.WAIT_PREFIX))
    name = settings().table_name
    ops = [
        {
            "Delete": {
                "TableName": name,
                "Key": {"PK": head["PK"], "SK": head["SK"]},
                "ConditionExpression": "attribute_exists(PK)",
            }
        },
        {
            "Update": {
                "TableName": name,
                "Key": keys.selection(str(head["teacher_id"]), str(head["term"]), class_id),
                "UpdateExpression": "SET #st = :dropped, reason = :r, updated_at = :at, "
                "history = list_append(history, :ev)",
                "ConditionExpression": "#st = :wl AND wl_seq = :seq",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {
                    ":dropped": to.value,
                    ":wl": SelectionStatus.WAITLISTED.value,
                    ":r": reason,
                    ":at": at.isoformat(),
                    ":seq": seq,
                    ":ev": [_event(to.value, at, reason=reason)],
                },
            }
        },
        _seats_update(
            keys.class_seats(class_id),
            "SET #len = #len - :one",
            "#len > :zero",
            {":one": 1, ":zero": 0},
        ),
        *(extra or []),  # the teacher's message, in the same write
    ]
    try:
        store.transact_write(ops)
        return True
    except ClientError as exc:
        if set(store.failed_conditions(exc)) & {0, 1}:
            # Someone else promoted, dropped or removed it meanwhile: nothing to do.
            return False
        # Anything else (the message's write, a conflict that outlived the retries) must not
        # pass for "done": the caller's job stops here and its retry ends the entry.
        raise


def fill_from_waitlist(
    class_id: str, days: list[date], limit: int, at: datetime, *, klass: ClassInfo
) -> list[str]:
    """Promote waiting teachers into any free seats (after an expansion larger than one
    transaction can fill; idempotent: it reads the counter and conditions the write on it)."""
    promoted: list[str] = []
    while True:
        batch = _change_seats(class_id, days, limit, at, [], freed=0, snapshot=True, klass=klass)
        promoted += batch
        if len(batch) < MAX_PROMOTE:
            return promoted


def _status_update(
    key: keys.Key,
    to: SelectionStatus,
    allowed: tuple[SelectionStatus, ...],
    at: datetime,
    event: dict[str, Any],
    extra_cond: str = "",
    extra_values: dict[str, Any] | None = None,
    sets: str = "",
) -> dict[str, Any]:
    values: dict[str, Any] = {
        ":to": to.value,
        ":at": at.isoformat(),
        ":ev": [event],
        **{f":a{i}": s.value for i, s in enumerate(allowed)},
        **(extra_values or {}),
    }
    cond = f"#st IN ({', '.join(f':a{i}' for i in range(len(allowed)))})"
    if extra_cond:
        cond += " AND " + extra_cond
    return {
        "Update": {
            "TableName": settings().table_name,
            "Key": key,
            "UpdateExpression": "SET #st = :to, updated_at = :at, history = list_append(history, :ev)"
            + sets,
            "ConditionExpression": cond,
            "ExpressionAttributeNames": {"#st": "status", "#round": "round"}
            if "#round" in extra_cond
            else {"#st": "status"},
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def withdraw(
    teacher_id: str,
    term: str,
    class_id: str,
    days: list[date],
    limit: int,
    at: datetime,
    idem: Idem | None,
    right: bool = False,
    project_id: str = "",
    promote: bool = True,
    *,
    klass: ClassInfo,
    account: User | None = None,
) -> tuple[Selection, list[str]]:
    """Withdraw (退选) or leave the waitlist. Freeing a seat promotes the waitlist head in the same
    transaction. With a CH-3 right (`right`), a confirmed selection may be withdrawn too and the
    right's existence is a condition of the write. Returns (the selection, promoted ones).

    The days released are the ones the selection holds (its own dates; see "held days").
    A replay of the key returns the first result and changes nothing; the key with another
    request is refused (`functions.common.idempotency`). The caller's `account` (a cached copy)
    is read again in the same call as the selection (`auth.still`): no read of its own."""
    try:
        return _withdraw(
            teacher_id,
            term,
            class_id,
            days,
            limit,
            at,
            idem,
            right,
            project_id,
            promote,
            klass,
            account,
        )
    except NotSelected:
        # Looked up on this path only: a replay finds the selection already withdrawn.
        first = idem.answer() if idem else None
        if first is None:
            raise
        return Selection.model_validate_json(first), []


def _withdraw(
    teacher_id: str,
    term: str,
    class_id: str,
    days: list[date],
    limit: int,
    at: datetime,
    idem: Idem | None,
    right: bool,
    project_id: str,
    promote: bool,
    klass: ClassInfo,
    account: User | None,
) -> tuple[Selection, list[str]]:
    for _ in range(_MAX_ATTEMPTS):
        # One call reads what the write needs: the selection (status, the days it holds), the
        # class's counter (is anyone waiting? then the heads are read, else nothing) and the
        # caller's account (disabled, re-roled or moved since this Lambda cached it?).
        item, counter = _selection_and_counter(teacher_id, term, class_id, account)
        if not item:
            raise NotSelected()
        old = _selection_from_item(item)
        done = old.model_copy(update={"status": SelectionStatus.WITHDRAWN, "updated_at": at})
        idem_ops = _idem_ops(idem, done)
        if old.status == SelectionStatus.WAITLISTED:
            try:
                left = _leave_waitlist(old, at, idem_ops)
            except ClientError as exc:
                replayed = _replayed(exc, 3, idem)
                if replayed is None:
                    raise
                return replayed, []
            if left:
                return done, []  # what was written (its conditions held): no read-back
            continue  # promoted meanwhile: withdraw the seat instead
        allowed = _WITHDRAWABLE_WITH_RIGHT if right else _WITHDRAWABLE
        if old.status not in allowed:
            raise NotSelected()
        rel = _release_for(old)
        base = [
            _status_update(
                keys.selection(teacher_id, term, class_id),
                SelectionStatus.WITHDRAWN,
                allowed,
                at,
                _event("withdrawn", at, right=right),
                extra_cond=rel.selection_cond,
                extra_values=rel.values or None,
            ),
            rel.load_op,
            *idem_ops,
        ]
        if right:
            base.append(
                {
                    "ConditionCheck": {
                        "TableName": settings().table_name,
                        "Key": keys.withdrawal_right(teacher_id, term, project_id),
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                }
            )
        first_extra = len(base)
        base += rel.extra
        try:
            promoted = _change_seats(
                class_id,
                days,
                limit,
                at,
                base,
                freed=1,
                owner=teacher_id,
                klass=klass,
                promote=promote,
                waiting=int(counter.get("wl_len", 0)) if counter else None,
            )
        except _OwnerWaitlisted:
            continue  # back on the waitlist meanwhile: look again
        except _BaseFailed as f:
            replayed = _replayed(f.exc, 2, idem)
            if replayed is not None:
                return replayed, []
            if f.index == 0 or (rel.exact and (f.index == 1 or f.index >= first_extra)):
                continue  # changed meanwhile (the selection, or the days read): look again
            raise NotSelected() from f.exc
        return done, promoted  # what was written (its conditions held): no read-back
    raise NotSelected()


def _selection_and_counter(
    teacher_id: str, term: str, class_id: str, account: User | None = None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The selection item and the class's seat counter, strongly consistent, in one call; with
    `account`, the caller's account too, refused unless still as cached (`auth.still`)."""
    sel_key, seats_key = keys.selection(teacher_id, term, class_id), keys.class_seats(class_id)
    wanted = [sel_key, seats_key] + ([keys.user(account.user_id)] if account else [])
    found = {(i["PK"], i["SK"]): i for i in store.batch_get(wanted, consistent=True)}
    if account is not None:
        user_key = keys.user(account.user_id)
        still(account, found.get((user_key["PK"], user_key["SK"])))
    return found.get((sel_key["PK"], sel_key["SK"])), found.get((seats_key["PK"], seats_key["SK"]))


def _leave_waitlist(sel: Selection, at: datetime, idem_ops: list[dict[str, Any]]) -> bool:
    """Cancel a waitlist place: entry, selection and count in one transaction (and the
    request's idempotency record, item 3). False if the entry is gone (promoted or dropped
    meanwhile); a failed idempotency record re-raises the cancellation for the caller."""
    ops = [
        _status_update(
            keys.selection(sel.teacher_id, sel.term, sel.class_id),
            SelectionStatus.WITHDRAWN,
            (SelectionStatus.WAITLISTED,),
            at,
            _event("waitlist_left", at),
            extra_cond="wl_seq = :seq",
            extra_values={":seq": sel.wl_seq},
        ),
        {
            "Delete": {
                "TableName": settings().table_name,
                "Key": keys.waitlist_entry(sel.class_id, int(sel.wl_seq or 0)),
                "ConditionExpression": "attribute_exists(PK)",
            }
        },
        _seats_update(
            keys.class_seats(sel.class_id),
            "SET #len = #len - :one",
            "#len > :zero",
            {":one": 1, ":zero": 0},
        ),
        *idem_ops,
    ]
    try:
        store.transact_write(ops)
        return True
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        if idem_ops and 3 in store.failed_conditions(exc):
            raise
        return False


def decide(
    teacher_id: str,
    term: str,
    class_id: str,
    *,
    frm: SelectionStatus,
    to: SelectionStatus,
    max_round: int,
    reason: str,
    actor: str,
    at: datetime,
    days: list[date],
    limit: int,
    school_id: str | None = None,
    klass: ClassInfo,
    promote: bool = True,
    release: _Release | None = None,
    attempt: int = 0,
) -> tuple[SelectionStatus, list[str]]:
    """School review (frm=pending) or institution recheck (frm=school_approved): move one
    selection to `to`. A rejection frees the seat and promotes the waitlist head in the same
    transaction. Natural-key idempotent: deciding again what is already decided succeeds.
    Returns the status the selection now has (`to`) and the promoted teachers: the write's
    condition makes the outcome known, so nothing is read back. An approval, which touches
    one item and tells nobody, is one conditional UpdateItem (half a transaction's capacity).

    Conditions of the write: the status, the round (selections of rounds up to `max_round`:
    a round-1 selection promoted after its review window is reviewed in the round-2 window) and,
    for schools, that the selection belongs to `school_id`. A rejection first assumes the
    selection holds the class's `days` alone (no read); when its write says otherwise (its
    dates moved, or it shares days with another class, see "held days") it reads the selection
    and frees what it really holds (`release`)."""
    key = keys.selection(teacher_id, term, class_id)
    cond = "#round <= :rnd"
    values: dict[str, Any] = {":rnd": max_round, ":reason": reason, ":by": actor}
    if school_id is not None:
        cond += " AND school_id = :sid"
        values[":sid"] = school_id
    op = _status_update(
        key,
        to,
        (frm,),
        at,
        _event(to.value, at, by=actor, reason=reason),
        extra_cond=cond,
        extra_values=values,
        sets=", reason = :reason, decided_by = :by",
    )
    frees = to not in SEAT_HOLDING
    rel = release or _plain_release(teacher_id, term, days)
    if frees:
        cond_op = op["Update"]
        cond_op["ConditionExpression"] += " AND " + rel.selection_cond
        cond_op["ExpressionAttributeValues"].update(rel.values)
    promoted: list[str] = []
    try:
        if frees:
            # A rejection: the teacher is told, with the reason (school or institution).
            rejected = notices.selection_rejected(
                teacher_id, klass, reason, at, by_school=to == SelectionStatus.SCHOOL_REJECTED
            )
            base = [op, rel.load_op, outbox.put(rejected), *rel.extra]
            promoted = _change_seats(
                class_id,
                days,
                limit,
                at,
                base,
                freed=1,
                owner=teacher_id,
                klass=klass,
                promote=promote,
            )
        elif to == SelectionStatus.CONFIRMED:
            store.transact_write(
                [op, outbox.put(notices.selection_confirmed(teacher_id, klass, at))]
            )
        else:
            old_item = store.update_op(op["Update"])
            if old_item is not None:  # its condition failed: a retry, or an error to explain
                _explain_decision_failure(old_item, to, max_round, school_id)
                return to, []
    except _OwnerWaitlisted:
        _explain_decision_failure(store.get_item(key, consistent=True), to, max_round, school_id)
        raise AssertionError("a waitlisted selection is never already decided") from None
    except _BaseFailed as f:
        old = (
            store.cancellation_item(f.exc, 0)
            if f.index == 0
            else store.get_item(key, consistent=True)
        )
        if frees and old and old.get("status") == frm.value and attempt < _MAX_ATTEMPTS:
            mine = _selection_from_item(old)
            stale = held_days(mine) != _release_days(rel) or mine.shares_days != rel.exact
            if stale or (rel.exact and (f.index == 1 or f.index >= 3)):
                return decide(
                    teacher_id,
                    term,
                    class_id,
                    frm=frm,
                    to=to,
                    max_round=max_round,
                    reason=reason,
                    actor=actor,
                    at=at,
                    days=days,
                    limit=limit,
                    school_id=school_id,
                    klass=klass,
                    promote=promote,
                    release=_release_for(mine),
                    attempt=attempt + 1,
                )
        _explain_decision_failure(old, to, max_round, school_id)
        return to, []
    except ClientError as exc:
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        _explain_decision_failure(store.cancellation_item(exc, 0), to, max_round, school_id)
        return to, []
    return to, promoted


def _explain_decision_failure(
    old: dict[str, Any] | None, to: SelectionStatus, max_round: int, school_id: str | None
) -> None:
    """Returns only when the decision was already made (a retry): the caller returns it."""
    if not old or (school_id is not None and old.get("school_id") != school_id):
        raise NotFound("未找到该选课记录")
    if old.get("status") == to.value:
        return
    if int(old.get("round", 1)) > max_round:
        raise WrongStatus("该选课属于第二轮，请在第二轮审核时间内处理")
    raise WrongStatus(f"该选课当前状态为「{old.get('status')}」，不能执行此操作")


# --- expansion (扩班, SE-3) ---------------------------------------------------------------


def _expansion_item(exp: Expansion) -> dict[str, Any]:
    return {
        **keys.expansion(exp.class_id, exp.term),
        **keys.expansion_by_term(exp.term, exp.state.value, exp.class_id),
        **exp.model_dump(mode="json", exclude_none=True),
    }


def apply_expansion(exp: Expansion) -> Expansion:
    """One application per class and term (natural key): a retry returns the first."""
    try:
        store.put_item(_expansion_item(exp), condition="attribute_not_exists(PK)")
        return exp
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
    old = get_expansion(exp.class_id, exp.term)
    if old and old.extra == exp.extra and old.reason == exp.reason:
        return old
    raise ExpansionExists()


def get_expansion(class_id: str, term: str) -> Expansion | None:
    item = store.get_item(keys.expansion(class_id, term), consistent=True)
    return Expansion.model_validate(item) if item else None


def list_expansions(term: str) -> list[Expansion]:
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.expansion_by_term(term, "", "")["GSI1PK"]},
    )
    return [Expansion.model_validate(i) for i in items]


def decide_expansion(
    exp: Expansion,
    accept: bool,
    reason: str,
    actor: str,
    at: datetime,
    days: list[date],
    limit: int,
    *,
    klass: ClassInfo,
) -> tuple[Expansion, list[str]]:
    """Accept (capacity += extra, then waitlisted teachers promoted in order, the first batch in
    the same transaction as the capacity change) or refuse. Conditional on the application
    still being `applied`; deciding again the same way returns the first result. The
    institution's message (同意 / 未同意, with the reason) is written with the decision."""
    to = ExpansionState.ACCEPTED if accept else ExpansionState.REFUSED
    op = {
        "Update": {
            "TableName": settings().table_name,
            "Key": keys.expansion(exp.class_id, exp.term),
            "UpdateExpression": "SET #state = :to, GSI1SK = :gsk, decision_reason = :r, "
            "decided_by = :by, decided_at = :at",
            "ConditionExpression": "#state = :applied",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {
                ":to": to.value,
                ":gsk": keys.expansion_by_term(exp.term, to.value, exp.class_id)["GSI1SK"],
                ":r": reason,
                ":by": actor,
                ":at": at.isoformat(),
                ":applied": ExpansionState.APPLIED.value,
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    promoted: list[str] = []
    told = outbox.put(notices.expansion_decided(exp, accept, reason, at))
    try:
        if accept:
            promoted = _change_seats(
                exp.class_id,
                days,
                limit,
                at,
                [op, told],
                freed=0,
                extra=exp.extra,
                snapshot=True,
                klass=klass,
            )
            if len(promoted) == MAX_PROMOTE:
                promoted += fill_from_waitlist(exp.class_id, days, limit, at, klass=klass)
        else:
            store.transact_write([op, told])
    except (_BaseFailed, ClientError) as f:
        exc = f.exc if isinstance(f, _BaseFailed) else f
        if store.error_code(exc) != "TransactionCanceledException":
            raise
        now = get_expansion(exp.class_id, exp.term)
        if now is not None and now.state == to:
            return now, []
        raise WrongStatus("该扩班申请已处理") from exc
    done = get_expansion(exp.class_id, exp.term)
    assert done is not None
    return done, promoted


# --- withdrawal rights (CH-3) -------------------------------------------------------------


def grant_withdrawal_right(right: WithdrawalRight) -> None:
    """Record that `right.teacher_id` may withdraw from `right.project_id` outside the selection
    windows (written by the change-approval service when a major change is approved, CH-3).
    Idempotent: granting again overwrites the same record."""
    store.put_item(
        {
            **keys.withdrawal_right(right.teacher_id, right.term, right.project_id),
            **right.model_dump(mode="json"),
        }
    )


def get_withdrawal_right(teacher_id: str, term: str, project_id: str) -> WithdrawalRight | None:
    item = store.get_item(keys.withdrawal_right(teacher_id, term, project_id), consistent=True)
    return WithdrawalRight.model_validate(item) if item else None


# --- reads --------------------------------------------------------------------------------


def waitlist_position(class_id: str, seq: int) -> int:
    """1 + the number of entries that joined before `seq` and still wait."""
    pk = keys.class_seats(class_id)["PK"]
    resp = store.with_retries(
        lambda: store.table().query(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :lo AND :hi",
            ExpressionAttributeValues={
                ":pk": pk,
                ":lo": keys.WAIT_PREFIX,
                ":hi": keys.waitlist_entry(class_id, seq)["SK"],
            },
            Select="COUNT",
            ConsistentRead=True,
        )
    )
    return int(resp.get("Count", 0))


def waitlist(class_id: str) -> list[dict[str, Any]]:
    """Every waiting entry of a class, in order (rosters, tests)."""
    pk = keys.class_seats(class_id)["PK"]
    return list(
        store.query_pages(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :w)",
            ExpressionAttributeValues={":pk": pk, ":w": keys.WAIT_PREFIX},
            ConsistentRead=True,
        )
    )


def list_for_school(school_id: str, term: str) -> list[Selection]:
    gsi = keys.selection_by_school(school_id, term, "", "")
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk AND begins_with(GSI2SK, :p)",
        ExpressionAttributeValues={":pk": gsi["GSI2PK"], ":p": "SEL#"},
    )
    return [_selection_from_item(i) for i in items]


def list_for_class(class_id: str) -> list[Selection]:
    gsi = keys.selection_by_class(class_id, "")
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :p)",
        ExpressionAttributeValues={":pk": gsi["GSI1PK"], ":p": gsi["GSI1SK"]},
    )
    return [_selection_from_item(i) for i in items]


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
                waitlist=int(it.get("wl_len", 0)),
            )
        )
    return sorted(out, key=lambda s: s.class_id)


def teachers(ids: set[str]) -> list[Teacher]:
    """Teacher records by id (school review: names and credits)."""
    items = store.batch_get([keys.teacher(t) for t in sorted(ids)])
    return [Teacher.model_validate_json(i["doc"]) for i in items if "doc" in i]


def classes_of_institution(institution_id: str, term: str) -> list[ClassInfo]:
    """Every published class of the institution's projects in `term`."""
    return [
        ClassInfo.of(project, c)
        for project in catalog.of_institution(institution_id, term)
        for c in project.classes
    ]


# --- closing the review windows (SE-1, functions/selection/closing.py) -----------------------


def term_class_ids(term: str) -> list[str]:
    """Every class of the term's published projects, in class-id order."""
    return sorted(c.class_id for p in catalog.published_projects(term) for c in p.classes)


def _job_item(job: ClosingJob) -> dict[str, Any]:
    return {**keys.closing_job(job.term, job.phase), **job.model_dump(mode="json")}


def start_closing_job(job: ClosingJob) -> ClosingJob:
    """Create the window's job, or return the one a first toggle created (exactly once)."""
    try:
        store.put_item(_job_item(job), condition="attribute_not_exists(PK)")
        return job
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
    found = get_closing_job(job.term, job.phase)
    assert found is not None
    return found


def get_closing_job(term: str, phase: str) -> ClosingJob | None:
    item = store.get_item(keys.closing_job(term, phase), consistent=True)
    return ClosingJob.model_validate(item) if item else None


def save_closing_job(job: ClosingJob, expect_cursor: int) -> bool:
    """Save progress unless another run of the job got further (False then)."""
    try:
        store.put_item(
            _job_item(job),
            condition="#cur = :c AND #done = :f",
            ExpressionAttributeNames={"#cur": "cursor", "#done": "done"},
            ExpressionAttributeValues={":c": expect_cursor, ":f": False},
        )
        return True
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return False


# --- CH-3: an approved date change moves the teachers' days (functions/selection/moves.py) ---


def set_selection_dates(sel: Selection, start: date, end: date, at: datetime) -> None:
    """A waitlisted selection shows the class's new dates (it holds no days)."""
    try:
        store.with_retries(
            lambda: store.table().update_item(
                Key=keys.selection(sel.teacher_id, sel.term, sel.class_id),
                UpdateExpression="SET start_date = :s, end_date = :e, updated_at = :at",
                ConditionExpression="#st = :wl",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={
                    ":s": start.isoformat(),
                    ":e": end.isoformat(),
                    ":at": at.isoformat(),
                    ":wl": SelectionStatus.WAITLISTED.value,
                },
            )
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise


def move_selection_days(sel: Selection, start: date, end: date, at: datetime) -> str:
    """Move one seat-holding selection and its teacher's term load to the class's new dates, in
    one write: 'moved'; 'clash' (the new days meet another class the teacher holds: the load
    holds the days of both, both selections are marked as sharing days, and the teacher is told
    in the same write, see "held days"); or 'unchanged' (moved already, or no longer holding a
    seat). The load is SET to the union of the days of the teacher's held classes, conditioned on
    the days read: a concurrent change reads again."""
    if sel.start_date == start and sel.end_date == end:
        return "unchanged"
    new = sel.model_copy(update={"start_date": start, "end_date": end})
    mine = _span(new)
    key = keys.selection(sel.teacher_id, sel.term, sel.class_id)
    holding = {f":h{i}": s.value for i, s in enumerate(SEAT_HOLDING)}
    cond = f"#st IN ({', '.join(holding)}) AND start_date = :os AND end_date = :oe"
    for _ in range(_MAX_ATTEMPTS):
        current, held = _teacher_state(sel.teacher_id, sel.term)
        rest = [(o, _span(o)) for o in held if o.class_id != sel.class_id]
        clashing = [o for o, days in rest if days & mine]
        values: dict[str, Any] = {
            ":s": start.isoformat(),
            ":e": end.isoformat(),
            ":at": at.isoformat(),
            ":os": sel.start_date.isoformat(),
            ":oe": sel.end_date.isoformat(),
            **holding,
        }
        update = "SET start_date = :s, end_date = :e, updated_at = :at, "
        update += "history = list_append(history, :ev)"
        label = ""
        if clashing:
            label = f"《{clashing[0].project_title}》{clashing[0].class_name}"
            update += ", clash_with = :c, shares_days = :t"
            values.update({":c": label, ":t": True})
            values[":ev"] = [_event("dates_clash", at, start=start.isoformat(), clash=label)]
        else:
            update += " REMOVE clash_with, shares_days"
            values[":ev"] = [_event("dates_moved", at, start=start.isoformat())]
        sel_op = {
            "Update": {
                "TableName": settings().table_name,
                "Key": key,
                "UpdateExpression": update,
                "ConditionExpression": cond,
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": values,
            }
        }
        wanted: set[str] = set().union(mine, *(days for _, days in rest))
        ops = [sel_op, _load_set_op(sel.teacher_id, sel.term, current, wanted, 0)]
        if clashing:
            ops.append(outbox.put(notices.dates_clash(sel, start, end, label, at)))
        first_other = len(ops)
        ops += _others_ops([*rest, (new, mine)], skip=sel.class_id)
        try:
            store.transact_write(ops)
        except ClientError as exc:
            failed = store.failed_conditions(exc)
            if 0 in failed:
                return "unchanged"  # moved already, withdrawn or released meanwhile
            if 1 in failed or (failed and max(failed) >= first_other):
                continue  # the load or another class changed since they were read: read again
            raise  # (the message's write, say): the move did not happen and must not pass
        return "clash" if clashing else "moved"
    raise Busy(retry_after=1)


def rights_of_teacher(teacher_id: str, term: str) -> dict[str, WithdrawalRight]:
    """The teacher's CH-3 withdrawal rights this term, by project."""
    pk = keys.teacher_term(teacher_id, term)["PK"]
    prefix = keys.withdrawal_right(teacher_id, term, "")["SK"]
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": pk, ":p": prefix},
    )
    rights = [WithdrawalRight.model_validate(i) for i in items]
    return {r.project_id: r for r in rights}


# --- cancelled classes (取消办班, SE-2) -----------------------------------------------------


def mark_cancelled(class_id: str, min_size: int, reason: str, by: str, at: datetime) -> bool:
    """Mark the class's seat counter cancelled, only while it holds fewer seats than `min_size`
    (every seat is confirmed once round 1's recheck closed). From then on no seat and no
    waitlist place can be taken (the hot path's condition). False: already cancelled."""
    try:
        store.with_retries(
            lambda: store.table().update_item(
                Key=keys.class_seats(class_id),
                UpdateExpression="SET cancelled = :t, cancel_reason = :r, cancelled_by = :by, "
                "cancelled_at = :at",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(cancelled) "
                "AND #held < :min",
                ExpressionAttributeNames={"#held": "held"},
                ExpressionAttributeValues={
                    ":t": True,
                    ":r": reason,
                    ":by": by,
                    ":at": at.isoformat(),
                    ":min": min_size,
                },
            )
        )
        return True
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
    item = store.get_item(keys.class_seats(class_id), consistent=True)
    if item is None:
        raise NotFound("该班期不存在")
    if item.get("cancelled"):
        return False
    from functions.common.errors import ClassAboveMinimum

    raise ClassAboveMinimum(
        f"该班期已有 {int(item['held'])} 人，不少于开班最低人数 {min_size} 人，不能取消"
    )


def cancel_selection(sel: Selection, reason: str, at: datetime) -> bool:
    """One teacher of a cancelled class, in ONE transaction: the selection ends `cancelled` with
    the reason, the teacher's term load gives back the class and its days (the round-1 flag
    stays: they may select in round 2, SE-2; see "held days"), the class's counter gives back the
    seat. False if the selection no longer holds a seat (done already)."""
    key = keys.selection(sel.teacher_id, sel.term, sel.class_id)
    for _ in range(_MAX_ATTEMPTS):
        rel = _release_for(sel)
        ops = [
            _status_update(
                key,
                SelectionStatus.CANCELLED,
                SEAT_HOLDING,
                at,
                _event("cancelled", at, reason=reason),
                extra_cond=rel.selection_cond,
                extra_values={":reason": reason, **rel.values},
                sets=", reason = :reason",
            ),
            rel.load_op,
            _seats_update(
                keys.class_seats(sel.class_id),
                "SET #held = #held - :one",
                "#held > :zero",
                {":one": 1, ":zero": 0},
            ),
            outbox.put(notices.class_cancelled(sel, reason, at)),  # told in the same write
            *rel.extra,
        ]
        try:
            store.transact_write(ops)
            return True
        except ClientError as exc:
            failed = store.failed_conditions(exc)
            if 0 not in failed and not (rel.exact and (1 in failed or max(failed) >= 4)):
                raise
        # Changed since it was listed (dates moved, days shared, or freed already): read again.
        item = store.get_item(key, consistent=True)
        if not item or item.get("status") not in {s.value for s in SEAT_HOLDING}:
            return False
        sel = _selection_from_item(item)
    raise Busy(retry_after=1)
