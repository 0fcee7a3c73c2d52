"""The site worker: `{"term": "2024H1", "reason": "..."}` (term defaults to ZJT_TERM).

Started by asynchronous Invoke only (routes.WORKERS), one run at a time (reserved concurrency 1
deployed, one execution environment locally). A failed run raises, so Lambda retries it; its
project ids go back to the request record first.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import coldstart, site
from functions.common.log import logger
from functions.common.settings import settings
from functions.site import service
from functions.site.target import configured_target


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = service.PublishRequest.model_validate(event or {})
    term = request.term or settings().term
    started_ms, project_ids = site.begin_run(term)
    try:
        result = service.publish_site(term, configured_target(), started_ms, project_ids)
    except Exception as exc:
        site.fail_run(term, project_ids, f"{type(exc).__name__}: {exc}")
        raise
    site.end_run(term, started_ms)
    logger.info("site published", extra={"reason": request.reason, **result.model_dump()})
    return result.model_dump()


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
