"""The credit ledger's write seam (issue 14, CR-1, CR-2): the TransactWriteItems operations that
post a ledger entry together with the teacher's cycle totals, for a writer to put into its own
transaction (as `functions/common/outbox.py` does for messages).

    ops = [my_decision_put, *ledger.post(entry), outbox.put(msg)]
    store.transact_write(ops)

- An entry is a Put conditioned on its absence: posting the same entry twice cancels the whole
  transaction, so a retried write can never count credits twice (idempotent by entry id).
- The totals are one Update that ADDs the entry's credits in the same transaction, so the
  totals always equal the sum of the entries (tests/integration/test_credits_ledger.py checks it
  after a random workload with injected faults).
- Completions (functions/training/store.completion_items) post through `settle`: a 合格 decision
  posts the class's credits, a correction posts the difference (a reversal when 合格 becomes
  不合格), never an overwrite. The completion carries the id of the last entry it posted.
- The certificate of a 合格 completion is a code whose index item is written with it; the
  certificate itself is generated from the completion on every view (functions/credits).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from functions.common import keys
from functions.common.errors import ValidationFailed
from functions.common.settings import settings
from schemas.credits import CreditEntry, CreditSource, credits_config
from schemas.training import Completion, Outcome

# Crockford's base32 without I, L, O, U: a code read aloud or typed from paper is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits: not guessable, short enough to print under the QR code


def new_certificate_code() -> str:
    """A fresh verification code, shown as XXXX-XXXX-XXXX."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(text: str) -> str:
    """A code as typed (lower case, dashes, spaces, O for 0 …) to its stored form."""
    t = text.strip().upper().replace("-", "").replace(" ", "")
    return t.replace("O", "0").replace("I", "1").replace("L", "1")


def entry_item(e: CreditEntry) -> dict[str, Any]:
    return {
        **keys.ledger_entry(e.teacher_id, e.cycle_id, e.entry_id),
        "doc": e.model_dump_json(),
        "credits": e.credits,
        "source": e.source.value,
    }


