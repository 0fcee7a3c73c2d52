"""HTTP resolver set-up shared by every function: validation, errors, logging.

No tracing SDK: Lambda's active tracing (infra/, where X-Ray exists) records each invocation
without code, and powertools' Tracer imported the X-Ray SDK (in maintenance, end of support
2027-02-25), which built its clients at import: most of a cold start's import time."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import BaseModel

from functions.common import clock, pi_audit
from functions.common.errors import Busy, DomainError, UnsupportedMediaType
from functions.common.log import logger
from functions.common.validation import body_problem, field_errors


def json_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers or {},
    )


def _body_model(app: APIGatewayHttpResolver) -> type[BaseModel] | None:
    """The pydantic model of the current route's body, to name fields by their labels."""
    route = app.context.get("_route")
    params = route.dependant.body_params if route is not None else []
    model = params[0].type_ if params else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


class Resolver(APIGatewayHttpResolver):
    """The HTTP API resolver, refusing a body it could not read (`body_problem`) with a clean
    4xx before any route runs: the parser would otherwise raise into the catch-all 500."""

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        problem = body_problem(event)
        if problem is None:
            return super().resolve(event, context)
        return {
            "statusCode": problem.status,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(problem.body(), ensure_ascii=False),
            "isBase64Encoded": False,
        }


def _audit_id_number_reads(
    app: APIGatewayHttpResolver, next_middleware: NextMiddleware
) -> Response[Any]:
    """Every response that shows an ID number in full leaves with its audit record
    (functions/common/pi_audit.py); if that write fails, the response does not leave."""
    response = next_middleware(app)
    if 200 <= response.status_code < 300:
        pi_audit.after_response(app.current_event, response.body, clock.now())
    return response


def make_app() -> APIGatewayHttpResolver:
    """A resolver with request validation, the one mapping of exceptions to HTTP, the audit of
    unmasked ID-number reads on every route, and bodies it cannot read refused before routing."""
    app = Resolver(enable_validation=True)
    app.use(middlewares=[_audit_id_number_reads])

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[Any]:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
        return json_response(exc.status, exc.body(), headers)

    @app.exception_handler(RequestUnsupportedContentType)
    def _media(_: RequestUnsupportedContentType) -> Response[Any]:
        return json_response(415, UnsupportedMediaType().body())

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[Any]:
        # `message` stays the same for every 422 (pages key on it); each error's `message`
        # says which field (by its Chinese label) and what is wanted.
        return json_response(
            422,
            {
                "code": "validation_error",
                "message": "提交的数据不符合要求",
                "errors": field_errors(exc.errors(), _body_model(app)),
            },
        )

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        correlation = str(uuid.uuid4())
        logger.exception("unhandled error", extra={"correlation_id": correlation})
        return json_response(
            500,
            {
                "code": "internal_error",
                "message": "系统繁忙，请稍后再试",
                "correlation_id": correlation,
            },
        )

    @app.not_found
    def _missing(_: Exception) -> Response[Any]:
        return json_response(404, {"code": "no_route", "message": "接口不存在"})

    return app
