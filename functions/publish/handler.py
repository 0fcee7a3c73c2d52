"""Publish function: `{"term": "2024H1", "reason": "..."}` (term defaults to ZJT_TERM)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.app import logger, tracer
from functions.common.settings import settings
from functions.publish import service


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = service.PublishRequest.model_validate(event or {})
    result = service.publish(request.term or settings().term)
    logger.info("site published", extra={"reason": request.reason, **result.model_dump()})
    return result.model_dump()
