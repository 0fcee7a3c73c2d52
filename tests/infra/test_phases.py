"""Phase-toggle function (the schedules' target): idempotent, tolerant of late and repeated
invocations, asks for the site's publication once when a publish phase opens (RULES.md
PH-PUBLISH, PH-ORDER-PUBLISH)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from functions.common import site, store
from functions.common.settings import settings
from functions.phases import handler, service
from functions.phases import store as phases_store
from schemas.calendar import SHANGHAI


@dataclass
class FakeContext:
    function_name: str = "phases"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:phases"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


class Publisher:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = fail

    def __call__(self, term: str, reason: str) -> None:
        if self.fail:
            raise RuntimeError("lambda unavailable")
        self.calls.append((term, reason))


@pytest.fixture
def publisher(monkeypatch: pytest.MonkeyPatch) -> Publisher:
    fake = Publisher()
    monkeypatch.setattr(site, "request_publication", fake)
    return fake


def toggle(phase: str, action: str, at: str, term: str = "2024H1") -> dict[str, Any]:
    event = {"term": term, "phase": phase, "action": action, "at": f"{at}+08:00"}
    return handler.lambda_handler(event, FakeContext())  # type: ignore[arg-type]


def stored(term: str = "2024H1") -> dict[str, Any]:
    item = phases_store.load(term)
    assert item is not None
    return item


def test_same_publish_event_twice_stores_one_state_and_publishes_once(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    """PH-PUBLISH and PH-ORDER-PUBLISH open on 03-18 (2024H1)."""
    clock_at("2024-03-18 00:00:02")
    first = toggle("PH-PUBLISH", "open", "2024-03-18T00:00:00")
    state = stored()
    second = toggle("PH-PUBLISH", "open", "2024-03-18T00:00:00")

    assert stored() == state
    assert state["active"] == ["PH-PUBLISH", "PH-ORDER-PUBLISH"]
    assert publisher.calls == [("2024H1", "PH-PUBLISH opened")]
    assert first["site_requested"] is True and second["site_requested"] is False
    assert first["active"] == second["active"]
    assert state["published"] == {"PH-PUBLISH"}


def test_both_publish_phases_each_start_one_publish(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    clock_at("2024-03-18 00:00:01")
    for _ in range(2):
        toggle("PH-PUBLISH", "open", "2024-03-18T00:00:00")
        toggle("PH-ORDER-PUBLISH", "open", "2024-03-18T00:00:00")
    assert sorted(publisher.calls) == [
        ("2024H1", "PH-ORDER-PUBLISH opened"),
        ("2024H1", "PH-PUBLISH opened"),
    ]


def test_late_close_after_the_next_phase_opened_keeps_the_calendar_answer(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    """PH-R1 closes 03-27 00:00; PH-EXPAND-APPLY opens 03-28. The close arrives a day late."""
    clock_at("2024-03-28 00:00:01")
    toggle("PH-EXPAND-APPLY", "open", "2024-03-28T00:00:00")
    assert stored()["active"] == ["PH-EXPAND-APPLY"]

    clock_at("2024-03-28 10:00")
    result = toggle("PH-R1", "close", "2024-03-27T00:00:00")
    assert result["active"] == ["PH-EXPAND-APPLY"]
    assert stored()["active"] == ["PH-EXPAND-APPLY"]
    assert datetime.fromisoformat(stored()["as_of"]) == datetime(2024, 3, 28, 10, tzinfo=SHANGHAI)
    assert publisher.calls == []


def test_late_open_of_a_closed_phase_does_not_reopen_it(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    """PH-R1-SCHOOL (03-26 – 03-27) opening delivered on 03-30: only PH-R1-RECHECK is open."""
    clock_at("2024-03-30 08:00")
    toggle("PH-R1-SCHOOL", "open", "2024-03-26T00:00:00")
    assert stored()["active"] == ["PH-R1-RECHECK"]


def test_overlapping_windows_are_both_active(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    """On 03-26 round 1 is still open and principal review has started (RULES.md)."""
    clock_at("2024-03-26 00:00:00")
    toggle("PH-R1-SCHOOL", "open", "2024-03-26T00:00:00")
    assert stored()["active"] == ["PH-R1", "PH-R1-SCHOOL"]


def test_an_older_computation_never_overwrites_a_newer_state(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    clock_at("2024-03-28 10:00")
    toggle("PH-EXPAND-APPLY", "open", "2024-03-28T00:00:00")
    newer = stored()
    older = datetime(2024, 3, 20, tzinfo=SHANGHAI)
    assert phases_store.save_active("2024H1", ["PH-R1"], older, older) is False
    assert stored() == newer


def test_late_publish_open_still_publishes_once(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    """The scheduler retried for a day: PH-PUBLISH has closed, but it did open."""
    clock_at("2024-03-19 09:00")
    toggle("PH-PUBLISH", "open", "2024-03-18T00:00:00")
    toggle("PH-PUBLISH", "open", "2024-03-18T00:00:00")
    assert publisher.calls == [("2024H1", "PH-PUBLISH opened")]
    assert stored()["active"] == ["PH-R1"]


def test_closing_a_publish_phase_does_not_publish(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    clock_at("2024-03-19 00:00:01")
    toggle("PH-PUBLISH", "close", "2024-03-19T00:00:00")
    assert publisher.calls == []


def test_failed_publish_start_is_retried_by_the_next_invocation(
    ddb: None, clock_at: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock_at("2024-03-18 00:00:01")
    monkeypatch.setattr(site, "request_publication", Publisher(fail=True))
    with pytest.raises(RuntimeError):
        toggle("PH-PUBLISH", "open", "2024-03-18T00:00:00")
    assert "published" not in stored()
    retry = Publisher()
    monkeypatch.setattr(site, "request_publication", retry)
    toggle("PH-PUBLISH", "open", "2024-03-18T00:00:00")
    assert retry.calls == [("2024H1", "PH-PUBLISH opened")]


def test_event_stamped_in_the_future_is_refused(
    ddb: None, clock_at: Any, publisher: Publisher
) -> None:
    clock_at("2024-03-17 12:00")
    with pytest.raises(service.TooEarly):
        toggle("PH-PUBLISH", "open", "2024-03-18T00:00:00")
    assert phases_store.load("2024H1") is None
    assert publisher.calls == []


def test_malformed_event_raises_so_the_scheduler_retries(ddb: None, publisher: Publisher) -> None:
    with pytest.raises(ValueError):
        handler.lambda_handler({"term": "2024H1", "phase": "PH-NOPE"}, FakeContext())  # type: ignore[arg-type]


def test_site_worker_is_started_asynchronously_by_function_name_once_while_queued(
    ddb: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A publish phase's request starts the site worker (asynchronous Invoke, by name); a
    second request while that run is queued starts nothing more."""
    monkeypatch.setenv("ZJT_SITE_FUNCTION", "zjtrain-site-publish")
    settings.cache_clear()
    started: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(store, "invoke_async", lambda f, p: started.append((f, p)))
    handler.request_site_publication("2024H1", "PH-PUBLISH opened")
    handler.request_site_publication("2024H1", "PH-ORDER-PUBLISH opened")
    assert started == [("zjtrain-site-publish", {"term": "2024H1", "reason": "PH-PUBLISH opened"})]
    assert site.status("2024H1").state == "publishing"
    settings.cache_clear()
