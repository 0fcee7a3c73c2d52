"""Validation errors in Chinese, and the checks a request body passes before it is parsed.

`field_errors` turns pydantic's errors into `{field, type, message}`: `message` names the field by
its Chinese label (`schemas.labels`) and says what is wanted, for every error type pydantic can
raise (`MESSAGES` has one for each; a test keeps it so). `field` stays the machine path (for a
page to place the message), never shown as text.

`body_problem` is what API Gateway and the parser would otherwise turn into a 500: a body over
`MAX_BODY_BYTES` (413), a form or multipart body (415), bytes that are not UTF-8, JSON that does
not parse, nests deeper than `MAX_JSON_DEPTH` or carries a number literal longer than
`MAX_NUMBER_CHARS` (400).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from functions.common.errors import (
    BadEncoding,
    BadJson,
    DomainError,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from functions.common.routes import MAX_BODY_BYTES as MAX_BODY_BYTES_BY_ROUTE
from schemas.labels import FIELD_LABELS, ID_HINT, PARAM_LABELS, PATTERN_HINTS

# API Gateway accepts 10 MB; most routes take far less than 1 MB (an import part is 380 KB);
# a route that takes more says so in routes.py.
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32  # the deepest request (a plan's class timetable) nests 5 levels
MAX_NUMBER_CHARS = 40  # longer literals are no amount, count or date any form sends

_LATIN = re.compile(r"[A-Za-z]{2,}")

# One Chinese message per pydantic error type. {label} is the field's label; other names come
# from the error's context (`ctx`). Types that request models cannot raise still get a message,
# so a schema change never lets English through.
MESSAGES: dict[str, str] = {
    "no_such_attribute": "{label}不能填写",
    "json_invalid": "{label}格式不正确",
    "json_type": "{label}格式不正确",
    "needs_python_object": "{label}的类型不正确",
    "recursion_loop": "{label}的内容循环引用",
    "recursion_depth_exceeded": "{label}嵌套层数过多",
    "missing": "请填写{label}",
    "frozen_field": "{label}不能修改",
    "frozen_instance": "{label}不能修改",
    "extra_forbidden": "提交了不支持的字段",
    "invalid_key": "{label}中有无效的字段名",
    "get_attribute_error": "{label}无法读取",
    "model_type": "{label}应为一组字段（对象）",
    "model_attributes_type": "{label}应为一组字段（对象）",
    "dataclass_type": "{label}应为一组字段（对象）",
    "dataclass_exact_type": "{label}应为一组字段（对象）",
    "named_tuple_type": "{label}应为列表",
    "default_factory_not_called": "{label}无法取默认值",
    "none_required": "{label}应留空",
    "greater_than": "{label}应大于 {gt}",
    "greater_than_equal": "{label}不能小于 {ge}",
    "less_than": "{label}应小于 {lt}",
    "less_than_equal": "{label}不能大于 {le}",
    "multiple_of": "{label}应为 {multiple_of} 的倍数",
    "finite_number": "{label}应为有限的数字",
    "too_short": "{label}至少需要 {min_length} 项",
    "too_long": "{label}最多 {max_length} 项",
    "iterable_type": "{label}应为列表",
    "iteration_error": "{label}无法逐项读取",
    "string_type": "{label}应为文字",
    "string_unicode": "{label}含有无效字符",
    "string_too_short": "{label}至少 {min_length} 个字",
    "string_too_long": "{label}不能超过 {max_length} 个字",
    "string_pattern_mismatch": "{label}格式不正确",
    "string_not_ascii": "{label}只能包含英文字母、数字和符号",
    "enum": "{label}不在可选范围内",
    "dict_type": "{label}应为一组字段（对象）",
    "frozen_dict_type": "{label}应为一组字段（对象）",
    "ordered_dict_type": "{label}应为一组字段（对象）",
    "counter_type": "{label}应为一组计数",
    "mapping_type": "{label}应为一组字段（对象）",
    "list_type": "{label}应为列表",
    "deque_type": "{label}应为列表",
    "tuple_type": "{label}应为列表",
    "set_type": "{label}应为不重复的列表",
    "set_item_not_hashable": "{label}中有无法比较的项",
    "bool_type": "{label}应为“是”或“否”",
    "bool_parsing": "{label}应为“是”或“否”",
    "int_type": "{label}应为整数",
    "int_parsing": "{label}应为整数",
    "int_parsing_size": "{label}数值过大",
    "int_from_float": "{label}应为整数，不能有小数",
    "float_type": "{label}应为数字",
    "float_parsing": "{label}应为数字",
    "bytes_type": "{label}应为文件内容",
    "bytes_too_short": "{label}至少 {min_length} 字节",
    "bytes_too_long": "{label}不能超过 {max_length} 字节",
    "bytes_invalid_encoding": "{label}的编码不正确",
    "value_error": "{label}不符合要求",
    "assertion_error": "{label}不符合要求",
    "literal_error": "{label}不在可选范围内",
    "missing_sentinel_error": "{label}不能填写",
    "ellipsis_error": "{label}不能填写",
    "date_type": "{label}应为日期，例如 2024-05-06",
    "date_parsing": "{label}应为日期，例如 2024-05-06",
    "date_from_datetime_parsing": "{label}应为日期，例如 2024-05-06",
    "date_from_datetime_inexact": "{label}应为日期，不能带时间",
    "date_past": "{label}应为过去的日期",
    "date_future": "{label}应为将来的日期",
    "time_type": "{label}应为时间，例如 09:30",
    "time_parsing": "{label}应为时间，例如 09:30",
    "datetime_type": "{label}应为日期和时间，例如 2024-05-06T09:30:00+08:00",
    "datetime_parsing": "{label}应为日期和时间，例如 2024-05-06T09:30:00+08:00",
    "datetime_object_invalid": "{label}不是有效的日期和时间",
    "datetime_from_date_parsing": "{label}应为日期和时间，例如 2024-05-06T09:30:00+08:00",
    "datetime_past": "{label}应为过去的时间",
    "datetime_future": "{label}应为将来的时间",
    "timezone_naive": "{label}不能带时区",
    "timezone_aware": "{label}应带时区，例如 +08:00",
    "timezone_offset": "{label}的时区不正确",
    "time_delta_type": "{label}应为时长",
    "time_delta_parsing": "{label}应为时长",
    "frozen_set_type": "{label}应为不重复的列表",
    "is_instance_of": "{label}的类型不正确",
    "is_subclass_of": "{label}的类型不正确",
    "callable_type": "{label}的类型不正确",
    "union_tag_invalid": "{label}的类别不在可选范围内",
    "union_tag_not_found": "{label}缺少类别",
    "arguments_type": "{label}的格式不正确",
    "missing_argument": "请填写{label}",
    "unexpected_keyword_argument": "提交了不支持的字段",
    "missing_keyword_only_argument": "请填写{label}",
    "unexpected_positional_argument": "提交了多余的内容",
    "missing_positional_only_argument": "请填写{label}",
    "multiple_argument_values": "{label}重复提交",
    "url_type": "{label}应为网址",
    "url_parsing": "{label}不是有效的网址",
    "url_syntax_violation": "{label}不是有效的网址",
    "url_too_long": "{label}网址过长",
    "url_scheme": "{label}网址的协议不正确",
    "uuid_type": "{label}应为编号",
    "uuid_parsing": "{label}不是有效的编号",
    "uuid_version": "{label}不是有效的编号",
    "decimal_type": "{label}应为数字",
    "decimal_parsing": "{label}应为数字",
    "decimal_max_digits": "{label}最多 {max_digits} 位数字",
    "decimal_max_places": "{label}最多 {decimal_places} 位小数",
    "decimal_whole_digits": "{label}整数部分最多 {whole_digits} 位",
    "fraction_type": "{label}应为数字",
    "fraction_parsing": "{label}应为数字",
    "complex_type": "{label}应为数字",
    "complex_str_parsing": "{label}应为数字",
}
_FALLBACK = "{label}不符合要求"
_UNUSABLE_FIELD = "提交的内容"  # when no label is known (never an English name)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside `annotation` (X, X | None, list[X], tuple[X, ...])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, tuple, set):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def label_of(model: type[BaseModel] | None, name: str) -> str | None:
    if model is not None:
        label = FIELD_LABELS.get(f"{model.__name__}.{name}")
        if label:
            return label
    return FIELD_LABELS.get(name)


def _hint_of(model: type[BaseModel] | None, name: str) -> str | None:
    if model is not None and f"{model.__name__}.{name}" in PATTERN_HINTS:
        return PATTERN_HINTS[f"{model.__name__}.{name}"]
    return PATTERN_HINTS.get(name)


def _locate(loc: tuple[Any, ...], body: type[BaseModel] | None) -> tuple[str, str | None]:
    """(label, pattern hint) of the field at `loc` ("body" | "query" | "path" | ..., names)."""
    if not loc:
        return _UNUSABLE_FIELD, None
    where, rest = loc[0], list(loc[1:])
    if where in ("query", "path", "header", "cookie"):
        param = str(rest[0]) if rest else ""
        hint = PATTERN_HINTS.get(param) or (ID_HINT if param.endswith("_id") else None)
        return PARAM_LABELS.get(param, _UNUSABLE_FIELD), hint
    model, owner = body, None
    name: str | None = None
    for part in rest:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            break
        owner, name = model, str(part)
        model = _inner_model(field.annotation)
    if name is None:
        return _UNUSABLE_FIELD, None
    hint = _hint_of(owner, name) or (ID_HINT if name.endswith("_id") else None)
    return label_of(owner, name) or _UNUSABLE_FIELD, hint


def message_for(error: Any, body: type[BaseModel] | None = None) -> str:
    """The Chinese message of one pydantic error (`ErrorDetails`) of a request."""
    kind = str(error.get("type", ""))
    label, hint = _locate(tuple(error.get("loc", ())), body)
    ctx = dict(error.get("ctx") or {})
    if kind in ("value_error", "assertion_error"):
        # Our validators raise Chinese reasons; say them, unless one slipped through in English.
        reason = str(ctx.get("error", "")).strip()
        if reason and not _LATIN.search(reason):
            return reason if label == _UNUSABLE_FIELD else f"{label}：{reason}"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return f"请填写{label}"
    if kind == "string_pattern_mismatch" and hint:
        return f"{label}格式不正确，{hint}"
    template = MESSAGES.get(kind, _FALLBACK)
    try:
        return template.format(label=label, **{k: str(v) for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        return _FALLBACK.format(label=label)


def field_errors(errors: Any, body: type[BaseModel] | None = None) -> list[dict[str, Any]]:
    """Each error as `{field, type, message}`; `field` is the dotted path of the field."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        out.append(
            {"field": ".".join(loc), "type": e.get("type", ""), "message": message_for(e, body)}
        )
    return out


