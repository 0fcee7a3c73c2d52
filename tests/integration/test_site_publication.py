"""Publishing the site is asked for, never done, inside a request: a bureau's 发布 records the
request and starts the site worker once (PH-PUBLISH); the page follows 发布中 → 已发布."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import site, store
from functions.common.settings import settings
from functions.platform.handler import lambda_handler as platform
from tests.integration.projects_world import PUBLISH, seed
from tests.integration.test_projects_api import api, approve, submitted
from tests.support.events import call, http_event

TERM = "2024H1"


@pytest.fixture
def started(world: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The site worker configured; its asynchronous starts recorded instead of sent."""
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setenv("ZJT_SITE_FUNCTION", "zjtrain-site-publish")
    settings.cache_clear()
    monkeypatch.setattr(store, "invoke_async", lambda f, p: calls.append((f, p)))
    seed()
    yield calls
    settings.cache_clear()


def publication() -> dict[str, Any]:
    status, body, _ = call(platform, http_event("GET", "/api/site/publication"))
    assert status == 200
    return body


def test_bureau_publish_returns_at_once_and_starts_the_site_worker_once_PH_PUBLISH(
    clock_at, started
):
    rec = approve(submitted(clock_at, leader=41), clock_at)
    clock_at(PUBLISH)
    status, body = api("POST", "/api/reviews/publish", "bureau-330000")
    assert status == 200 and body["published"] == [rec["project_id"]]
    assert body["site"]["state"] == "publishing"
    assert started == [("zjtrain-site-publish", {"term": TERM, "reason": started[0][1]["reason"]})]
    # A second click publishes nothing new and starts nothing: the run is still queued.
    status, again = api("POST", "/api/reviews/publish", "bureau-330000")
    assert (status, again["published"], len(started)) == (200, [], 1)
    assert publication()["state"] == "publishing"
    # The worker takes the request (with the project it names) and publishes.
    began, pending = site.begin_run(TERM)
    assert pending == [rec["project_id"]]
    site.end_run(TERM, began)
    done = publication()
    assert done["state"] == "published" and done["published_ms"] >= done["requested_ms"]


def test_a_request_during_a_run_starts_the_next_run(started):
    site.request_publication(TERM, "first", ["p1"])
    began, pending = site.begin_run(TERM)
    assert pending == ["p1"] and len(started) == 1
    site.request_publication(TERM, "while running", ["p2"])  # not covered by the running one
    assert len(started) == 2
    site.end_run(TERM, began)
    assert site.status(TERM).state == "publishing"
    second, pending = site.begin_run(TERM)
    assert pending == ["p2"]
    site.end_run(TERM, second)
    assert site.status(TERM).state == "published"


def test_a_failed_run_shows_failed_until_its_retry_begins_and_keeps_its_projects(started):
    site.request_publication(TERM, "x", ["p1"])
    began, pending = site.begin_run(TERM)
    site.fail_run(TERM, pending, "RuntimeError: boom")
    failed = site.status(TERM)
    assert failed.state == "failed" and "boom" in failed.error
    retry, pending = site.begin_run(TERM)  # Lambda retries the asynchronous run
    assert pending == ["p1"] and site.status(TERM).state == "publishing"
    site.end_run(TERM, retry)
    assert site.status(TERM).state == "published"


def test_an_older_run_finishing_late_never_moves_the_publication_back(started):
    site.request_publication(TERM, "x")
    first, _ = site.begin_run(TERM)
    second, _ = site.begin_run(TERM)
    site.end_run(TERM, second)
    site.end_run(TERM, first)
    assert site.status(TERM).published_ms == second
