"""Build API Gateway HTTP API (payload v2) events for handler tests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any


def http_event(
    method: str,
    path: str,
    *,
    route: str | None = None,
    sub: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
) -> dict[str, Any]:
    hdrs = {
        "content-type": "application/json",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    ctx: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": "localhost",
        "domainPrefix": "localhost",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "pytest",
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": f"{method} {route or path}",
        "stage": "$default",
        "time": "",
        "timeEpoch": int(time.time() * 1000),
    }
    if sub is not None:
        ctx["authorizer"] = {"jwt": {"claims": {"sub": sub}, "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": f"{method} {route or path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": hdrs,
        "queryStringParameters": query,
        "pathParameters": path_params,
        "requestContext": ctx,
        "body": None if body is None else (body if isinstance(body, str) else json.dumps(body)),
        "isBase64Encoded": False,
    }


class FakeContext:
    function_name = "test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test"
    aws_request_id = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def call(handler: Any, event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Invoke a Lambda handler; return (status, JSON body, headers)."""
    resp = handler(event, FakeContext())
    body = json.loads(resp["body"]) if resp.get("body") else {}
    return resp["statusCode"], body, resp.get("headers") or {}
