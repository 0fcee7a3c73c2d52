"""Phase-toggle function: the target of every EventBridge Scheduler phase schedule.

Event: {"term": "2024H1", "phase": "PH-R1", "action": "open" | "close", "at": ISO instant}.
An invalid event or a failed write raises, so the scheduler retries and finally dead-letters it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock
from functions.common.app import logger, tracer
from functions.phases import invoke, service


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    toggle = service.PhaseEvent.model_validate(event)
    result = service.apply_toggle(toggle, clock.now(), invoke.publish)
    logger.info("phases announced", extra=result.model_dump(mode="json"))
    return result.model_dump(mode="json")
