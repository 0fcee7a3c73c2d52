"""The API contract (issue 11): `GET /api/openapi.json` describes every route of routes.py, says
who may call each (checked against the authorization matrix), and building it costs the hot
handlers nothing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from functions.apidoc import document, handler
from functions.apidoc.callers import CALLERS
from functions.common.routes import ROUTES, functions
from tests.integration import authz_world as aw
from tests.integration.test_authz_matrix import ROLES, ROWS, _route_key
from tests.support.events import FakeContext, http_event

REFUSED = (401, 403, 404)


def _served() -> dict[str, object]:
    resp = handler.lambda_handler(http_event("GET", "/api/openapi.json"), FakeContext())
    assert resp["statusCode"] == 200
    assert resp["headers"]["Content-Type"] == "application/json"
    doc: dict[str, object] = json.loads(resp["body"])
    return doc


def test_the_document_has_every_route_with_its_method_and_nothing_else() -> None:
    doc = _served()
    assert str(doc["openapi"]).startswith("3.")
    paths = doc["paths"]
    assert isinstance(paths, dict)
    served = {(m.upper(), p) for p, item in paths.items() for m in item}
    assert served == {(r.method, r.path) for r in ROUTES}


def test_every_route_but_the_public_ones_asks_for_the_token() -> None:
    doc = document.document()
    for r in ROUTES:
        op = doc["paths"][r.path][r.method.lower()]
        assert ("security" in op) is (not r.public), f"{r.method} {r.path}"
        assert op["x-public"] is r.public
        assert op["x-function"] == r.function


def test_error_answers_are_described_as_code_and_chinese_message() -> None:
    doc = document.document()
    op = doc["paths"]["/api/selections"]["post"]
    assert op["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert {"code", "message"} <= set(doc["components"]["schemas"]["Problem"]["properties"])


def test_who_may_call_each_route_agrees_with_the_authorization_matrix() -> None:
    """A role `callers.py` lists is allowed by some row of its route in its home scope; a role
    it leaves out is refused by every row (401, 403, or 404: not there for that caller)."""
    assert set(CALLERS) == {f"{r.method} {r.path}" for r in ROUTES}
    answers: dict[tuple[str, str], list[int | str]] = {}
    for key, row in ROWS.items():
        for identity in ROLES:
            if "." not in identity:  # another scope is refused for its scope, not its role
                answer = row.expect.get(identity, row.default)
                answers.setdefault((_route_key(key), identity), []).append(answer)
    public = {f"{r.method} {r.path}" for r in ROUTES if r.public}
    for (route, identity), got in answers.items():
        role = aw.ACCOUNTS[identity].role
        if role in CALLERS[route]:
            assert any(a not in (401, 403) for a in got), f"{route}: {identity} refused {got}"
        elif route not in public:
            assert all(a in REFUSED for a in got), f"{route}: {identity} allowed {got}"


def test_the_document_names_the_callers_of_each_operation() -> None:
    op = document.document()["paths"]["/api/school/reviews"]["post"]
    assert op["x-callers"] == ["principal", "school_admin"]


def test_hot_handlers_do_not_import_the_document_at_start_up() -> None:
    """Issue 13: importing a context's handler must not pull in the others (the document's
    builder imports them all, in its own function only)."""
    code = (
        "import sys, functions.selection.handler as h;"
        "print(sorted(m for m in sys.modules if m.startswith('functions.') and m.endswith('handler')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['functions.selection.handler']"


def test_two_contexts_may_not_describe_different_models_under_one_name() -> None:
    """powertools' merge keeps the last of two same-named models without a word."""
    a = {"components": {"schemas": {"Roster": {"type": "object", "title": "a"}}}}
    b = {"components": {"schemas": {"Roster": {"type": "object", "title": "b"}}}}
    assert document.component_clashes({"selection": a, "training": b}) == [
        "Roster (selection, training)"
    ]
    assert document.component_clashes({"selection": a, "training": a}) == []


def _documented_successes(route: str) -> set[int]:
    method, path = route.split(" ", 1)
    responses = document.document()["paths"][path][method.lower()]["responses"]
    return {int(code) for code in responses if code.startswith("2")}


def test_each_route_documents_the_success_status_the_matrix_sees_it_answer() -> None:
    """A route documents exactly the 2xx answers its handler sends: 201 for a create, 202 for
    an accepted import, not powertools' default 200. The authorization matrix's allowed cells
    are checked against the real handlers, so they say what each route answers."""
    answered: dict[str, set[int]] = {}
    for key, row in ROWS.items():
        for answer in [*row.expect.values(), row.default]:
            status = int(str(answer).split()[0])  # "200 refused" is a 200
            if 200 <= status < 300:
                answered.setdefault(_route_key(key), set()).add(status)
    assert {201, 200} <= set().union(*answered.values())
    wrong = {r: (s, _documented_successes(r)) for r, s in answered.items()}
    assert {r: v for r, v in wrong.items() if v[0] != v[1]} == {}


def _statuses_set_by_hand(func: ast.FunctionDef) -> set[int]:
    """2xx statuses a handler function writes itself: `json_response(201, ...)`,
    `Response(status_code=201, ...)` or a `(body, 201)` tuple."""
    found = set()
    for node in ast.walk(func):
        values: list[ast.expr] = []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "json_response" and node.args:
                values.append(node.args[0])
            if node.func.id == "Response":
                values += [k.value for k in node.keywords if k.arg == "status_code"]
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            values += node.value.elts[1:]
        found |= {
            v.value
            for v in values
            if isinstance(v, ast.Constant) and isinstance(v.value, int) and 200 <= v.value < 300
        }
    return found


def test_a_status_a_handler_sets_by_hand_is_the_documented_one() -> None:
    """For routes the matrix does not see succeed: every 2xx status a handler writes in its
    body is one its route documents (say it in the decorator: `status_code=201`)."""
    root = Path(__file__).resolve().parents[2] / "functions"
    wrong = []
    for context in functions():
        tree = ast.parse((root / context / "handler.py").read_text(encoding="utf-8"))
        for func in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
            for deco in func.decorator_list:
                if not (
                    isinstance(deco, ast.Call)
                    and isinstance(deco.func, ast.Attribute)
                    and deco.func.attr in ("get", "post", "put", "delete", "patch")
                    and deco.args
                    and isinstance(deco.args[0], ast.Constant)
                ):
                    continue
                path = "/" + str(deco.args[0].value).strip("/")
                path = path.replace("<", "{").replace(">", "}")
                route = f"{deco.func.attr.upper()} {path}"
                extra = _statuses_set_by_hand(func) - _documented_successes(route)
                if extra:
                    wrong.append((route, sorted(extra)))
    assert wrong == []
