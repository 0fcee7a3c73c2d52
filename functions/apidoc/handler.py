"""The API contract (routes only): the OpenAPI document of every route, public."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.apidoc import document
from functions.common import coldstart
from functions.common.app import make_app
from functions.common.log import logger

app = make_app()


@app.get("/api/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    # No return annotation: the resolver passes the prepared JSON through as it is.
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=document.document_json(),
        headers={"Cache-Control": "public, max-age=300"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
