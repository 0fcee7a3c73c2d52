"""Validation messages speak Chinese (issue 11, item 2): every pydantic error type has a message,
every field a request can carry has a Chinese label, and no English word reaches a person.

A new request field without a label fails `test_every_request_field_has_a_chinese_label`: add
it to `schemas/labels.py` (as `Model.field` where the plain name means something else there).
"""

from __future__ import annotations

import importlib
import re
import typing
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pydantic_core.core_schema import ErrorType

from functions.common.routes import ROUTES
from functions.common.validation import MESSAGES, _inner_model, field_errors, label_of
from schemas.labels import FIELD_LABELS, PARAM_LABELS, PATTERN_HINTS
from schemas.orders import OrderForm

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _route_objects() -> list[Any]:
    out = []
    for function in sorted({r.function for r in ROUTES}):
        app = importlib.import_module(f"functions.{function}.handler").app
        out += app._static_routes + app._dynamic_routes
    return out


def body_models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for route in _route_objects():
        for p in route.dependant.body_params:
            if isinstance(p.type_, type) and issubclass(p.type_, BaseModel):
                found[p.type_.__name__] = p.type_
    return list(found.values())


def _fields(model: type[BaseModel], seen: set[str]) -> list[tuple[type[BaseModel], str]]:
    out = []
    seen.add(model.__name__)
    for name, f in model.model_fields.items():
        out.append((model, name))
        inner = _inner_model(f.annotation)
        if inner is not None and inner.__name__ not in seen:
            out += _fields(inner, seen)
    return out


def test_every_pydantic_error_type_has_a_chinese_message() -> None:
    types = set(typing.get_args(ErrorType))
    assert types - MESSAGES.keys() == set()
    for kind, template in MESSAGES.items():
        text = re.sub(r"{\w+}", "", template)
        assert not LATIN_WORD.search(text), f"{kind}: {template}"


def test_every_request_field_has_a_chinese_label() -> None:
    models = body_models()
    assert len(models) > 20  # the walk found the request models
    missing = [
        f"{m.__name__}.{n}"
        for model in models
        for m, n in _fields(model, set())
        if not label_of(m, n)
    ]
    assert missing == [], "add these to schemas/labels.py"
    params = {
        p.name
        for route in _route_objects()
        for p in route.dependant.path_params + route.dependant.query_params
    }
    assert params - PARAM_LABELS.keys() == set(), "add these to PARAM_LABELS"
    for label in [*FIELD_LABELS.values(), *PARAM_LABELS.values(), *PATTERN_HINTS.values()]:
        assert not LATIN_WORD.search(label.replace("json", "").replace("xlsx", "")), label


def _order(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "bureau_name": "杭州市西湖区教育局",
        "contact": "周老师",
        "mobile": "13800001111",
        "title": "小学数学专题培训",
        "theme": "大单元整体教学",
        "target": "小学数学教师",
        "stage": "小学",
        "subject": "数学",
        "field": "学科教学",
        "trainees": 50,
        "days": 5,
        "level": "骨干",
        "form": "面授",
        "goals": "提升能力。",
        "course_requirements": "以课例研讨为主。",
        "intended_institutions": [],
    }
    base.update(over)
    return base


def _messages(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    # As the resolver reports them: located under "body".
    errors = [{**e, "loc": ("body", *e["loc"])} for e in info.value.errors()]
    return field_errors(errors, model)


def test_the_reported_english_messages_now_name_the_field_and_what_is_wanted() -> None:
    # issue 11: "String should match pattern '^1\d{10}$'（mobile）" and
    # "Input should be greater than or equal to 1（trainees）" reached users.
    got = _messages(OrderForm, _order(mobile="12345", trainees=0))
    assert {e["field"]: e["message"] for e in got} == {
        "mobile": "手机格式不正确，应为以 1 开头的 11 位手机号码",
        "trainees": "参训人数不能小于 1",
    }


def test_missing_nested_and_list_fields_are_named_by_their_own_label() -> None:
    from schemas.projects import SaveDraftRequest

    got = _messages(
        SaveDraftRequest,
        {"version": 0, "draft": {"classes": [{"name": "x" * 200}], "leader": {"title": 5}}},
    )
    text = {e["field"]: e["message"] for e in got}
    assert text["version"] == "版本号不能小于 1"
    assert text["draft.classes.0.name"].startswith("班期名称不能超过")
    assert text["draft.leader.title"] == "职称应为文字"


def _hostile_values() -> list[Any]:
    return [None, "", "x" * 5000, -1, 10**12, 1.5, True, [], [{}], {}, {"x": 1}, "2024-13-45"]


@pytest.mark.parametrize("model", body_models(), ids=lambda m: m.__name__)
def test_no_english_reaches_a_person_for_any_bad_value_of_any_field(
    model: type[BaseModel],
) -> None:
    """Each field of each request model set to values of every wrong kind: every message is
    Chinese and carries a label (never the English field name)."""
    seen: set[str] = set()
    for owner, name in _fields(model, set()):
        if owner is not model:
            continue
        for value in _hostile_values():
            try:
                model.model_validate({name: value, "zz_unknown": 1})
            except ValidationError as exc:
                errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
                for e in field_errors(errors, model):
                    seen.add(e["type"])
                    assert not LATIN_WORD.search(e["message"]), (name, value, e)
    assert "extra_forbidden" in seen or "missing" in seen
