"""Credit rules and the ledger seam as pure functions (CR-1, CR-2, CR-3; issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from functions.common import ledger
from functions.common.errors import OutsideWindow, ValidationFailed
from functions.credits import rules
from schemas.catalog import Segment, TrainingForm
from schemas.credits import CreditCycle, CreditsConfig, credits_config
from schemas.training import Completion, Outcome
from tests.support import world as w

CYCLE = CreditCycle(
    cycle_id="2021-2025",
    name="2021—2025年学分周期",
    start=date(2021, 1, 1),
    end=date(2025, 12, 31),
    required=360,
    school_based_cap=150,
)


def _segmented() -> object:
    return w.project("p9", [("p9-c1", date(2024, 5, 6), date(2024, 5, 8), 30)]).model_copy(
        update={
            "credits_total": 90,
            "credits_online": 18,
            "form": TrainingForm.BLENDED,
            "segments": (
                Segment(name="第一段", semester="2024H1", credits=48),
                Segment(name="第二段", semester="2024H2", credits=42),
            ),
        }
    )


def test_a_segmented_project_earns_the_segment_of_the_term_never_the_whole_CR_2():
    p = _segmented()
    assert rules.class_credits(p, "2024H1") == rules.ClassCredits(1, 48, 10)  # type: ignore[arg-type]
    assert rules.segment_credits(p, 2) == rules.ClassCredits(2, 42, 8)  # type: ignore[arg-type]
    plain = w.project("p1", [("p1-c1", date(2024, 4, 8), date(2024, 4, 10), 2)])
    assert rules.class_credits(plain, "2024H1") == rules.ClassCredits(0, 24, 0)


def test_a_later_segment_opens_with_its_semester_CR_2():
    p = _segmented()
    with pytest.raises(OutsideWindow):
        rules.check_segment_open(p, 2, datetime(2024, 6, 30, 10, tzinfo=UTC))  # type: ignore[arg-type]
    assert rules.check_segment_open(p, 2, datetime(2024, 7, 1, 1, tzinfo=UTC)).name == "第二段"  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        rules.check_segment_open(p, 3, datetime(2024, 9, 1, tzinfo=UTC))  # type: ignore[arg-type]


def test_the_cap_message_says_how_many_credits_remain_CR_1():
    msg = rules.cap_message("王芳", CYCLE, 140, 20)
    assert "已登记 140 学分" in msg and "还可登记 10 学分" in msg and "上限 150" in msg
    assert rules.school_based_room(CYCLE, 140) == 10
    assert rules.school_based_room(CYCLE, 160) == 0


def test_the_pace_of_a_cycle():
    assert rules.expected_by_now(CYCLE, date(2021, 1, 1)) == 0
    assert rules.expected_by_now(CYCLE, date(2023, 7, 3)) == 180  # 913 of 1,826 days
    assert rules.expected_by_now(CYCLE, date(2026, 1, 1)) == 360
    assert rules.behind(179, 180) and not rules.behind(180, 180)
    assert rules.percent(400, 360) == 100.0


def test_the_cycles_are_data_without_overlaps():
    assert credits_config().cycle_of(date(2024, 4, 10)).cycle_id == "2021-2025"  # type: ignore[union-attr]
    assert credits_config().cycle_of(date(2019, 1, 1)) is None
    with pytest.raises(ValueError, match="overlap"):
        CreditsConfig(cycles=(CYCLE, CYCLE.model_copy(update={"cycle_id": "2025-2029"})))


def _completion(outcome: Outcome, version: int = 1, **kw: object) -> Completion:
    return Completion(
        term="2024H1",
        class_id="p1-c2",
        project_id="p1",
        project_title="大单元教学",
        class_name="第2期",
        institution_id="zjnu",
        institution_name="浙江师范大学",
        teacher_id="t1",
        teacher_name="王芳",
        school_id="s1",
        region_code="330106",
        outcome=outcome,
        proposed=outcome,
        decided_by="inst-zjnu",
        decided_role="institution",
        decided_at=datetime(2024, 5, 9, tzinfo=UTC),
        version=version,
        credits=24,
        credits_online=6,
        class_end=date(2024, 5, 8),
        **kw,  # type: ignore[arg-type]
    )


def test_settling_a_pass_posts_its_credits_with_a_certificate_code():
    s = ledger.settle(_completion(Outcome.PASS), None)
    assert s.entry is not None and (s.entry.online, s.entry.offline) == (6, 18)
    assert s.entry.entry_id == "C#p1-c2#v1" and s.entry.cycle_id == "2021-2025"
    assert s.completion.credit_entry == "C#p1-c2#v1" and len(s.completion.certificate) == 12
    assert len(s.ops) == 3  # entry, totals, certificate code


def test_a_correction_posts_the_difference_and_names_what_it_corrects():
    first = ledger.settle(_completion(Outcome.PASS), None).completion
    undo = ledger.settle(_completion(Outcome.FAIL, 2), first)
    assert (
        undo.entry is not None and undo.entry.credits == -24 and undo.entry.adjusts == "C#p1-c2#v1"
    )
    assert undo.completion.certificate == ""  # a 不合格 has no certificate
    same = ledger.settle(_completion(Outcome.PASS, 3, reason="x"), first)
    assert same.entry is None and same.completion.credit_entry == "C#p1-c2#v1"
    assert same.completion.certificate != first.certificate  # a revision revokes the old code


def test_a_decision_made_before_the_ledger_has_nothing_to_reverse():
    old = _completion(Outcome.PASS)  # no credit_entry: credits were never posted
    s = ledger.settle(_completion(Outcome.FAIL, 2), old)
    assert s.entry is None and s.ops == []


def test_codes_read_from_paper_are_normalized():
    assert ledger.format_code("ABCD1234EFGH") == "ABCD-1234-EFGH"
    assert ledger.normalize_code(" abcd-1234-efgh ") == "ABCD1234EFGH"
    assert ledger.normalize_code("O0I1") == "0011"
    assert all(c in ledger.CODE_ALPHABET for c in ledger.new_certificate_code())
