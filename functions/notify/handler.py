"""Notifications API (routes only): the inbox (站内信), its unread count, mark as read, and the
user's email choice."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart
from functions.common.app import make_app
from functions.common.auth import caller
from functions.common.log import logger
from functions.notify import service
from schemas.notify import (
    CalendarFeed,
    InboxPage,
    NotifySettings,
    ReadRequest,
    ReadResult,
    UnreadCount,
)

app = make_app()


@app.get("/api/inbox")
def inbox(
    before: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = service.PAGE_SIZE,
) -> InboxPage:
    return service.inbox(caller(app.current_event), before, limit)


@app.get("/api/inbox/unread")
def unread() -> UnreadCount:
    return service.unread_count(caller(app.current_event))


@app.post("/api/inbox/read")
def read(body: ReadRequest) -> ReadResult:
    return service.mark_read(caller(app.current_event), body, clock.now())


@app.get("/api/notify/settings")
def get_settings() -> NotifySettings:
    return service.get_settings(caller(app.current_event))


@app.put("/api/notify/settings")
def put_settings(body: NotifySettings) -> NotifySettings:
    return service.save_settings(caller(app.current_event), body, clock.now())


@app.get("/api/calendar/feed")
def calendar_feed() -> CalendarFeed:
    return service.calendar_feed(caller(app.current_event))


@app.post("/api/calendar/feed")
def new_calendar_feed() -> CalendarFeed:
    return service.new_calendar_feed(caller(app.current_event), clock.now())


@app.delete("/api/calendar/feed")
def revoke_calendar_feed() -> CalendarFeed:
    return service.revoke_calendar_feed(caller(app.current_event), clock.now())


# Public (no JWT): the unguessable address is the secret, as calendar apps cannot log in. No
# return annotation: the resolver passes the text/calendar response through as it is.
@app.get("/api/calendar/<feed>")
def calendar_ics(feed: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{32}\.ics$")]):  # type: ignore[no-untyped-def]
    body = service.calendar_ics(feed, clock.now())
    return Response(
        status_code=200,
        content_type="text/calendar; charset=utf-8",
        body=body.decode(),
        headers={"Cache-Control": "private, max-age=900"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