def post(
    e: CreditEntry, school_based_cap: int | None = None, held: int = 0
) -> list[dict[str, Any]]:
    """The operations posting `e`: the entry (only if absent) and its cycle totals added to.
    With `school_based_cap`, the teacher's approved school-based credits may not pass it (CR-1,
    index 1 of the returned operations fails); `held` moves what the cap counts (a revoked
    registration releases its credits in the same update)."""
    name = settings().table_name
    values: dict[str, Any] = {
        ":t": e.credits,
        ":on": e.online,
        ":off": e.offline,
        ":one": 1,
        ":tid": e.teacher_id,
        ":cy": e.cycle_id,
    }
    names = {"#t": "total", "#on": "online", "#off": "offline", "#n": "entries"}
    adds = "#t :t, #on :on, #off :off, #n :one"
    update: dict[str, Any] = {
        "TableName": name,
        "Key": keys.credit_totals(e.teacher_id, e.cycle_id),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    if e.source == CreditSource.SCHOOL_BASED:
        names["#sb"] = "school_based"
        adds += ", #sb :t"
        if held:
            names["#h"] = "sb_held"
            values[":h"] = held
            adds += ", #h :h"
        if school_based_cap is not None:
            update["ConditionExpression"] = "attribute_not_exists(#sb) OR #sb <= :room"
            values[":room"] = school_based_cap - e.credits
            update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    update["UpdateExpression"] = f"ADD {adds} SET teacher_id = :tid, cycle_id = :cy"
    return [
        {
            "Put": {
                "TableName": name,
                "Item": entry_item(e),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
        {"Update": update},
    ]


# --- completions (QA-2 decisions post their credits) ----------------------------------------


def completion_entry_id(c: Completion) -> str:
    if c.segment > 1:
        return f"G#{c.project_id}#{c.segment}#v{c.version}"
    return f"C#{c.class_id}#v{c.version}"


@dataclass(frozen=True)
class Settled:
    """A completion as it is written (with its ledger entry id and certificate code) and the
    operations its credits add to the decision's transaction."""

    completion: Completion
    entry: CreditEntry | None
    ops: list[dict[str, Any]]


def settle(c: Completion, prev: Completion | None, by_name: str = "") -> Settled:
    """What a completion decision `c` (replacing `prev`, if any) does to the ledger: the
    difference between the credits `c` earns and those `prev` had posted, as one entry (none if
    nothing changes); a 合格 decision gets a new certificate code, so revising a completion
    revokes the certificate printed before (its code names the previous version)."""
    online, offline = (
        (min(c.credits_online, c.credits), c.credits - min(c.credits_online, c.credits))
        if c.outcome == Outcome.PASS
        else (0, 0)
    )
    before = _prev_earned(prev)
    d_on, d_off = online - before[0], offline - before[1]
    ops: list[dict[str, Any]] = []
    entry = None
    credit_entry = prev.credit_entry if prev else ""
    if d_on or d_off:
        day = c.class_end or c.decided_at.date()
        cycle = credits_config().cycle_of(day)
        if cycle is None:
            raise ValidationFailed(
                f"{day:%Y年%m月%d日}不在任何学分周期内，请联系管理员补充学分周期数据"
            )
        reversal = d_on + d_off < 0
        entry = CreditEntry(
            entry_id=completion_entry_id(c),
            teacher_id=c.teacher_id,
            cycle_id=cycle.cycle_id,
            source=CreditSource.SEGMENT if c.segment > 1 else CreditSource.TRAINING,
            title=f"《{c.project_title}》{c.class_name}"[:120],
            online=d_on,
            offline=d_off,
            on=day,
            term=c.term,
            project_id=c.project_id,
            class_id=c.class_id,
            class_name=c.class_name,
            segment=c.segment,
            institution_id=c.institution_id,
            institution_name=c.institution_name,
            school_id=c.school_id,
            adjusts=credit_entry,
            note=("结业认定更正为不合格，冲销学分" if reversal else "结业认定更正，调整学分")
            if credit_entry
            else "",
            posted_at=c.decided_at,
            posted_by=c.decided_by,
            posted_by_name=by_name,
        )
        ops += post(entry)
        credit_entry = entry.entry_id
    code = new_certificate_code() if c.outcome == Outcome.PASS else ""
    written = c.model_copy(update={"credit_entry": credit_entry, "certificate": code})
    if code:
        ops.append(
            {
                "Put": {
                    "TableName": settings().table_name,
                    "Item": {
                        **keys.certificate(code),
                        "class_id": c.class_id,
                        "project_id": c.project_id,
                        "teacher_id": c.teacher_id,
                        "segment": c.segment,
                        "version": c.version,
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        )
    return Settled(written, entry, ops)


def _prev_earned(prev: Completion | None) -> tuple[int, int]:
    if prev is None or prev.outcome != Outcome.PASS or not prev.credit_entry:
        return 0, 0
    online = min(prev.credits_online, prev.credits)
    return online, prev.credits - online


def enrolment_op(c: Completion, segments: int, at: datetime) -> dict[str, Any] | None:
    """CR-2: a segmented project's enrolment records which segments the teacher completed (the
    version of each 合格 decision); the next segment's roster is the teachers whose previous
    segment is recorded here, without selecting again. None for a project without segments."""
    if segments < 2 or c.segment < 1:
        return None
    attr = f"S{c.segment}"
    base: dict[str, Any] = {
        "TableName": settings().table_name,
        "Key": keys.project_enrolment(c.teacher_id, c.project_id),
        "ExpressionAttributeNames": {"#s": attr, "#segs": "segments"},
    }
    idx = keys.enrolment_by_project(c.project_id, c.teacher_id)
    values: dict[str, Any] = {
        ":pid": c.project_id,
        ":tid": c.teacher_id,
        ":cid": c.class_id,
        ":n": segments,
        ":g1": idx["GSI1PK"],
        ":g2": idx["GSI1SK"],
        ":at": at.isoformat(),
    }
    sets = (
        "project_id = :pid, teacher_id = :tid, class_id = if_not_exists(class_id, :cid), "
        "#segs = :n, GSI1PK = :g1, GSI1SK = :g2, updated_at = :at"
    )
    if c.outcome == Outcome.PASS:
        values[":v"] = c.version
        base["UpdateExpression"] = f"SET #s = :v, {sets}"
    else:
        base["UpdateExpression"] = f"SET {sets} REMOVE #s"
    base["ExpressionAttributeValues"] = values
    if c.segment > 1 and c.outcome == Outcome.PASS:
        # A later segment is passed only by a teacher carried into it (CR-2).
        base["ExpressionAttributeNames"]["#prev"] = f"S{c.segment - 1}"
        base["ConditionExpression"] = "attribute_exists(#prev)"
    return {"Update": base}


def bulk_items(entries: list[CreditEntry]) -> list[dict[str, Any]]:
    """Entries and the totals they add up to, as plain items for a bulk load (a migration of
    credit records kept before the platform, the demo seed): at most one batch per teacher and
    cycle, written to a teacher who has no ledger in that cycle yet."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    out = []
    for e in entries:
        out.append(entry_item(e))
        t = totals.setdefault(
            (e.teacher_id, e.cycle_id),
            {
                **keys.credit_totals(e.teacher_id, e.cycle_id),
                "teacher_id": e.teacher_id,
                "cycle_id": e.cycle_id,
                "total": 0,
                "online": 0,
                "offline": 0,
                "entries": 0,
            },
        )
        t["total"] += e.credits
        t["online"] += e.online
        t["offline"] += e.offline
        t["entries"] += 1
        if e.source == CreditSource.SCHOOL_BASED:
            t["school_based"] = t.get("school_based", 0) + e.credits
            t["sb_held"] = t.get("sb_held", 0) + e.credits
    return out + list(totals.values())
