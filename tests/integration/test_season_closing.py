"""Closing the review windows (SE-1) by the scheduled phase toggle: unreviewed selections are
resolved as the term data says, exactly once, in batches, safe to retry; when the last recheck
window closes every waitlist ends 未递补 and no promotion happens afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import keys, store
from functions.phases import handler
from functions.selection import closing
from functions.selection import store as sel_store
from schemas.calendar import ClosingRules, term_calendar
from schemas.selection import WithdrawalRight
from tests.integration.test_selection_workflow import (
    R1,
    R1_RECHECK,
    R1_SCHOOL,
    R2,
    R2_RECHECK,
    R2_SCHOOL,
    TRAIN,
    check_invariants,
    fill_p1_c1,
    more_people,  # noqa: F401 (autouse fixture: the extra teachers and staff)
    recheck,
    review,
    select,
    status_of,
    waiting,
    withdraw,
)


class Ctx:
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:zjtrain-phases"
    function_name = "zjtrain-phases"
    memory_limit_in_mb = 512
    aws_request_id = "req"

    def __init__(self, seconds: float = 900) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


def close(phase: str, at: str, clock_at: Any, ctx: Ctx | None = None) -> dict[str, Any]:
    """The schedule's close event of `phase` at `at` (Asia/Shanghai), fired at that instant."""
    clock_at(at.replace("T", " "))
    event = {"term": "2024H1", "phase": phase, "action": "close", "at": f"{at}+08:00"}
    return handler.lambda_handler(event, ctx or Ctx())  # type: ignore[arg-type]


def load_days(tid: str) -> set[str]:
    item = store.get_item(keys.teacher_term(tid, "2024H1"), consistent=True) or {}
    return set(item.get("days", set()))


