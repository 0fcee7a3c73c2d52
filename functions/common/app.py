"""HTTP resolver set-up shared by every function: validation, errors, logging, tracing."""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from functions.common import clock, pi_audit
from functions.common.errors import Busy, DomainError

logger = Logger(service="zjtrain")
tracer = Tracer(service="zjtrain")


def json_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers or {},
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body",)]
        out.append({"field": ".".join(loc), "type": e.get("type", ""), "detail": e.get("msg", "")})
    return out


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
    """A resolver with request validation, the one mapping of exceptions to HTTP, and the audit
    of unmasked ID-number reads on every route."""
    app = APIGatewayHttpResolver(enable_validation=True)
    app.use(middlewares=[_audit_id_number_reads])

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[Any]:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
        return json_response(exc.status, exc.body(), headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[Any]:
        return json_response(
            422,
            {
                "code": "validation_error",
                "message": "提交的数据不符合要求",
                "errors": _field_errors(exc),
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
