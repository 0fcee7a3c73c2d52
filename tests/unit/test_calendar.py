"""Term calendar: every PH-* phase as data, inclusive days, Asia/Shanghai, exact times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
import yaml

from schemas.calendar import SHANGHAI, PhaseId, TermCalendar, load_calendar, term_calendar


def sh(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_2024h1_has_every_phase_of_rules_with_the_notice_dates():
    cal = term_calendar("2024H1")
    assert {w.phase for w in cal.phases} == set(PhaseId)
    assert cal.window(PhaseId.R1).start == date(2024, 3, 19)
    assert cal.window(PhaseId.R1).end == date(2024, 3, 26)
    assert cal.window(PhaseId.R2).start == date(2024, 3, 31)
    assert cal.window(PhaseId.ORDER_PICK).end == date(2024, 3, 15)


@pytest.mark.parametrize(
    ("instant", "open_"),
    [
        ("2024-03-18 23:59:59", False),
        ("2024-03-19 00:00:00", True),
        ("2024-03-26 23:59:59", True),
        ("2024-03-27 00:00:00", False),
    ],
)
def test_round1_window_is_inclusive_days_in_shanghai_PH_R1(instant, open_):
    assert term_calendar("2024H1").is_open(PhaseId.R1, sh(instant)) is open_


def test_instants_in_utc_are_judged_in_shanghai_time():
    # 2024-03-18 16:00 UTC is 2024-03-19 00:00 in Shanghai: round 1 has opened.
    assert term_calendar("2024H1").is_open(PhaseId.R1, datetime(2024, 3, 18, 16, 0, tzinfo=UTC))
    assert not term_calendar("2024H1").is_open(
        PhaseId.R1, datetime(2024, 3, 18, 15, 59, tzinfo=UTC)
    )


def test_windows_may_overlap_round1_and_school_review_on_march_26():
    phases = term_calendar("2024H1").open_phases(sh("2024-03-26 12:00"))
    assert PhaseId.R1 in phases and PhaseId.R1_SCHOOL in phases


def test_naive_instants_are_rejected():
    with pytest.raises(ValueError):
        term_calendar("2024H1").is_open(PhaseId.R1, datetime(2024, 3, 20))


def _raw() -> dict:
    return yaml.safe_load(Path("data/terms/2024H1.yaml").read_text(encoding="utf-8"))


def test_exact_opening_and_closing_times_are_honoured():
    raw = _raw()
    for p in raw["phases"]:
        if p["phase"] == "PH-R1":
            p["opens_at"], p["closes_at"] = "09:00", "17:00"
    cal = TermCalendar.model_validate(raw)
    assert not cal.is_open(PhaseId.R1, sh("2024-03-19 08:59"))
    assert cal.is_open(PhaseId.R1, sh("2024-03-19 09:00"))
    assert cal.is_open(PhaseId.R1, sh("2024-03-26 16:59"))
    assert not cal.is_open(PhaseId.R1, sh("2024-03-26 17:00"))
    assert cal.window(PhaseId.R1).opens_at == time(9)


def test_missing_phase_fails_validation_naming_it(tmp_path):
    raw = _raw()
    raw["phases"] = [p for p in raw["phases"] if p["phase"] != "PH-R2"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"(?s)bad.yaml.*phases missing: PH-R2"):
        load_calendar(path)


def test_window_ending_before_it_starts_is_rejected():
    raw = _raw()
    raw["phases"][0]["end"] = "2024-03-01"
    with pytest.raises(ValueError, match="before start"):
        TermCalendar.model_validate(raw)


def test_boundaries_cover_every_open_and_close():
    b = term_calendar("2024H1").boundaries()
    assert len(b) == 2 * len(PhaseId)
    assert b == sorted(b, key=lambda x: (x[0], x[1].value, x[2]))