@pytest.fixture
def closing_rules(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Replace the term data's closing rules for one test."""

    def use(**rules: str) -> None:
        cal = term_calendar("2024H1")
        changed = cal.model_copy(update={"closing": ClosingRules(**rules)})  # type: ignore[arg-type]
        monkeypatch.setattr("functions.phases.service.term_calendar", lambda term: changed)

    return use


def test_pending_at_the_close_of_school_review_is_approved_with_the_reason_SE_1(clock_at):
    clock_at(R1)
    fill_p1_c1()
    clock_at(R1_SCHOOL)
    assert review("p-s1", [("t1", "p1-c1")], "approve")[0] == 200

    result = close("PH-R1-SCHOOL", "2024-03-28T00:00:00", clock_at)

    assert result["closing"]["done"] and result["closing"]["counts"] == {"school_approved": 1}
    item = store.get_item(keys.selection("t2", "2024H1", "p1-c1"), consistent=True)
    assert item is not None and item["status"] == "school_approved"
    assert item["reason"].startswith(closing.SCHOOL_LATE)
    assert item["history"][-1]["by"] == "system"
    check_invariants()


def test_pending_is_released_when_the_term_data_says_so_SE_1(clock_at, closing_rules):
    closing_rules(unreviewed_school="release", unreviewed_recheck="release")
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p1-c1", waitlist=True)[0] == 201

    close("PH-R1-SCHOOL", "2024-03-28T00:00:00", clock_at)

    for tid in ("t1", "t2"):
        item = store.get_item(keys.selection(tid, "2024H1", "p1-c1"), consistent=True)
        assert item is not None
        assert (item["status"], item["reason"]) == ("school_rejected", closing.SCHOOL_LATE)
        assert not load_days(tid)
    # The freed seat went to the waitlist head, to be reviewed in round 2's school window.
    assert status_of("t4", "p1-c1") == "pending"
    check_invariants()


def test_unrechecked_selections_are_confirmed_or_released_at_the_recheck_close_SE_1(
    clock_at, closing_rules
):
    clock_at(R1)
    fill_p1_c1()
    clock_at(R1_SCHOOL)
    review("p-s1", [("t1", "p1-c1"), ("t2", "p1-c1")], "approve")
    clock_at(R1_RECHECK)
    recheck("inst-zjnu", [("t1", "p1-c1")], "confirm")

    close("PH-R1-RECHECK", "2024-03-31T00:00:00", clock_at)
    item = store.get_item(keys.selection("t2", "2024H1", "p1-c1"), consistent=True)
    assert item is not None and item["status"] == "confirmed"
    assert item["reason"].startswith(closing.RECHECK_LATE)

    closing_rules(unreviewed_recheck="release")
    clock_at(R2)
    assert select("t1", "p1-c2")[0] == 201
    clock_at(R2_SCHOOL)
    review("p-s1", [("t1", "p1-c2")], "approve")
    close("PH-R2-RECHECK", "2024-04-04T00:00:00", clock_at)
    item = store.get_item(keys.selection("t1", "2024H1", "p1-c2"), consistent=True)
    assert item is not None
    assert (item["status"], item["reason"]) == ("recheck_rejected", closing.RECHECK_LATE)
    check_invariants()


def test_the_close_runs_once_even_when_the_toggle_fires_again_SE_1(clock_at):
    clock_at(R1)
    fill_p1_c1()
    first = close("PH-R1-SCHOOL", "2024-03-28T00:00:00", clock_at)
    # A selection made pending after the close (a promotion reviewed in round 2) is not the
    # first close's business: the retried toggle must not approve it.
    store.table().update_item(
        Key=keys.selection("t1", "2024H1", "p1-c1"),
        UpdateExpression="SET #s = :p",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": "pending"},
    )
    again = close("PH-R1-SCHOOL", "2024-03-28T00:05:00", clock_at)

    assert first["closing"]["counts"] == again["closing"]["counts"] == {"school_approved": 2}
    assert status_of("t1", "p1-c1") == "pending"


def test_a_run_short_of_time_resumes_and_the_next_run_finishes_in_batches_SE_1(
    clock_at, monkeypatch
):
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p4-c1")[0] == 201
    resumed: list[dict[str, Any]] = []
    monkeypatch.setattr(closing, "BATCH", 2)
    monkeypatch.setattr("functions.phases.invoke.resume", lambda fn, event: resumed.append(event))
    short = Ctx(seconds=0)  # less than the margin before the first batch
    first = close("PH-R1-SCHOOL", "2024-03-28T00:00:00", clock_at, short)
    assert resumed and first["closing"]["cursor"] == 0 and not first["closing"]["done"]
    assert status_of("t1", "p1-c1") == "pending"

    second = close("PH-R1-SCHOOL", "2024-03-28T00:00:00", clock_at)
    job = second["closing"]
    assert job["done"] and job["cursor"] == job["classes"] == 6
    assert job["counts"] == {"school_approved": 3} and job["runs"] == 2
    assert {status_of(t, c) for t, c in (("t1", "p1-c1"), ("t2", "p1-c1"), ("t4", "p4-c1"))} == {
        "school_approved"
    }


def test_waitlists_end_unpromoted_when_the_last_recheck_closes_SE_1(clock_at):
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p1-c1", waitlist=True)[0] == 201
    assert select("t5", "p1-c1", waitlist=True)[0] == 201
    clock_at(R1_SCHOOL)
    review("p-s1", [("t1", "p1-c1"), ("t2", "p1-c1")], "approve")

    result = close("PH-R2-RECHECK", "2024-04-04T00:00:00", clock_at)

    assert result["closing"]["counts"]["waitlist_closed"] == 2
    for tid in ("t4", "t5"):
        item = store.get_item(keys.selection(tid, "2024H1", "p1-c1"), consistent=True)
        assert item is not None and item["status"] == "waitlist_closed"
        assert item["reason"] == closing.WAITLIST_CLOSED
    assert waiting("p1-c1") == []
    assert {status_of("t1", "p1-c1"), status_of("t2", "p1-c1")} == {"confirmed"}
    told = [i for i in store.table().scan()["Items"] if i.get("kind") == "waitlist_closed"]
    assert sorted(i["PK"] for i in told) == sorted(
        keys.inbox_message(f"T:{t}", "x")["PK"] for t in ("t4", "t5")
    )
    check_invariants()


def test_no_promotion_after_the_last_review_window_SE_1(clock_at):
    """Before the fix a withdrawal during training promoted the waitlist head into a pending
    seat that no window could ever review."""
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p1-c1", waitlist=True)[0] == 201
    sel_store.grant_withdrawal_right(
        WithdrawalRight(
            teacher_id="t1",
            term="2024H1",
            project_id="p1",
            change_id="c1",
            reason="变更",
            granted_at=clock_at(TRAIN),
        )
    )
    assert withdraw("t1", "p1-c1")[0] == 200  # (the waitlist was never closed here)

    assert status_of("t4", "p1-c1") == "waitlisted"
    assert store.get_item(keys.class_seats("p1-c1"), consistent=True)["held"] == 1


def test_a_rejection_in_the_last_window_still_promotes_SE_1(clock_at):
    clock_at(R1)
    fill_p1_c1()
    assert select("t4", "p1-c1", waitlist=True)[0] == 201
    clock_at(R1_SCHOOL)
    review("p-s1", [("t1", "p1-c1")], "approve")
    clock_at(R2_RECHECK)
    assert recheck("inst-zjnu", [("t1", "p1-c1")], "reject", "名额调整")[0] == 200
    assert status_of("t4", "p1-c1") == "pending"  # resolved by the close of this window
