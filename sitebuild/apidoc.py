"""The operators' 接口说明 page (`operator/api.md`), rendered at build from the API document.

One table per context: method, path, who may call it, the request's fields (path, query and
body, each with its Chinese label from `schemas.labels`) and the answer's fields. The document
is the one `GET /api/openapi.json` serves (`functions.apidoc.document`), so the page cannot
drift from the routes; it is plain HTML in the site's own style (no Swagger UI, nothing loaded
from elsewhere).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from schemas.labels import FIELD_LABELS, PARAM_LABELS
from schemas.people import ROLE_NAMES, Role

CONTEXTS: dict[str, str] = {
    "platform": "平台",
    "selection": "选课",
    "records": "教师信息与账号",
    "projects": "项目申报、审核与发布",
    "orders": "订单式培训",
    "stats": "数据看板",
    "notify": "消息与日历",
    "training": "培训实施",
    "apidoc": "接口文档",
}
METHODS = ("get", "post", "put", "delete")
REF = "#/components/schemas/"
TYPES = {
    "string": "文字",
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否",
    "array": "列表",
    "object": "对象",
}


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _label(model: str | None, name: str) -> str:
    if model and f"{model}.{name}" in FIELD_LABELS:
        return FIELD_LABELS[f"{model}.{name}"]
    return FIELD_LABELS.get(name) or PARAM_LABELS.get(name, "")


def _type(schema: Mapping[str, Any]) -> str:
    """A short Chinese description of a property's type (a referenced model by its name)."""
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            kinds = [_type(s) for s in schema[key] if s.get("type") != "null"]
            return " 或 ".join(dict.fromkeys(kinds)) or "空"
    if "enum" in schema:
        return "取值：" + "、".join(str(v) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return "列表（" + _type(schema.get("items", {})) + "）"
    return TYPES.get(str(kind), str(kind or "任意"))


def _fields(doc: Mapping[str, Any], schema: Mapping[str, Any] | None) -> list[str]:
    """`name（label）: type` for each property of a (referenced) object schema."""
    if not schema:
        return []
    model = None
    if "$ref" in schema:
        model = str(schema["$ref"]).removeprefix(REF)
        schema = doc["components"]["schemas"].get(model, {})
    props: Mapping[str, Any] = schema.get("properties") or {}
    if not props:
        return ["（结构未定型）"] if schema.get("type") == "object" else [_type(schema)]
    required = set(schema.get("required") or ())
    out = []
    for name, prop in props.items():
        label = _label(model, name)
        star = "（必填）" if name in required else ""
        out.append(f"{name}" + (f"（{label}）" if label else "") + f"：{_type(prop)}{star}")
    return out


def _request(doc: Mapping[str, Any], op: Mapping[str, Any]) -> list[str]:
    out = []
    for p in op.get("parameters") or ():
        where = {"path": "路径", "query": "查询", "header": "请求头"}.get(p.get("in"), "")
        label = PARAM_LABELS.get(p["name"], "")
        text = f"{where} {p['name']}" + (f"（{label}）" if label else "")
        out.append(text + ("（必填）" if p.get("required") else ""))
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        model = str(body.get("$ref", "")).removeprefix(REF)
        out.append(f"请求体 {model}：" if model else "请求体：")
        out += ["· " + f for f in _fields(doc, body)]
    return out


def _response(doc: Mapping[str, Any], op: Mapping[str, Any]) -> list[str]:
    for status in ("200", "201"):
        content = op.get("responses", {}).get(status, {}).get("content", {})
        if "application/json" in content:
            schema = content["application/json"].get("schema")
            model = str((schema or {}).get("$ref", "")).removeprefix(REF)
            head = [f"{status} {model}"] if model else [status]
            return head + ["· " + f for f in _fields(doc, schema)]
    return ["文件或无内容"]


def _callers(op: Mapping[str, Any]) -> str:
    names = [ROLE_NAMES[Role(r)] for r in op.get("x-callers") or ()]
    if op.get("x-public"):
        return "公开（无需登录）"
    return "、".join(names) if len(names) < len(Role) else "所有已登录账号"


def _cell(lines: list[str]) -> str:
    return "<br>".join(_esc(line) for line in lines) or "—"


def api_markdown(doc: Mapping[str, Any]) -> str:
    """The page: an introduction, then a table per context in CONTEXTS order."""
    by_context: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                by_context.setdefault(op.get("x-function", ""), []).append((method, path, op))
    parts = [
        "---",
        "title: 接口说明",
        "---",
        "",
        "# 接口说明",
        "",
        "平台每个接口的方法、路径、调用者、请求字段和响应字段，由接口文档生成"
        "（同一份文档在 `/api/openapi.json` 提供，可导入任何 OpenAPI 3 工具）。"
        "除标明“公开”的接口外，请求须带登录令牌（`Authorization: Bearer …`）；"
        "调用者之外的账号得到 403，不在其范围内的数据得到 403 或 404。"
        "出错时一律返回 `{code, message}`：`code` 供程序判断，`message` 为中文说明；"
        "字段校验失败（422）另列出每个字段的问题。",
        "",
    ]
    known = [c for c in CONTEXTS if c in by_context]
    others = sorted(set(by_context) - set(CONTEXTS))
    for context in known + others:
        ops = by_context[context]
        parts += [
            f"## {CONTEXTS.get(context, context)}",
            "",
            '<div class="zjt-scroll zjt-api"><table>',
            "<thead><tr><th>接口</th><th>调用者</th><th>请求</th><th>响应</th></tr></thead><tbody>",
        ]
        for method, path, op in ops:
            parts.append(
                f"<tr><td><code>{method.upper()} {_esc(path)}</code></td>"
                f"<td>{_esc(_callers(op))}</td>"
                f"<td>{_cell(_request(doc, op))}</td>"
                f"<td>{_cell(_response(doc, op))}</td></tr>"
            )
        parts += ["</tbody></table></div>", ""]
    return "\n".join(parts)
