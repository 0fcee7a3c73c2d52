"""Credits data access (CR-1, CR-2): ledger entries and cycle totals, school-based registrations
with the cap counter, later segments of segmented projects, certificate codes.

Costs: 我的学分 is one Query of the teacher's partition (entries, totals, registrations come
back together); a school's progress is one BatchGetItem per 100 teachers; a registration is
one TransactWriteItems of two items (the registration and the cap counter), an approval of
four (registration, entry, totals, message).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.common import keys, ledger, outbox, store
from functions.common.errors import (
    Conflict,
    NotCarried,
    RegistrationDecided,
    SchoolBasedCapReached,
)
from functions.common.settings import settings
from schemas.credits import (
    CreditEntry,
    CreditTotals,
    Registration,
    RegistrationStatus,
)
from schemas.notify import Message
from schemas.training import Completion


def _totals(item: dict[str, Any] | None, teacher_id: str, cycle_id: str) -> CreditTotals:
    if not item:
        return CreditTotals(teacher_id=teacher_id, cycle_id=cycle_id)
    return CreditTotals(
        teacher_id=teacher_id,
        cycle_id=cycle_id,
        **{
            k: int(item.get(k, 0))
            for k in ("total", "online", "offline", "school_based", "sb_held", "entries")
        },
    )


class TeacherLedger:
    """Everything under a teacher's partition that the credits views read, from one Query."""

    def __init__(self, teacher_id: str, items: Iterable[dict[str, Any]]) -> None:
        self.teacher_id = teacher_id
        self.entries: list[CreditEntry] = []
        self.totals: dict[str, CreditTotals] = {}
        self.registrations: list[Registration] = []
        for i in items:
            sk = str(i["SK"])
            if sk.startswith(keys.LEDGER_PREFIX):
                self.entries.append(CreditEntry.model_validate_json(i["doc"]))
            elif sk.startswith("CREDITS#"):
                cycle = sk.removeprefix("CREDITS#")
                self.totals[cycle] = _totals(i, teacher_id, cycle)
            elif sk.startswith(keys.SBREG_PREFIX):
                self.registrations.append(Registration.model_validate_json(i["doc"]))

    def cycle_totals(self, cycle_id: str) -> CreditTotals:
        return self.totals.get(cycle_id) or CreditTotals(
            teacher_id=self.teacher_id, cycle_id=cycle_id
        )


def teacher_ledger(teacher_id: str) -> TeacherLedger:
    """The teacher's entries, totals and school-based registrations (all cycles)."""
    pk = keys.teacher(teacher_id)["PK"]
    items: list[dict[str, Any]] = []
    for prefix in (keys.LEDGER_PREFIX, "CREDITS#", keys.SBREG_PREFIX):
        items += store.query_pages(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
            ExpressionAttributeValues={":pk": pk, ":p": prefix},
            ConsistentRead=True,
        )
    return TeacherLedger(teacher_id, items)


def totals_of(teacher_ids: Sequence[str], cycle_id: str) -> dict[str, CreditTotals]:
    """Cycle totals of many teachers (BatchGetItem; a teacher without any is at zero)."""
    found = {
        str(i["PK"]).removeprefix("TEACHER#"): i
        for i in store.batch_get([keys.credit_totals(t, cycle_id) for t in teacher_ids])
    }
    return {t: _totals(found.get(t), t, cycle_id) for t in teacher_ids}


def post_entry(e: CreditEntry, extra: Sequence[dict[str, Any]] = ()) -> bool:
    """Post one entry with its totals (and `extra` operations). False if the entry was posted
    already (the whole write is then left undone)."""
    try:
        store.transact_write([*ledger.post(e), *extra])
    except ClientError as exc:
        if 0 in store.failed_conditions(exc):
            return False
        raise
    return True


# --- school-based registrations (CR-1) -------------------------------------------------------


def registration_item(r: Registration) -> dict[str, Any]:
    at = r.registered_at.astimezone(UTC).isoformat()
    return {
        **keys.registration(r.teacher_id, r.registration_id),
        **keys.registration_by_school(r.school_id, at, r.registration_id),
        **keys.registration_by_region(r.region_code, r.status.value, at, r.registration_id),
        "doc": r.model_dump_json(),
        "status": r.status.value,
        "credits": r.credits,
        "cycle_id": r.cycle_id,
    }


def _hold_op(r: Registration, delta: int, cap: int | None) -> dict[str, Any]:
    """The cycle totals' `sb_held` moved by `delta`; with `cap`, only while it stays within."""
    values: dict[str, Any] = {":d": delta, ":tid": r.teacher_id, ":cy": r.cycle_id}
    update: dict[str, Any] = {
        "TableName": settings().table_name,
        "Key": keys.credit_totals(r.teacher_id, r.cycle_id),
        "UpdateExpression": "ADD sb_held :d SET teacher_id = :tid, cycle_id = :cy",
        "ExpressionAttributeValues": values,
    }
    if cap is not None:
        update["ConditionExpression"] = "attribute_not_exists(sb_held) OR sb_held <= :room"
        values[":room"] = cap - delta
        update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Update": update}


