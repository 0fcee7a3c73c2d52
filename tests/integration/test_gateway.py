"""The local gateway: API Gateway HTTP API v2 events, the JWT authorizer's decisions, the dev
endpoints and static hosting. A fake handler stands in for the functions, so nothing here needs
DynamoDB or another engineer's module.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from functions.common import clock
from functions.common.routes import Route, Worker
from local.devidp import DevIdentityProvider
from local.gateway import (
    ClockState,
    DevClock,
    InProcessInvoker,
    ProcessPoolInvoker,
    RunningGateway,
    match_path,
    serve,
)
from schemas.calendar import SHANGHAI
from schemas.people import Role, User

ROUTES = (
    Route("GET", "/api/ping", "fake", public=True),
    Route("GET", "/api/items", "fake"),
    Route("POST", "/api/items/{item_id}", "fake"),
    Route("DELETE", "/api/items/{item_id}", "fake"),
    Route("GET", "/api/items/special", "fake", public=True),
    Route("POST", "/api/echo", "fake", public=True),
)

ACCOUNTS = [
    User(user_id="t001", role=Role.TEACHER, name="王老师", school_id="sch1", region_code="330106"),
    User(user_id="inst1", role=Role.INSTITUTION, name="浙大培训", institution_id="zju"),
    User(user_id="city1", role=Role.CITY_BUREAU, name="杭州市教育局", region_code="330100"),
    User(user_id="centre1", role=Role.CENTRE, name="培训中心"),
]


class FakeNames:
    def school(self, school_id: str) -> str | None:
        return {"sch1": "学军中学"}.get(school_id)

    def institution(self, institution_id: str) -> str | None:
        return None


class FakeFunction:
    """Records each event; answers with whatever `reply` says (default: echo of the event)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self.reply: Any = None

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        self.contexts.append(context)
        if isinstance(self.reply, Exception):
            raise self.reply
        if self.reply is not None:
            return self.reply
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"now": clock.now().isoformat()}),
        }


