"""Phase-toggle function: the target of every EventBridge Scheduler phase schedule.

Event: {"term": "2024H1", "phase": "PH-R1", "action": "open" | "close", "at": ISO instant};
"remind" starts a deadline reminder, "settle" is the daily completion-deadline sweep (QA-2).
The local stack's dev clock fires the same handler for every boundary it crosses, in order.
An invalid event or a failed write raises, so the scheduler retries and finally dead-letters it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart, site
from functions.common.log import logger
from functions.phases import invoke, service


def request_site_publication(term: str, reason: str) -> None:
    site.request_publication(term, reason)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    toggle = service.PhaseEvent.model_validate(event)
    if toggle.action == "remind":
        reminded = service.start_reminder(toggle, clock.now(), invoke.remind)
        logger.info("reminder started", extra=reminded.model_dump(mode="json"))
        return reminded.model_dump(mode="json")
    if toggle.action == "settle":
        swept = service.settle_completions(
            toggle,
            clock.now(),
            seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
            resume=lambda: invoke.resume(context.invoked_function_arn, event),
        )
        logger.info("completion deadlines settled", extra=swept.model_dump(mode="json"))
        return {"settled": swept.model_dump(mode="json")}
    result = service.apply_toggle(
        toggle,
        clock.now(),
        request_site_publication,
        seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
        # A long closing continues in a new run of this function with the same event.
        resume=lambda: invoke.resume(context.invoked_function_arn, event),
    )
    logger.info("phases announced", extra=result.model_dump(mode="json"))
    return result.model_dump(mode="json")


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
