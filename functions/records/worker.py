"""The import worker (TD-1): runs an uploaded import to the end, started asynchronously by the
records API and, for a long file, by itself (each run stops well inside the Lambda timeout and
starts the next one). Lambda retries a failed run; the job's progress guard makes that safe.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from functions.common import clock, coldstart
from functions.common.log import logger
from functions.records import service, store


class WorkerEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    job_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{2,80}$")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id = WorkerEvent.model_validate(event).job_id
    job = service.continue_import(
        job_id,
        clock.now(),
        lambda: context.get_remaining_time_in_millis() / 1000,
        lambda: store.start_worker(context.invoked_function_arn, job_id),
    )
    if job is None:
        logger.warning("import job not found", extra={"job_id": job_id})
        return {"job_id": job_id, "status": "missing"}
    logger.info(
        "import run ended",
        extra={"job_id": job_id, "status": job.status.value, "processed": job.processed},
    )
    return {"job_id": job_id, "status": job.status.value, "processed": job.processed}


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
