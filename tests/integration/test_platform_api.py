"""Platform API: the phases answer carries every window so the role homes can show deadlines."""

from __future__ import annotations

from functions.platform.handler import lambda_handler
from tests.support.events import call, http_event


def test_phases_lists_each_window_with_its_deadline_by_the_server_clock_PH_R1(clock_at) -> None:
    clock_at("2024-03-26 10:00")
    status, body, _ = call(lambda_handler, http_event("GET", "/api/phases"))
    assert status == 200
    windows = {w["phase"]: w for w in body["windows"]}
    assert len(windows) == 18
    r1 = windows["PH-R1"]
    assert r1["open"] is True and r1["name"] == "教师第一轮选课"
    # The exclusive end: the last day of round 1 is 3月26日.
    assert r1["closes"] == "2024-03-27T00:00:00+08:00"
    assert windows["PH-R1-SCHOOL"]["open"] is True
    assert windows["PH-R2"]["open"] is False
    assert sorted(body["open"]) == sorted(p for p, w in windows.items() if w["open"])
    assert body["max_classes"] == 3