def register(r: Registration, cap: int) -> bool:
    """CR-1: register `r` and count it against the teacher's school-based cap in one write: the
    counter's condition refuses a registration that would pass `cap`, however many clerks
    register the same teacher at once. False if `r` exists already (a retried request).
    Raises SchoolBasedCapReached with `held` (the credits already counted)."""
    ops = [
        store.put_op(registration_item(r), "attribute_not_exists(PK)"),
        _hold_op(r, r.credits, cap),
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            return False
        if 1 in failed:
            old = store.cancellation_item(exc, 1) or {}
            raise SchoolBasedCapReached(held=int(old.get("sb_held", 0))) from exc
        raise
    return True


def get_registration(teacher_id: str, registration_id: str) -> Registration | None:
    item = store.get_item(keys.registration(teacher_id, registration_id), consistent=True)
    return Registration.model_validate_json(item["doc"]) if item else None


def _move_op(old: Registration, new: Registration) -> dict[str, Any]:
    """The registration replaced by `new`, only while it is still in `old`'s state."""
    return store.put_op(
        registration_item(new),
        "#st = :st",
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues={":st": old.status.value},
    )


def decide(
    old: Registration,
    new: Registration,
    entry: CreditEntry | None,
    cap: int,
    messages: Sequence[Message] = (),
) -> None:
    """Move a registration to its decision in one write: approval posts its entry (the
    approved school-based credits checked against `cap` again, CR-1); rejection and withdrawal
    release what it held; revocation posts the reversing entry and releases it."""
    ops = [_move_op(old, new)]
    releases = new.status in (
        RegistrationStatus.REJECTED,
        RegistrationStatus.WITHDRAWN,
        RegistrationStatus.REVOKED,
    )
    if entry is not None:
        # The totals item takes the entry and the release in one update (a transaction may
        # not hold two operations on one item).
        ops += ledger.post(
            entry,
            school_based_cap=cap if entry.credits > 0 else None,
            held=-old.credits if releases else 0,
        )
    elif releases:
        ops.append(_hold_op(old, -old.credits, None))
    ops += [outbox.put(m) for m in messages]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed or 1 in failed:
            raise RegistrationDecided() from exc
        if 2 in failed:
            old_totals = store.cancellation_item(exc, 2) or {}
            raise SchoolBasedCapReached(held=int(old_totals.get("school_based", 0))) from exc
        raise


def registrations_of_school(school_id: str) -> list[Registration]:
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.registration_by_school(school_id, "", "")["GSI1PK"]},
        ScanIndexForward=False,
    )
    return [Registration.model_validate_json(i["doc"]) for i in items]


def registrations_of_county(county: str, status: str | None = None) -> list[Registration]:
    gsi = keys.registration_by_region(county, status or "", "", "")
    cond = "GSI2PK = :pk"
    values = {":pk": gsi["GSI2PK"]}
    if status:
        cond += " AND begins_with(GSI2SK, :p)"
        values[":p"] = f"{status}#"
    items = store.query_pages(
        IndexName="GSI2", KeyConditionExpression=cond, ExpressionAttributeValues=values
    )
    return [Registration.model_validate_json(i["doc"]) for i in items]


# --- segmented projects (CR-2) ----------------------------------------------------------------


def enrolments(project_id: str) -> list[dict[str, Any]]:
    """The teachers enrolled in a segmented project, with the segments they completed."""
    gsi = keys.enrolment_by_project(project_id, "")
    return list(
        store.query_pages(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": gsi["GSI1PK"]},
        )
    )


def segment_completions(project_id: str, segment: int) -> dict[str, Completion]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.project(project_id)["PK"],
            ":p": keys.segment_completion_prefix(segment),
        },
        ConsistentRead=True,
    )
    out = [Completion.model_validate(i) for i in items]
    return {c.teacher_id: c for c in out}


def write_segment_completion(
    c: Completion, prev: Completion | None, segments: int, by_name: str, message: Message
) -> None:
    """CR-2: a later segment's decision with its credits, in one write: the record (on the
    version it replaces), the ledger entry and totals, the certificate code, the enrolment
    (only a teacher carried into the segment passes it) and the teacher's message."""
    settled = ledger.settle(c, prev, by_name)
    c = settled.completion
    item = {
        **keys.segment_completion(c.project_id, c.segment, c.teacher_id),
        **keys.completion_by_teacher(c.teacher_id, c.term, f"{c.class_id}#S{c.segment}"),
        **c.model_dump(mode="json"),
    }
    if prev is None:
        put = store.put_op(item, "attribute_not_exists(PK)")
    else:
        put = store.put_op(item, "version = :v", ExpressionAttributeValues={":v": prev.version})
    enrol = ledger.enrolment_op(c, segments, c.decided_at)
    ops = [put, *([enrol] if enrol else []), *settled.ops, outbox.put(message)]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            raise Conflict("该教师的本段结业认定已被他人修改，请刷新后再操作") from exc
        if 1 in failed and enrol is not None:
            raise NotCarried() from exc
        raise


# --- certificates ------------------------------------------------------------------------------


def certificate_ref(code: str) -> dict[str, Any] | None:
    return store.get_item(keys.certificate(code), consistent=True)


def completion_at(ref: dict[str, Any]) -> Completion | None:
    """The completion a certificate code names, as it stands now."""
    segment = int(ref.get("segment", 0))
    if segment > 1:
        key = keys.segment_completion(str(ref["project_id"]), segment, str(ref["teacher_id"]))
    else:
        key = keys.completion(str(ref["class_id"]), str(ref["teacher_id"]))
    item = store.get_item(key, consistent=True)
    return Completion.model_validate(item) if item else None


def completions_of_teacher(teacher_id: str) -> list[Completion]:
    """Every completion of the teacher, all terms (培训档案)."""
    gsi = keys.completion_by_teacher(teacher_id, "", "")
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": gsi["GSI1PK"]},
    )
    return [Completion.model_validate(i) for i in items]


def stamp(at: datetime) -> str:
    return at.strftime("%Y%m%d%H%M%S")
