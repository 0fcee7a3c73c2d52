"""The credits aggregation: started every few minutes by a schedule (infra) and by the local
stack's timer, like the dashboard's. It keeps the bureaus' credit progress by region (the
current cycle) and the term's quality report (functions/quality/reports.py); a run that would
outlast its time hands the cities left to a new run of itself. Lambda retries a failed run; rewriting the same rows makes that harmless."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from functions.common import clock, coldstart, store
from functions.common.log import logger
from functions.common.settings import settings
from functions.credits import aggregate, service
from functions.quality import reports


class WorkerEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cities: list[str] | None = Field(default=None, description="None: every city")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ev = WorkerEvent.model_validate(event or {})
    now = clock.now()
    cycle = service.pick_cycle(None, now)
    left = aggregate.aggregate(
        now, cycle, ev.cities, lambda: context.get_remaining_time_in_millis() / 1000
    )
    if left:
        store.invoke_async(context.invoked_function_arn, {"cities": left})
        return {"left": left}
    # The term's report (completion, credits, evaluations) once the progress is done.
    read = reports.aggregate_term(settings().term, now)
    logger.info("credits run ended", extra={"left": left, "classes": read})
    return {"left": left, "classes": read}


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
