"""Small request helpers shared by handlers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from functions.common.errors import ValidationFailed

if TYPE_CHECKING:  # named in annotations only: no HTTP event classes are loaded for them
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")


def request_key(event: APIGatewayProxyEventV2) -> str | None:
    """The client's `Idempotency-Key` header (a retried request carries the same key)."""
    key = (event.headers or {}).get("idempotency-key")
    if key is None:
        return None
    if not _KEY.match(key):
        raise ValidationFailed("Idempotency-Key 格式不正确（8–80 位字母、数字或 -_.:）")
    return key
