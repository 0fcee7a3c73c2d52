"""The stats aggregation (数据看板): started every few minutes by a schedule (infra) and by the
local stack's timer; a run that would outlast its time hands the cities left to a new run of
itself. Lambda retries a failed run; rewriting the same rows makes that harmless."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from functions.common import clock, coldstart, store
from functions.common.log import logger
from functions.stats import service


class WorkerEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cities: list[str] | None = Field(default=None, description="None: every city")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ev = WorkerEvent.model_validate(event or {})
    left = service.aggregate(
        clock.now(), ev.cities, lambda: context.get_remaining_time_in_millis() / 1000
    )
    if left:
        store.invoke_async(context.invoked_function_arn, {"cities": left})
    logger.info("stats run ended", extra={"left": left})
    return {"left": left}


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
