"""The send worker: started every minute by a schedule (and by itself when a run leaves due
emails behind). It completes fan-outs whose writer died and sends the emails of the outbox
(functions/notify/send.py). Metrics: EmailsSent, EmailsRetried, EmailsDeadLettered (the alarm).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart, store
from functions.common.log import logger
from functions.notify import channels, send

metrics = Metrics(namespace="zjtrain", service="notify-send")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = send.run(
        clock.now(),
        lambda: context.get_remaining_time_in_millis() / 1000,
        channels.senders(),
    )
    metrics.add_metric("EmailsSent", MetricUnit.Count, result.sent)
    metrics.add_metric("EmailsRetried", MetricUnit.Count, result.retried)
    metrics.add_metric("EmailsDeadLettered", MetricUnit.Count, result.dead)
    if result.dead:
        logger.error("emails dead-lettered", extra={"dead": result.dead})
    if result.more:
        store.invoke_async(context.invoked_function_arn, {"task": "send"})
    out = {k: v for k, v in vars(result).items() if k != "errors"}
    # The schedule runs this every minute (every few seconds locally): a run that found nothing
    # to send is not news; the metrics still count it.
    worked = any(v for k, v in out.items() if k != "more")
    (logger.info if worked else logger.debug)("send run ended", extra=out)
    return out


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