@pytest.fixture
def fake() -> FakeFunction:
    return FakeFunction()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "projects" / "p1").mkdir(parents=True)
    (root / "assets").mkdir()
    (root / "index.html").write_text("<h1>首页</h1>", encoding="utf-8")
    (root / "404.html").write_text("<h1>页面不存在</h1>", encoding="utf-8")
    (root / "projects" / "index.html").write_text("<h1>项目</h1>", encoding="utf-8")
    (root / "projects" / "p1" / "index.html").write_text("p1", encoding="utf-8")
    (root / "catalog.json").write_text('{"projects": []}', encoding="utf-8")
    (root / "assets" / "app.js").write_text("console.log(1)", encoding="utf-8")
    (root / "assets" / "app.css").write_text("body{}", encoding="utf-8")
    (root / "assets" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (root / "assets" / "font.woff2").write_bytes(b"wOF2\x00\x01")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One RSA key for the session: generating one per test would dominate the run time."""
    key_dir = tmp_path_factory.mktemp("jwt")
    DevIdentityProvider(key_dir, issuer="http://127.0.0.1:1/dev-idp")
    return (key_dir / "private.pem").read_bytes()


class PhaseCalls:
    """Stands in for the phase function the dev clock fires: records each event."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return {"term": event["term"], "closing": None}


@pytest.fixture
def phases() -> PhaseCalls:
    return PhaseCalls()


@pytest.fixture
def gw(
    tmp_path: Path, site: Path, fake: FakeFunction, signing_key: bytes, phases: PhaseCalls
) -> Iterator[RunningGateway]:
    (tmp_path / "data" / "jwt").mkdir(parents=True)
    (tmp_path / "data" / "jwt" / "private.pem").write_bytes(signing_key)
    running = serve(
        site,
        tmp_path / "data",
        port=0,
        quiet=True,
        routes=ROUTES,
        invoker=InProcessInvoker(lambda function: fake),
        accounts=lambda: list(ACCOUNTS),
        scope_names=FakeNames(),
        phase_invoker=InProcessInvoker(lambda function: phases),
    )
    yield running
    running.stop()
    clock.set_source(None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- routing and the v2.0 event ------------------------------------------------------------


def test_path_templates_match_like_api_gateway() -> None:
    assert match_path("/api/items/{item_id}", "/api/items/c-1") == {"item_id": "c-1"}
    assert match_path("/api/items/{item_id}", "/api/items") is None
    assert match_path("/api/items/{item_id}", "/api/items/a/b") is None
    assert match_path("/api/files/{proxy+}", "/api/files/a/b") == {"proxy": "a/b"}
    assert match_path("/api/ping", "/api/ping") == {}
    assert match_path("/api/ping", "/api/ping/") is None
    assert match_path("/api/items/{item_id}", "/api/items/") is None


def test_authorized_route_event_has_v2_shape_and_string_claims(
    gw: RunningGateway, fake: FakeFunction
) -> None:
    token = gw.app.idp.issue("t001")
    host, port = gw.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    body = json.dumps({"note": "选课"}, ensure_ascii=False).encode()
    conn.putrequest("POST", "/api/items/c-42?x=1&x=2&empty=&%E5%90%8D=%E5%80%BC")
    for name, value in [
        ("Authorization", f"Bearer {token}"),
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("X-Repeat", "a"),
        ("X-Repeat", "b"),
        ("Cookie", "a=1; b=2"),
        ("Idempotency-Key", "key-12345678"),
    ]:
        conn.putheader(name, value)
    conn.endheaders(body)
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 200
    assert resp.getheader("Apigw-Requestid")

    (event,) = fake.events
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /api/items/{item_id}"
    assert event["rawPath"] == "/api/items/c-42"
    assert event["pathParameters"] == {"item_id": "c-42"}
    assert event["queryStringParameters"] == {"x": "1,2", "empty": "", "名": "值"}
    assert event["rawQueryString"].startswith("x=1&x=2&empty=&")
    assert event["headers"]["x-repeat"] == "a,b"
    assert event["headers"]["idempotency-key"] == "key-12345678"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]
    assert json.loads(event["body"]) == {"note": "选课"}
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["routeKey"] == event["routeKey"]
    assert ctx["stage"] == "$default"
    assert ctx["http"]["method"] == "POST"
    assert ctx["http"]["path"] == "/api/items/c-42"
    assert ctx["http"]["sourceIp"] == "127.0.0.1"
    assert isinstance(ctx["timeEpoch"], int) and ctx["requestId"]
    claims = ctx["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "t001"
    assert claims["aud"] == "zjtrain"
    assert claims["iss"] == f"{gw.url}/dev-idp"
    assert all(isinstance(v, str) for v in claims.values())
    assert int(claims["exp"]) - int(claims["iat"]) == 12 * 3600
    assert ctx["authorizer"]["jwt"]["scopes"] is None
    assert fake.contexts[0].function_name == "zjtrain-fake"
    assert 0 < fake.contexts[0].get_remaining_time_in_millis() <= 29_000


def test_public_route_event_has_no_authorizer_even_with_a_token(
    gw: RunningGateway, fake: FakeFunction
) -> None:
    r = requests.get(f"{gw.url}/api/ping", headers=bearer(gw.app.idp.issue("t001")), timeout=5)
    assert r.status_code == 200
    (event,) = fake.events
    assert "authorizer" not in event["requestContext"]
    assert "pathParameters" not in event and "queryStringParameters" not in event
    assert "body" not in event


def test_exact_path_beats_template(gw: RunningGateway, fake: FakeFunction) -> None:
    assert requests.get(f"{gw.url}/api/items/special", timeout=5).status_code == 200
    assert fake.events[0]["routeKey"] == "GET /api/items/special"


def test_binary_body_is_base64(gw: RunningGateway, fake: FakeFunction) -> None:
    data = bytes(range(256))
    r = requests.post(
        f"{gw.url}/api/echo",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
        timeout=5,
    )
    assert r.status_code == 200
    assert fake.events[0]["isBase64Encoded"] is True
    assert base64.b64decode(fake.events[0]["body"]) == data


def test_unknown_route_and_wrong_method(gw: RunningGateway, fake: FakeFunction) -> None:
    r = requests.get(f"{gw.url}/api/nope", timeout=5)
    assert r.status_code == 404
    assert r.json() == {"code": "no_route", "message": "接口不存在"}
    r = requests.put(f"{gw.url}/api/items/c1", timeout=5)
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"
    assert r.headers["Allow"] == "DELETE, POST"
    assert fake.events == []


# --- response translation ----------------------------------------------------------------


def test_structured_response_headers_cookies_and_base64_body(
    gw: RunningGateway, fake: FakeFunction
) -> None:
    fake.reply = {
        "statusCode": 201,
        "headers": {"Content-Type": "application/octet-stream", "X-Count": 3},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "cookies": ["s=1; Path=/", "t=2; Path=/"],
        "body": base64.b64encode(b"\x00\x01").decode(),
        "isBase64Encoded": True,
    }
    r = requests.get(f"{gw.url}/api/ping", timeout=5)
    assert r.status_code == 201
    assert r.content == b"\x00\x01"
    assert r.headers["X-Count"] == "3"
    assert r.raw.headers.getlist("X-Multi") == ["a", "b"]
    assert r.raw.headers.getlist("Set-Cookie") == ["s=1; Path=/", "t=2; Path=/"]


def test_bare_result_is_json_200(gw: RunningGateway, fake: FakeFunction) -> None:
    fake.reply = {"ok": True}
    r = requests.get(f"{gw.url}/api/ping", timeout=5)
    assert (r.status_code, r.headers["Content-Type"], r.json()) == (
        200,
        "application/json",
        {"ok": True},
    )
    fake.reply = "hello"
    assert requests.get(f"{gw.url}/api/ping", timeout=5).json() == "hello"


def test_crashing_handler_gives_api_gateway_500(gw: RunningGateway, fake: FakeFunction) -> None:
    fake.reply = RuntimeError("boom")
    r = requests.get(f"{gw.url}/api/ping", timeout=5)
    assert r.status_code == 500
    assert r.json() == {"message": "Internal Server Error"}


# --- the JWT authorizer ------------------------------------------------------------------


def _other_key_token(gw: RunningGateway, **claims: Any) -> str:
    """Signed by a different key but claiming the gateway key's kid: a forged signature."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    payload = {
        "iss": gw.app.idp.issuer,
        "aud": "zjtrain",
        "sub": "t001",
        "iat": now,
        "exp": now + 600,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": gw.app.idp.kid})


def _tampered(token: str) -> str:
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "centre1"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


@pytest.mark.parametrize(
    "make_headers",
    [
        pytest.param(lambda gw: {}, id="missing"),
        pytest.param(lambda gw: bearer("not-a-jwt"), id="garbage"),
        pytest.param(lambda gw: bearer(_other_key_token(gw)), id="bad-signature"),
        pytest.param(lambda gw: bearer(_tampered(gw.app.idp.issue("t001"))), id="tampered"),
        pytest.param(lambda gw: bearer(gw.app.idp.issue("t001", ttl_seconds=-1)), id="expired"),
        pytest.param(lambda gw: bearer(gw.app.idp.issue("t001", aud="other")), id="wrong-aud"),
        pytest.param(
            lambda gw: bearer(gw.app.idp.issue("t001", iss="http://evil/dev-idp")), id="wrong-iss"
        ),
        pytest.param(
            lambda gw: bearer(gw.app.idp.issue("t001", nbf=int(time.time()) + 600)), id="nbf-future"
        ),
        pytest.param(
            lambda gw: bearer(gw.app.idp.issue("t001", iat=int(time.time()) + 600)), id="iat-future"
        ),
        pytest.param(
            lambda gw: bearer(
                jwt.encode(
                    {"sub": "t001", "iss": gw.app.idp.issuer, "aud": "zjtrain", "exp": 2**40},
                    "secret-secret-secret-secret-32by",
                    algorithm="HS256",
                    headers={"kid": gw.app.idp.kid},
                )
            ),
            id="hs256",
        ),
    ],
)
def test_rejected_tokens_get_401_and_never_reach_the_function(
    gw: RunningGateway, fake: FakeFunction, make_headers: Any
) -> None:
    r = requests.get(f"{gw.url}/api/items", headers=make_headers(gw), timeout=5)
    assert r.status_code == 401
    assert r.json() == {"code": "unauthorized", "message": "登录已失效，请重新登录"}
    assert fake.events == []


def test_audience_list_and_scopes_pass_through(gw: RunningGateway, fake: FakeFunction) -> None:
    token = gw.app.idp.issue("t001", aud=["other", "zjtrain"], scope="read write")
    r = requests.get(f"{gw.url}/api/items", headers=bearer(token), timeout=5)
    assert r.status_code == 200
    jwt_ctx = fake.events[0]["requestContext"]["authorizer"]["jwt"]
    assert jwt_ctx["claims"]["aud"] == "[other zjtrain]"
    assert jwt_ctx["scopes"] == ["read", "write"]


def test_jwks_verifies_issued_tokens_like_a_real_authorizer(gw: RunningGateway) -> None:
    jwks = requests.get(f"{gw.url}/dev-idp/.well-known/jwks.json", timeout=5).json()
    (key,) = jwks["keys"]
    assert (key["kty"], key["alg"], key["kid"]) == ("RSA", "RS256", gw.app.idp.kid)
    token = gw.app.idp.issue("t001")
    claims = jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        audience="zjtrain",
        issuer=f"{gw.url}/dev-idp",
    )
    assert claims["sub"] == "t001"
    conf = requests.get(f"{gw.url}/dev-idp/.well-known/openid-configuration", timeout=5).json()
    assert conf["jwks_uri"] == f"{gw.url}/dev-idp/.well-known/jwks.json"


def test_signing_key_survives_restart(tmp_path: Path) -> None:
    a = DevIdentityProvider(tmp_path / "jwt", issuer="http://127.0.0.1:1/dev-idp")
    b = DevIdentityProvider(tmp_path / "jwt", issuer="http://127.0.0.1:1/dev-idp")
    assert a.kid == b.kid
    assert b.authorizer().verify(f"Bearer {a.issue('t001')}").claims["sub"] == "t001"


# --- dev endpoints -----------------------------------------------------------------------


def test_dev_users_grouped_by_role_with_scope(gw: RunningGateway) -> None:
    users = requests.get(f"{gw.url}/api/dev/users", timeout=5).json()["users"]
    assert [u["user_id"] for u in users] == ["t001", "city1", "inst1", "centre1"]
    t = users[0]
    assert t == {
        "user_id": "t001",
        "name": "王老师",
        "role": "teacher",
        "role_name": "教师",
        "scope": "杭州市西湖区 · 学军中学",
    }
    assert users[1]["scope"] == "杭州市"
    assert users[2]["scope"] == "zju"  # no name known: the id
    assert users[3]["scope"] == "全省"


def test_dev_login_token_passes_the_authorizer(gw: RunningGateway, fake: FakeFunction) -> None:
    r = requests.post(f"{gw.url}/api/dev/login", json={"user_id": "t001"}, timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["role_name"] == "教师"
    r = requests.get(f"{gw.url}/api/items", headers=bearer(body["token"]), timeout=5)
    assert r.status_code == 200
    assert fake.events[0]["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "t001"


def test_a_client_over_its_rate_limit_gets_429_with_retry_after_in_chinese(
    tmp_path: Path, site: Path, fake: FakeFunction, signing_key: bytes
) -> None:
    from infra.config import RateLimits

    (tmp_path / "data" / "jwt").mkdir(parents=True)
    (tmp_path / "data" / "jwt" / "private.pem").write_bytes(signing_key)
    running = serve(
        site,
        tmp_path / "data",
        port=0,
        quiet=True,
        routes=ROUTES,
        invoker=InProcessInvoker(lambda function: fake),
        accounts=lambda: list(ACCOUNTS),
        scope_names=FakeNames(),
        rate_limits=RateLimits(window_seconds=60, per_token=10, per_ip=25),
    )
    try:
        token = running.app.idp.issue("t001")
        for _ in range(10):
            r = requests.get(f"{running.url}/api/items", headers=bearer(token), timeout=5)
            assert r.status_code == 200
        r = requests.get(f"{running.url}/api/items", headers=bearer(token), timeout=5)
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert r.json() == {"code": "rate_limited", "message": "请求过于频繁，请稍后再试"}
        assert len(fake.events) == 10  # the function never saw the refused request
        # Another signed-in client from the same address still passes …
        other = running.app.idp.issue("inst1")
        assert requests.get(f"{running.url}/api/items", headers=bearer(other), timeout=5).ok
        # … until the address's own limit: 11 API requests reached it (the one the token rule
        # refused stopped there, as in WAF), pages count too.
        answers = [requests.get(f"{running.url}/", timeout=5).status_code for _ in range(15)]
        assert answers == [200] * 14 + [429]
        # The local stack's own endpoints are not limited (no deployment has them).
        assert requests.get(f"{running.url}/api/dev/clock", timeout=5).status_code == 200
    finally:
        running.stop()
        clock.set_source(None)


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"user_id": "nobody"}, 404, "unknown_user"),
        ({}, 422, "validation_error"),
        ("not json", 400, "bad_json"),
        ([1], 400, "bad_json"),
    ],
)
def test_dev_login_rejects(gw: RunningGateway, payload: Any, status: int, code: str) -> None:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    r = requests.post(f"{gw.url}/api/dev/login", data=data, timeout=5)
    assert r.status_code == status
    assert r.json()["code"] == code and r.json()["message"]


def test_dev_clock_round_trip_moves_platform_time(gw: RunningGateway, fake: FakeFunction) -> None:
    r = requests.post(
        f"{gw.url}/api/dev/clock", json={"now": "2024-03-19T09:00:00+08:00"}, timeout=5
    )
    assert r.status_code == 200
    set_to = datetime.fromisoformat(r.json()["now"])
    assert abs((set_to - datetime(2024, 3, 19, 9, tzinfo=SHANGHAI)).total_seconds()) < 5
    assert r.json()["frozen"] is False and r.json()["offset_seconds"] < 0

    got = requests.get(f"{gw.url}/api/dev/clock", timeout=5).json()
    assert got["now"].endswith("+08:00")
    assert 0 <= (datetime.fromisoformat(got["now"]) - set_to).total_seconds() < 5

    # The function sees the same clock through functions.common.clock.
    seen = datetime.fromisoformat(requests.get(f"{gw.url}/api/ping", timeout=5).json()["now"])
    assert abs((seen - set_to).total_seconds()) < 5

    # Persisted: a restarted gateway reads the same offset.
    saved = DevClock(gw.app.data_dir / "clock.json")
    assert saved.state.offset_seconds == pytest.approx(got["offset_seconds"], abs=0.01)

    r = requests.post(f"{gw.url}/api/dev/clock", json={"reset": True}, timeout=5)
    assert r.json()["offset_seconds"] == 0
    assert (
        abs((datetime.fromisoformat(r.json()["now"]) - datetime.now(SHANGHAI)).total_seconds()) < 5
    )


def test_dev_clock_fires_the_phase_function_for_each_boundary_crossed_in_order(
    gw: RunningGateway, phases: PhaseCalls
) -> None:
    """As the deployed schedules would (PH-R1 closes 03-27 00:00, PH-R1-SCHOOL 03-28 00:00,
    PH-EXPAND-APPLY opens 03-28 00:00); moving back fires nothing; crossing again fires again
    (the phase function takes a repeat as a repeat)."""
    clock = f"{gw.url}/api/dev/clock"
    requests.post(clock, json={"now": "2024-03-26T12:00:00+08:00"}, timeout=5)
    phases.events.clear()

    r = requests.post(clock, json={"now": "2024-03-28T12:00:00+08:00"}, timeout=5)

    crossed = [
        ("PH-R1", "close", "2024-03-27T00:00:00+08:00"),
        ("PH-EXPAND-APPLY", "open", "2024-03-28T00:00:00+08:00"),
        ("PH-R1-SCHOOL", "close", "2024-03-28T00:00:00+08:00"),
    ]
    assert [(e["phase"], e["action"], e["at"]) for e in phases.events] == crossed
    assert {e["term"] for e in phases.events} == {"2024H1"}
    assert [(f["phase"], f["action"], f["at"]) for f in r.json()["fired"]] == crossed

    phases.events.clear()
    requests.post(clock, json={"now": "2024-03-26T12:00:00+08:00"}, timeout=5)
    assert phases.events == []
    requests.post(clock, json={"now": "2024-03-28T12:00:00+08:00"}, timeout=5)
    assert [(e["phase"], e["action"], e["at"]) for e in phases.events] == crossed


def test_dev_clock_can_freeze(gw: RunningGateway) -> None:
    body: dict[str, Any] = {"now": "2024-03-26T23:59:59+08:00", "frozen": True}
    r = requests.post(f"{gw.url}/api/dev/clock", json=body, timeout=5)
    assert r.json()["frozen"] is True
    time.sleep(1.1)
    assert requests.get(f"{gw.url}/api/dev/clock", timeout=5).json()["now"] == (
        "2024-03-26T23:59:59+08:00"
    )


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"now": "明天"}, 422, "invalid_time"),
        ({"now": "1999-01-01T00:00:00+08:00"}, 422, "invalid_time"),
        ({}, 422, "validation_error"),
        ({"now": 12}, 422, "validation_error"),
        ({"now": "2024-03-19T09:00:00+08:00", "reset": True}, 422, "validation_error"),
        ({"reset": "yes"}, 422, "validation_error"),
        ({"when": "2024-03-19"}, 422, "validation_error"),
        ("{", 400, "bad_json"),
    ],
)
def test_dev_clock_validation(gw: RunningGateway, payload: Any, status: int, code: str) -> None:
    before = requests.get(f"{gw.url}/api/dev/clock", timeout=5).json()
    data = payload if isinstance(payload, str) else json.dumps(payload)
    r = requests.post(f"{gw.url}/api/dev/clock", data=data, timeout=5)
    assert r.status_code == status
    assert r.json()["code"] == code and r.json()["message"]
    after = requests.get(f"{gw.url}/api/dev/clock", timeout=5).json()
    assert after["offset_seconds"] == before["offset_seconds"]


def test_naive_clock_time_means_beijing_time(gw: RunningGateway) -> None:
    r = requests.post(f"{gw.url}/api/dev/clock", json={"now": "2024-03-19T09:00"}, timeout=5)
    assert r.json()["now"].startswith("2024-03-19T09:00")


def test_unknown_dev_endpoint(gw: RunningGateway) -> None:
    assert requests.get(f"{gw.url}/api/dev/nothing", timeout=5).json()["code"] == "no_route"
    assert requests.get(f"{gw.url}/api/dev/login", timeout=5).status_code == 405


# --- static site -------------------------------------------------------------------------


def test_static_index_and_directory_redirect(gw: RunningGateway) -> None:
    r = requests.get(f"{gw.url}/", timeout=5)
    assert r.status_code == 200 and "首页" in r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    r = requests.get(f"{gw.url}/projects?q=1", allow_redirects=False, timeout=5)
    assert r.status_code == 301 and r.headers["Location"] == "/projects/?q=1"
    r = requests.get(f"{gw.url}/projects/p1", timeout=5)
    assert r.status_code == 200 and r.text == "p1"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/catalog.json", "application/json"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/app.css", "text/css"),
        ("/assets/logo.svg", "image/svg+xml"),
        ("/assets/font.woff2", "font/woff2"),
    ],
)
def test_static_content_types(gw: RunningGateway, path: str, content_type: str) -> None:
    r = requests.get(f"{gw.url}{path}", timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(content_type)


def test_catalog_is_revalidated_every_time(gw: RunningGateway) -> None:
    r = requests.get(f"{gw.url}/catalog.json", timeout=5)
    assert r.headers["Cache-Control"] == "no-cache"
    again = requests.get(
        f"{gw.url}/catalog.json", headers={"If-None-Match": r.headers["ETag"]}, timeout=5
    )
    assert again.status_code == 304


def test_static_404_page_and_no_escape(gw: RunningGateway) -> None:
    r = requests.get(f"{gw.url}/nope.html", timeout=5)
    assert r.status_code == 404 and "页面不存在" in r.text
    host, port = gw.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", "/../secret.txt")
    resp = conn.getresponse()
    assert resp.status == 404 and b"secret" not in resp.read()
    assert requests.post(f"{gw.url}/index.html", timeout=5).status_code == 405


# --- worker processes --------------------------------------------------------------------


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Runs inside a ProcessPoolInvoker worker (see the tests below)."""
    if event.get("write"):
        with open(event["write"], "a", encoding="utf-8") as f:
            f.write(f"{context.function_name} {context.get_remaining_time_in_millis()}\n")
    if event.get("crash"):
        raise ValueError("crash requested")
    return {"statusCode": 200, "body": clock.now().isoformat(), "fn": context.function_name}


def test_process_pool_runs_handlers_in_workers_with_the_dev_clock() -> None:
    invoker = ProcessPoolInvoker(instances=1, module_name="tests.integration.test_gateway")
    try:
        at = datetime(2024, 3, 19, 9, tzinfo=SHANGHAI)
        state = ClockState(offset_seconds=(at - datetime.now(SHANGHAI)).total_seconds())
        result = invoker.invoke("fake", {}, state)
        assert result["fn"] == "zjtrain-fake"
        assert abs(datetime.fromisoformat(result["body"]) - at) < timedelta(seconds=30)
        with pytest.raises(Exception, match="crash requested"):
            invoker.invoke("fake", {"crash": True}, ClockState())
        # The same environment keeps serving after a handler error.
        assert invoker.invoke("fake", {}, ClockState())["statusCode"] == 200
    finally:
        invoker.close()


ECHO = Worker(
    "echo",
    "tests.integration.test_gateway",
    timeout_seconds=120,
    memory_mb=128,
    setting="ZJT_TEST_ECHO_FUNCTION",
    callers=(),
)


@pytest.fixture
def worker_gw(tmp_path: Path, site: Path, signing_key: bytes) -> Iterator[RunningGateway]:
    (tmp_path / "data" / "jwt").mkdir(parents=True)
    (tmp_path / "data" / "jwt" / "private.pem").write_bytes(signing_key)
    running = serve(site, tmp_path / "data", port=0, quiet=True, routes=ROUTES, workers=(ECHO,))
    yield running
    running.stop()


def _lines(path: Path, n: int, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(lines := path.read_text().splitlines()) >= n:
            return lines
        time.sleep(0.1)
    raise AssertionError(f"{path}: fewer than {n} lines")


def test_async_invoke_runs_a_worker_function_with_its_own_timeout(
    worker_gw: RunningGateway, tmp_path: Path
) -> None:
    import boto3

    client = boto3.client(
        "lambda",
        endpoint_url=worker_gw.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    out = tmp_path / "ran.txt"
    resp = client.invoke(
        FunctionName="arn:aws:lambda:us-east-1:000000000000:function:zjtrain-echo",
        InvocationType="Event",
        Payload=json.dumps({"write": str(out)}).encode(),
    )
    assert resp["StatusCode"] == 202
    name, millis = _lines(out, 1)[0].split()
    assert name == "zjtrain-echo" and int(millis) > 29_000  # the worker's 120 s, not the API's
    # A failing run is retried twice, as Lambda retries asynchronous invocations.
    crash = tmp_path / "crash.txt"
    client.invoke(
        FunctionName="zjtrain-echo",
        InvocationType="Event",
        Payload=json.dumps({"write": str(crash), "crash": True}).encode(),
    )
    assert len(_lines(crash, 3)) == 3
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="zjtrain-nope", InvocationType="Event", Payload=b"{}")


def test_async_invoke_is_for_loopback_callers_only(worker_gw: RunningGateway) -> None:
    from werkzeug.test import Client

    resp = Client(worker_gw.app).post(
        "/2015-03-31/functions/zjtrain-echo/invocations",
        data=b"{}",
        headers={"X-Amz-Invocation-Type": "Event"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert resp.status_code == 403


# --- the stack -----------------------------------------------------------------------------


def test_running_stack_creates_the_table_and_leaves_no_process_behind(tmp_path: Path) -> None:
    from functions.common import store
    from local.stack import running_stack

    endpoint_before = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    with running_stack(tmp_path, workers=0) as stack:
        assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == stack.ddb_url
        assert stack.table_name in store.client().list_tables()["TableNames"]
        now = requests.get(f"{stack.url}/api/dev/clock", timeout=5).json()["now"]
        assert now.startswith("2024-03-19T09:00")  # a fresh stack opens at round 1
        pid = stack.ddb_pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") == endpoint_before


# --- security headers (schemas/headers.py, what the distribution's policies send) -----------


def test_pages_and_site_files_carry_the_site_security_headers(gw: RunningGateway) -> None:
    from schemas.headers import SITE

    first = requests.get(f"{gw.url}/", timeout=5)
    answers = [
        first,
        requests.get(f"{gw.url}/assets/app.js", timeout=5),
        requests.get(f"{gw.url}/catalog.json", headers={"Accept-Encoding": "gzip"}, timeout=5),
        requests.get(f"{gw.url}/nope.html", timeout=5),
        requests.get(f"{gw.url}/", headers={"If-None-Match": first.headers["ETag"]}, timeout=5),
    ]
    assert [r.status_code for r in answers] == [200, 200, 200, 404, 304]
    for r in answers:
        assert {k: r.headers.get(k) for k in SITE.as_headers()} == SITE.as_headers(), r.url
    assert "script-src 'self' 'sha256-" in first.headers["Content-Security-Policy"]


def test_api_answers_carry_the_api_headers_and_are_not_stored_unless_they_say(
    gw: RunningGateway, fake: FakeFunction
) -> None:
    from schemas.headers import API

    fake.reply = {
        "statusCode": 200,
        # A function cannot loosen the policy; it may choose its own caching.
        "headers": {"Content-Security-Policy": "default-src *", "X-Frame-Options": "SAMEORIGIN"},
        "body": "{}",
    }
    own = {"statusCode": 200, "headers": {"Cache-Control": "public, max-age=300"}, "body": "{}"}
    answers = [
        requests.get(f"{gw.url}/api/ping", timeout=5),
        requests.get(f"{gw.url}/api/items", timeout=5),  # 401 from the authorizer
        requests.get(f"{gw.url}/api/nope", timeout=5),  # 404 from the gateway
        requests.get(f"{gw.url}/api/dev/clock", timeout=5),
    ]
    assert [r.status_code for r in answers] == [200, 401, 404, 200]
    for r in answers:
        assert {k: r.headers.get(k) for k in API.as_headers()} == API.as_headers(), r.url
        assert r.headers["Cache-Control"] == "no-store", r.url
    assert (
        API.as_headers()["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    fake.reply = own
    assert requests.get(f"{gw.url}/api/ping", timeout=5).headers["Cache-Control"] == (
        "public, max-age=300"
    )