# --- the body before it is parsed ------------------------------------------------------------

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media in ("", "application/json") or media.endswith("+json")


def body_problem(event: Mapping[str, Any]) -> DomainError | None:
    """What is wrong with the request body of a payload 2.0 `event`, if anything. The size
    allowed is the route's (`Route.max_body_bytes`, by the event's routeKey), else 1 MB."""
    raw = event.get("body")
    if not raw:
        return None
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "")
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError):
            return BadEncoding()
    else:
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    limit = MAX_BODY_BYTES_BY_ROUTE.get(str(event.get("routeKey")), MAX_BODY_BYTES)
    if len(data) > limit:
        return PayloadTooLarge(f"提交的内容过大（不能超过 {limit // (1024 * 1024)} MB）")
    if content_type.strip().lower().startswith(_FORM_TYPES):
        return UnsupportedMediaType()
    if not _is_json(content_type):
        return None  # a binary route reads it; a JSON route answers 415 (see functions.common.app)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return BadEncoding()
    try:
        parsed = json.loads(text, parse_int=_number(int), parse_float=_number(float))
    except RecursionError:
        return BadJson("请求体嵌套层数过多")
    except _TooLong:
        return BadJson("请求体中的数字过长")
    except ValueError:
        return BadJson()
    if _depth(parsed) > MAX_JSON_DEPTH:
        return BadJson("请求体嵌套层数过多")
    return None


class _TooLong(ValueError):
    pass


def _number(kind: type) -> Any:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise _TooLong(text[:10])
        return kind(text)

    return parse


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest
