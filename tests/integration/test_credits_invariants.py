"""The ledger's invariants after a random workload with injected faults (issue 14), in the style
of the selection invariants: completion decisions and corrections, school-based registrations,
approvals, rejections, withdrawals and revocations at random while a quarter of DynamoDB calls
fail with throttles or transaction conflicts. Afterwards every teacher's cycle totals equal the
sum of their entries, what the school-based cap counts equals the registrations that hold it
and never passes the cap (CR-1), and each class's entries add up to what its completion earns."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from typing import Any

import pytest

from functions.common import keys, store
from tests.integration.test_credits_ledger import END, decide, enrol
from tests.integration.test_credits_school_based import (
    api,
    county_bureaus,  # noqa: F401 (autouse fixture: the county bureaus' accounts)
)
from tests.integration.test_selection_workflow import EXTRA, more_people  # noqa: F401

CAP = 150
HOLDING = {"pending", "approved"}


def check_ledger() -> None:
    items = store.table().scan(ConsistentRead=True)["Items"]
    entries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    totals: dict[str, dict[str, Any]] = {}
    regs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in items:
        pk, sk = str(i["PK"]), str(i["SK"])
        if not pk.startswith("TEACHER#"):
            continue
        tid = pk.removeprefix("TEACHER#")
        if sk.startswith(keys.LEDGER_PREFIX):
            entries[tid].append(json.loads(i["doc"]))
        elif sk.startswith("CREDITS#"):
            totals[tid] = i
        elif sk.startswith(keys.SBREG_PREFIX):
            regs[tid].append(json.loads(i["doc"]))
    for tid in set(entries) | set(totals) | set(regs):
        es, t = entries[tid], totals.get(tid, {})
        assert int(t.get("total", 0)) == sum(e["online"] + e["offline"] for e in es), tid
        assert int(t.get("online", 0)) == sum(e["online"] for e in es), tid
        assert int(t.get("offline", 0)) == sum(e["offline"] for e in es), tid
        assert int(t.get("entries", 0)) == len(es), tid
        sb = sum(e["online"] + e["offline"] for e in es if e["source"] == "school_based")
        assert int(t.get("school_based", 0)) == sb, tid
        held = sum(r["offline"] + r["online"] for r in regs[tid] if r["status"] in HOLDING)
        assert int(t.get("sb_held", 0)) == held, tid
        assert sb <= held <= CAP, tid  # CR-1
        # Every approved registration has exactly its entry; every other has none net.
        for r in regs[tid]:
            net = sum(
                e["online"] + e["offline"]
                for e in es
                if e.get("registration_id") == r["registration_id"]
            )
            assert net == (r["offline"] + r["online"] if r["status"] == "approved" else 0), r
    # Each class's entries add up to what its completion earns now.
    for i in items:
        if str(i["SK"]).startswith(keys.DONE_PREFIX):
            tid = str(i["teacher_id"])
            net = sum(
                e["online"] + e["offline"]
                for e in entries[tid]
                if e["class_id"] == i["class_id"] and e["source"] == "training"
            )
            assert net == (int(i["credits"]) if i["outcome"] == "pass" else 0), (tid, i["version"])


@pytest.mark.parametrize("seed", [3, 4])
def test_ledger_totals_equal_its_entries_after_a_random_workload_with_faults_CR_1(
    clock_at: Any, seed: int
) -> None:
    rng = random.Random(seed)
    teachers = ["t1", "t2", *(t.teacher_id for t in EXTRA)]
    enrol(clock_at, teachers)
    clock_at(END)
    store.install_faults(store.client(), 0.25, seed=seed)
    statuses: list[int] = []
    made: list[dict[str, Any]] = []

    def send(*args: Any, **kw: Any) -> tuple[int, Any]:
        key = f"rnd-{rng.getrandbits(48):012x}"
        for _ in range(8):
            status, body = api(*args, key=key, **kw)
            statuses.append(status)
            if status != 503:
                return status, body
        return status, body

    for _ in range(70):
        op = rng.random()
        t = rng.choice(teachers)
        if op < 0.35:
            status, body = send(
                "POST",
                "/api/credits/school-based",
                rng.choice(["p-s1", "a-s1"]),
                {
                    "teacher_id": t,
                    "title": "校本研修",
                    "on": "2024-04-20",
                    "offline": rng.randint(10, 70),
                    "online": rng.choice([0, 0, 5]),
                },
            )
            if status == 201:
                made.append(body)
        elif op < 0.65 and made:
            r = rng.choice(made)
            decision = rng.choice(["approve", "approve", "reject", "revoke", "withdraw"])
            who = "a-s1" if decision == "withdraw" else "bureau-330106"
            send(
                "POST",
                "/api/credits/school-based/decisions",
                who,
                {
                    "items": [
                        {"teacher_id": r["teacher_id"], "registration_id": r["registration_id"]}
                    ],
                    "decision": decision,
                    "reason": "抽查调整",
                },
            )
        else:
            try:
                decide(t, rng.choice(["pass", "fail"]), rng.choice(["补课已完成", "复核调整"]))
            except AssertionError:
                statuses.append(503)  # the decision's reads ran out of retries: a 503
    store.reset_clients()  # the faults stay with the old client
    check_ledger()
    assert 500 not in statuses and all(s < 500 or s == 503 for s in statuses)
    assert store.injected_faults, "faults were injected"
    assert made, "some registrations went through"
