"""Stats API (routes only): the dashboard's numbers for the caller's region, and each chart's
table as xlsx."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import coldstart, xlsx
from functions.common.app import make_app
from functions.common.auth import caller
from functions.common.log import logger
from functions.stats import service
from schemas.stats import StatsView

app = make_app()


@app.get("/api/stats")
def dashboard() -> StatsView:
    return service.dashboard(caller(app.current_event))


@app.get("/api/stats/export")
def export(
    chart: Annotated[str, Query(pattern=r"^(progress|backlog|full|projects|orders)$")],
):  # type: ignore[no-untyped-def]  # no return annotation: the resolver would re-encode the bytes
    return xlsx.response(*service.export(caller(app.current_event), chart))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
