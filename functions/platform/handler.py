"""Platform API (routes only): health, open phases, who am I, the institution directory."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart, pi_audit, site, store, xlsx
from functions.common.app import make_app
from functions.common.auth import caller
from functions.common.errors import Unavailable
from functions.common.log import logger
from functions.common.settings import settings
from functions.platform import institutions, mydata
from schemas.calendar import SHANGHAI, term_calendar
from schemas.people import ROLE_NAMES

app = make_app()


@app.get("/api/health")
def health() -> dict[str, Any]:
    """200 only while the table answers: a load balancer or a person reading it must not see
    "ok" while every data route fails."""
    if not store.table_answers():
        raise Unavailable()
    return {"status": "ok"}


@app.get("/api/phases")
def phases() -> dict[str, Any]:
    """Which phases are open now, by the server clock (pages only display this)."""
    now = clock.now()
    cal = term_calendar(settings().term)
    return {
        "now": now.astimezone(SHANGHAI).isoformat(),
        "term": cal.term,
        "term_name": cal.name,
        "open": [p.value for p in cal.open_phases(now)],
        # Every window with its exact opening and (exclusive) closing instant: the role homes
        # show "截止 3月26日" and the next step from these, by the server clock.
        "windows": [
            {
                "phase": w.phase.value,
                "name": w.name,
                "opens": w.opens.isoformat(),
                "closes": w.closes.isoformat(),
                "open": w.contains(now),
            }
            for w in cal.phases
        ],
        "max_classes": cal.limits.max_classes_per_teacher,
    }


@app.get("/api/site/publication")
def site_publication() -> site.SitePublication:
    """How far the site's publication has got (发布中 / 已发布), for the pages that publish."""
    return site.status(settings().term)


@app.get("/api/me")
def me() -> dict[str, Any]:
    user = caller(app.current_event)
    return {**user.model_dump(mode="json"), "role_name": ROLE_NAMES[user.role]}


@app.get("/api/institutions")
def institution_directory() -> dict[str, Any]:
    """The institutions a bureau or the centre may name, for the pickers (by name, not code)."""
    return {"institutions": institutions.directory(caller(app.current_event))}


@app.get("/api/me/export")
def my_export():  # type: ignore[no-untyped-def]  # no return annotation: the resolver would re-serialize xlsx
    """The teacher's own data as xlsx (个人信息保护法 art. 45)."""
    event = app.current_event
    body = mydata.my_data(
        caller(event),
        clock.now(),
        page=pi_audit.page_of(event.headers),
        route=str(event.raw_event.get("routeKey") or ""),
    )
    return xlsx.response(mydata.FILENAME, body)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
