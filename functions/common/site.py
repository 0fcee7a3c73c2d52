"""Asking for the static site to be published, and how far it has got.

A bureau's 发布, a county's order publication, a change to a published project and the opening
of a publish phase all end here: the site is published by the site worker (functions/site),
started by an asynchronous Invoke, never inside the request that asked. One item per term
records the requests and the runs:

    TERM#<term> | SITE   requested_ms  the last request            queued      a run is on its way
                         pending       project ids asked for since the last run began (string set)
                         started_ms    when the last run began     published_ms  when the last
                         finished_ms   run that finished began (everything asked before is on
                         failed_ms, error                           the site), and when it ended

A request is one UpdateItem; it starts the worker only if no run is queued, so repeated clicks
make one publication, and a request made while a run is going starts the next. A run queued for
longer than `STALE_MS` without starting (its start was lost) is started again. Times are the
system clock's (`clock.wall_ms`): they order runs, the dev clock may step back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel

from functions.common import clock, keys, store
from functions.common.settings import settings

STALE_MS = 15 * 60 * 1000

State = Literal["idle", "publishing", "published", "failed"]


class SitePublication(BaseModel):
    """What the pages show: 发布中 while `state` is publishing, then 已发布 at `published_at`."""

    term: str
    state: State
    requested_ms: int = 0
    published_ms: int = 0
    finished_ms: int = 0
    error: str = ""


def _view(term: str, item: dict[str, Any] | None) -> SitePublication:
    item = item or {}
    requested, published = int(item.get("requested_ms", 0)), int(item.get("published_ms", 0))
    failed, started = int(item.get("failed_ms", 0)), int(item.get("started_ms", 0))
    state: State = "idle"
    if requested and requested <= published:
        state = "published"
    elif requested and failed > requested and failed >= started:  # no retry has begun since
        state = "failed"
    elif requested:
        state = "publishing"
    elif published:
        state = "published"
    return SitePublication(
        term=term,
        state=state,
        requested_ms=requested,
        published_ms=published,
        finished_ms=int(item.get("finished_ms", 0)),
        error=str(item.get("error", "")) if state == "failed" else "",
    )


def status(term: str) -> SitePublication:
    return _view(term, store.get_item(keys.site_publication(term), consistent=True))


def request_publication(term: str, reason: str, project_ids: Sequence[str] = ()) -> SitePublication:
    """Ask for the site of `term` to be published (with `project_ids`' documents read as last
    written); start the site worker unless a run is already queued."""
    now = clock.wall_ms()
    update = "SET requested_ms = :now, queued = :t, reason = :r"
    values: dict[str, Any] = {":now": now, ":t": True, ":r": reason[:200]}
    if project_ids:
        update += " ADD pending :ids"
        values[":ids"] = set(project_ids)
    old = store.with_retries(
        lambda: store.table().update_item(
            Key=keys.site_publication(term),
            UpdateExpression=update,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
        )
    ).get("Attributes", {})
    queued = bool(old.get("queued")) and now - int(old.get("requested_ms", 0)) < STALE_MS
    worker = settings().site_function
    if worker and not queued:
        try:
            store.invoke_async(worker, {"term": term, "reason": reason})
        except Exception:
            _unqueue(term)  # the next request starts it again
            raise
    return _view(term, {**old, "requested_ms": now})


def _unqueue(term: str) -> None:
    store.with_retries(
        lambda: store.table().update_item(
            Key=keys.site_publication(term),
            UpdateExpression="SET queued = :f",
            ExpressionAttributeValues={":f": False},
        )
    )


def begin_run(term: str) -> tuple[int, list[str]]:
    """A run of the site worker begins: later requests start another. Returns the run's start
    (system milliseconds) and the project ids asked for until now."""
    now = clock.wall_ms()
    old = store.with_retries(
        lambda: store.table().update_item(
            Key=keys.site_publication(term),
            UpdateExpression="SET queued = :f, started_ms = :now REMOVE pending",
            ExpressionAttributeValues={":f": False, ":now": now},
            ReturnValues="ALL_OLD",
        )
    ).get("Attributes", {})
    return now, sorted(old.get("pending", set()))


def end_run(term: str, started_ms: int) -> None:
    """The run that began at `started_ms` published the site: every request made before it is
    served. A slower, older run never moves `published_ms` back."""
    try:
        store.with_retries(
            lambda: store.table().update_item(
                Key=keys.site_publication(term),
                UpdateExpression="SET published_ms = :s, finished_ms = :now REMOVE #e",
                ConditionExpression="attribute_not_exists(published_ms) OR published_ms < :s",
                ExpressionAttributeNames={"#e": "error"},
                ExpressionAttributeValues={":s": started_ms, ":now": clock.wall_ms()},
            )
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise


def fail_run(term: str, project_ids: Sequence[str], error: str) -> None:
    """The run failed: its project ids go back to pending for the retry, and the page can say
    the publication did not complete."""
    update = "SET failed_ms = :now, #e = :e"
    values: dict[str, Any] = {":now": clock.wall_ms(), ":e": error[:500]}
    if project_ids:
        update += " ADD pending :ids"
        values[":ids"] = set(project_ids)
    store.with_retries(
        lambda: store.table().update_item(
            Key=keys.site_publication(term),
            UpdateExpression=update,
            ExpressionAttributeNames={"#e": "error"},
            ExpressionAttributeValues=values,
        )
    )
