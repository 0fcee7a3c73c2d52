"""The OpenAPI 3 document of every route (`GET /api/openapi.json`), merged from the resolvers.

Each context's resolver generates its own part (powertools' `get_openapi_schema`, from the
routes' annotations and the pydantic models in `schemas/`); `OpenAPIMerge` joins them. Its
discovery (`configure_openapi_merge`) finds a resolver only where a handler file assigns
`app = APIGatewayHttpResolver(...)` literally, and ours come from `make_app()`, so each handler's
schema is added explicitly, for the contexts `routes.py` names. What the resolvers cannot know
comes from `routes.py` and `callers.py`: which routes need the JWT (`security`), which function
serves each (`x-function`), who may call it (`x-callers`), the largest body it reads.

Built on first use and kept: importing every handler is this function's cold start only, never a
hot handler's.
"""

from __future__ import annotations

import importlib
import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from functions.apidoc.callers import CALLERS
from functions.common.routes import ROUTES, functions
from schemas.api import Problem

TITLE = "zjtrain API"
JWT = "jwt"  # the security scheme's name: API Gateway's JWT authorizer on every non-public route
ERRORS = {
    "400": "请求无法读取（编码、JSON 或大小）",
    "401": "未登录或登录已失效",
    "403": "没有权限",
    "404": "不存在（或不在本账号的范围内）",
    "409": "与当前状态冲突",
    "413": "请求体过大",
    "415": "请求体类型不受支持",
    "422": "提交的数据不符合要求",
    "429": "请求过于频繁",
}


def _problem_ref() -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def component_clashes(parts: dict[str, dict[str, Any]]) -> list[str]:
    """Model names two contexts define differently. The merge keeps the last of them silently,
    which would describe one context's answer with another's model."""
    seen: dict[str, tuple[str, Any]] = {}
    clashes = []
    for context, part in parts.items():
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            first = seen.setdefault(name, (context, schema))
            if first[1] != schema:
                clashes.append(f"{name} ({first[0]}, {context})")
    return clashes


@cache
def document() -> dict[str, Any]:
    """The merged document, with what routes.py and callers.py add to each operation."""
    merge = OpenAPIMerge(
        title=TITLE,
        version="1",
        description="浙江省中小学教师培训平台的接口：每条路由、谁可以调用、请求与响应字段。",
        on_conflict="error",
    )
    parts = {}
    for context in functions():
        handler = importlib.import_module(f"functions.{context}.handler")
        parts[context] = json.loads(handler.app.get_openapi_json_schema())
    clashes = component_clashes(parts)
    if clashes:
        raise RuntimeError(f"models named alike but different across contexts: {clashes}")
    for part in parts.values():
        merge.add_schema(part)
    # Through powertools' OpenAPI model to JSON: the merged dict still holds its enum members.
    doc: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = Problem.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    components["securitySchemes"] = {
        JWT: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    for route in ROUTES:
        op = doc["paths"][route.path][route.method.lower()]
        op["x-function"] = route.function
        op["x-callers"] = [r.value for r in CALLERS[f"{route.method} {route.path}"]]
        op["x-public"] = route.public
        if not route.public:
            op["security"] = [{JWT: []}]
        if route.method in ("POST", "PUT"):
            op["x-max-body-bytes"] = route.max_body_bytes
        responses = op.setdefault("responses", {})
        # Every error answers {code, message}: the resolver's own 422 shape is not what we send.
        for status, description in ERRORS.items():
            if status == "401" and route.public:
                continue
            responses[status] = {"description": description, **_problem_ref()}
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        components["schemas"].pop(unused, None)
    return doc


@cache
def document_json() -> str:
    return json.dumps(document(), ensure_ascii=False, separators=(",", ":"))
