"""The reminder worker: started by the phase job (functions/phases) for each firing of a
deadline reminder. Without `parts` it is the first run and starts one run per batch of counties;
with `parts` it works through them and starts its next run with the rest when its time runs
short (functions/notify/remind.py). Lambda retries a failed run; the parts done and the
conditional message writes make a repeated run harmless."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from functions.common import coldstart, store
from functions.common.log import logger
from functions.notify import remind


class RemindEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: str = Field(pattern=r"^\d{4}H[12]$")
    reminder: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    at: AwareDatetime
    parts: list[str] | None = None


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ev = RemindEvent.model_validate(event)
    me = context.invoked_function_arn

    def invoke(payload: dict[str, object]) -> None:
        store.invoke_async(me, payload)

    if ev.parts is None:
        started = remind.start(ev.term, ev.reminder, ev.at, invoke)
        logger.info("reminder fanned out", extra={"reminder": ev.reminder, "runs": started})
        return {"reminder": ev.reminder, "runs": started}
    result = remind.run(
        ev.term,
        ev.reminder,
        ev.at,
        ev.parts,
        lambda: context.get_remaining_time_in_millis() / 1000,
        lambda rest: invoke(remind.event(ev.term, ev.reminder, ev.at, rest)),
    )
    out = {"reminder": ev.reminder, **vars(result)}
    logger.info("reminder run ended", extra=out)
    return out


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
