"""The local stand-in for API Gateway (HTTP API) + Lambda + the static site host.

Every request under `/api/` is matched against `functions.common.routes.ROUTES`, checked the way
the deployed JWT authorizer checks it, turned into an HTTP API payload v2.0 event and passed to
`functions.<function>.handler.lambda_handler` -- the very function Lambda calls. The v2 result is
turned back into HTTP by the v2 response rules. Everything else is the built static site.

Functions that no route serves (`functions.common.routes.WORKERS`, e.g. the import worker) are
started the way deployed functions start them: boto3's Lambda `Invoke` with
`InvocationType=Event`, sent here through `AWS_ENDPOINT_URL_LAMBDA`. The gateway answers 202 and
runs the worker in its own execution environment with the worker's timeout, retrying a failed
run twice as Lambda does. Only loopback callers may invoke.

Dev-only endpoints live here and nowhere else (never in ROUTES, never deployed):
`/api/dev/users`, `/api/dev/login`, `/api/dev/clock`, `/api/dev/mailbox` (what the send worker
emailed to the dev SMTP server), and the dev identity provider's JWKS at
`/dev-idp/.well-known/jwks.json`.

Moving the dev clock forward fires the phase function (`functions.phases.handler`, the deployed
schedules' target) once for every phase boundary crossed, in order, with the event the schedule
would send, before the answer: a person stepping through a term sees the publish at PH-PUBLISH
and the closing of every review window, and the last daily completion-deadline sweep crossed
(QA-2: a sweep settles every class past its deadline). Moving it back fires nothing (schedules never run
backwards); crossing a boundary again fires it again, which the function takes as a repeat.

Authorizer failures answer 401 `{"code":"unauthorized","message":"登录已失效，请重新登录"}`. The
deployed API Gateway answers 401 with its own body `{"message":"Unauthorized"}`, so pages must key
on the status, never on the body. Likewise a crashed handler gives API Gateway's 500
`{"message":"Internal Server Error"}` and a handler past its timeout gives 503.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import hashlib
import importlib
import json
import mimetypes
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from functions.common import clock
from functions.common.errors import RateLimited
from functions.common.routes import ROUTES, WORKERS, Route, Worker
from infra.config import RateLimits
from local.devidp import AUDIENCE, AuthError, AuthorizedCaller, DevIdentityProvider, JwtAuthorizer
from local.ratelimit import RateLimiter
from schemas import headers as security_headers
from schemas.calendar import SHANGHAI, all_calendars
from schemas.people import ROLE_NAMES, Role, User

Handler = Callable[[dict[str, Any], Any], Any]
HandlerLoader = Callable[[str], Handler]

# API Gateway's integration timeout is 30 s; the functions are configured just under it.
LAMBDA_TIMEOUT_SECONDS = 29
ACCOUNT_ID = "000000000000"
API_ID = "zjtlocal"

_INVOKE_PREFIX = "/2015-03-31/functions/"
# The phase-toggle function: deployed as the schedules' target (infra/schedules.py), served here
# so the dev clock can fire it and a long closing can invoke its own next run.
PHASE_FUNCTION = Worker(
    "phases",
    "functions.phases.handler",
    timeout_seconds=900,
    memory_mb=512,
    setting="ZJT_PHASES_FUNCTION",
    callers=(),
)
_UNAUTHORIZED = {"code": "unauthorized", "message": "登录已失效，请重新登录"}
_NO_ROUTE = {"code": "no_route", "message": "接口不存在"}
STATS_WORKER = "stats-aggregate"  # run by POST /api/dev/stats and by `make dev`'s timer
# Scheduled in AWS like the stats worker; `make dev`'s timer and POST /api/dev/stats run it too.
CREDITS_WORKER = "credits-aggregate"
_METHOD_NOT_ALLOWED = {"code": "method_not_allowed", "message": "不支持该请求方法"}


# --------------------------------------------------------------------------------------------
# The dev clock


@dataclass(frozen=True)
class ClockState:
    """Platform time = real time + offset, or a frozen instant. Plain data: it crosses into the
    handler worker processes with every invocation."""

    offset_seconds: float = 0.0
    frozen_at: datetime | None = None

    def now(self) -> datetime:
        if self.frozen_at is not None:
            return self.frozen_at
        return datetime.now(UTC) + timedelta(seconds=self.offset_seconds)


class DevClock:
    """The platform clock of the local stack, persisted in `clock.json` so it survives restarts.

    Setting it stores an offset from real time, so time keeps moving from the chosen instant
    (windows open and close as they would) unless the caller asks for it to be frozen.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._state = ClockState()
        if path is not None and path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            frozen = raw.get("frozen_at")
            self._state = ClockState(
                offset_seconds=float(raw.get("offset_seconds", 0.0)),
                frozen_at=datetime.fromisoformat(frozen) if frozen else None,
            )

    @property
    def state(self) -> ClockState:
        return self._state

    def is_persisted(self) -> bool:
        return self.path is not None and self.path.exists()

    def now(self) -> datetime:
        return self._state.now()

    def set(self, at: datetime, frozen: bool = False) -> None:
        if at.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        at = at.astimezone(UTC)
        if frozen:
            self._save(
                ClockState(offset_seconds=(at - datetime.now(UTC)).total_seconds(), frozen_at=at)
            )
        else:
            self._save(ClockState(offset_seconds=(at - datetime.now(UTC)).total_seconds()))

    def reset(self) -> None:
        self._save(ClockState())

    def install(self) -> None:
        """Make this the source of `functions.common.clock` in this process."""
        clock.set_source(self.now)

    def to_json(self) -> dict[str, Any]:
        s = self._state
        return {
            "now": self.now().astimezone(SHANGHAI).isoformat(timespec="seconds"),
            "offset_seconds": round(s.offset_seconds, 3),
            "frozen": s.frozen_at is not None,
        }

    def _save(self, state: ClockState) -> None:
        self._state = state
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "offset_seconds": state.offset_seconds,
                    "frozen_at": state.frozen_at.isoformat() if state.frozen_at else None,
                }
            ),
            encoding="utf-8",
        )
        tmp.replace(self.path)


# --------------------------------------------------------------------------------------------
# Invoking the functions


class LambdaContext:
    """The attributes of the Python runtime's context object that handlers and powertools read."""

    def __init__(self, function: str, timeout_seconds: float = LAMBDA_TIMEOUT_SECONDS) -> None:
        self.function_name = f"zjtrain-{function}"
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{self.function_name}"
        )
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class InvocationError(Exception):
    """The function raised or its execution environment died (API Gateway: 500)."""


class InvocationTimeout(Exception):
    """The function ran past its timeout (API Gateway: 503)."""


class Invoker(Protocol):
    def invoke(self, function: str, event: dict[str, Any], clock_state: ClockState) -> Any: ...

    def close(self) -> None: ...


HANDLER_MODULE = "functions.{function}.handler"


def import_handler(function: str, module_name: str = HANDLER_MODULE) -> Handler:
    """`functions.<function>.handler.lambda_handler`: what the Lambda runtime imports."""
    module = importlib.import_module(module_name.format(function=function))
    handler: Handler = module.lambda_handler
    return handler


class InProcessInvoker:
    """Runs handlers in this process, one invocation at a time.

    One at a time because that is all a Lambda execution environment ever does, and the
    powertools resolver relies on it: `resolve()` stores the current event on the `BaseRouter`
    class, shared by every resolver in the process, so two concurrent invocations in one
    process would read each other's caller. `ProcessPoolInvoker` gives real concurrency.
    """

    def __init__(
        self,
        load_handler: HandlerLoader = import_handler,
        timeout_seconds: float = LAMBDA_TIMEOUT_SECONDS,
    ) -> None:
        self._load = load_handler
        self._lock = threading.Lock()
        self.timeout_seconds = timeout_seconds

    def invoke(self, function: str, event: dict[str, Any], clock_state: ClockState) -> Any:
        with self._lock:
            handler = self._load(function)
            try:
                return handler(event, LambdaContext(function, self.timeout_seconds))
            except Exception as exc:
                traceback.print_exc()
                raise InvocationError(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        pass


_REPO = Path(__file__).resolve().parent.parent


def _worker_main(fd: int, module_name: str = HANDLER_MODULE) -> None:
    """One execution environment: import on first use, then one invocation at a time.

    Started as `python -c` on a socket inherited as `fd` (not through multiprocessing, which
    would re-run the parent's main script in every worker)."""
    conn = Connection(fd)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if msg is None:
            return
        function, event, state, timeout = msg
        clock.set_source(state.now)
        try:
            context = LambdaContext(function, timeout)
            result = import_handler(function, module_name)(event, context)
            conn.send(("ok", result))
        except Exception as exc:
            traceback.print_exc()
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


_WORKER_CMD = (
    "import sys; from local.gateway import _worker_main; "
    "_worker_main(int(sys.argv[1]), sys.argv[2])"
)


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection


@dataclass
class _Pool:
    idle: list[_Worker] = field(default_factory=list)
    size: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition)


class ProcessPoolInvoker:
    """Up to `instances` worker processes per function, each one execution environment.

    Like Lambda, each environment serves one invocation at a time and keeps its module state
    (caches, clients) between invocations; a new one is started (cold start) only when all are
    busy and the cap is not reached. A worker past the timeout is killed, as Lambda would.
    """

    def __init__(
        self,
        instances: int = 2,
        timeout_seconds: float = LAMBDA_TIMEOUT_SECONDS,
        module_name: str = HANDLER_MODULE,
    ) -> None:
        self.instances = max(1, instances)
        self.module_name = module_name
        self.timeout_seconds = timeout_seconds
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _pool(self, function: str) -> _Pool:
        with self._lock:
            return self._pools.setdefault(function, _Pool())

    def _acquire(self, pool: _Pool) -> _Worker:
        with pool.cond:
            while not pool.idle and pool.size >= self.instances:
                pool.cond.wait()
            if pool.idle:
                return pool.idle.pop()
            pool.size += 1
        try:
            parent, child = socket.socketpair()
            with child:
                proc = subprocess.Popen(
                    [sys.executable, "-c", _WORKER_CMD, str(child.fileno()), self.module_name],
                    pass_fds=[child.fileno()],
                    cwd=_REPO,
                    start_new_session=True,  # Ctrl-C is for the gateway, which closes the pool
                )
            return _Worker(proc, Connection(parent.detach()))
        except BaseException:
            self._discard(pool, None)
            raise

    def _release(self, pool: _Pool, worker: _Worker) -> None:
        with pool.cond:
            pool.idle.append(worker)
            pool.cond.notify()

    def _discard(self, pool: _Pool, worker: _Worker | None) -> None:
        if worker is not None:
            worker.process.kill()
            worker.process.wait(5)
            worker.conn.close()
        with pool.cond:
            pool.size -= 1
            pool.cond.notify()

    def invoke(self, function: str, event: dict[str, Any], clock_state: ClockState) -> Any:
        pool = self._pool(function)
        worker = self._acquire(pool)
        try:
            worker.conn.send((function, event, clock_state, self.timeout_seconds))
            if not worker.conn.poll(self.timeout_seconds):
                self._discard(pool, worker)
                raise InvocationTimeout(f"{function} timed out after {self.timeout_seconds}s")
            status, payload = worker.conn.recv()
        except (EOFError, OSError) as exc:
            self._discard(pool, worker)
            raise InvocationError(f"{function}: execution environment died") from exc
        self._release(pool, worker)
        if status != "ok":
            raise InvocationError(payload)
        return payload

    def close(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            with pool.cond:
                workers, pool.idle = pool.idle, []
            for w in workers:
                with contextlib.suppress(OSError):
                    w.conn.send(None)
            for w in workers:
                try:
                    w.process.wait(2)
                except subprocess.TimeoutExpired:
                    w.process.kill()
                    w.process.wait(2)
                w.conn.close()


# --------------------------------------------------------------------------------------------
# Routes and the v2.0 event


_PARAM = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$")


def match_path(template: str, path: str) -> dict[str, str] | None:
    """Path parameters if `path` matches the API Gateway route path `template`."""
    # No trailing-slash folding: API Gateway does not match `/api/me/` to `/api/me`.
    t_parts = template.split("/")[1:]
    p_parts = path.split("/")[1:]
    params: dict[str, str] = {}
    for i, t in enumerate(t_parts):
        m = _PARAM.match(t)
        if m and m.group(2):  # {proxy+}: the rest of the path, at least one segment
            rest = p_parts[i:]
            if not rest or rest == [""]:
                return None
            params[m.group(1)] = "/".join(rest)
            return params
        if i >= len(p_parts):
            return None
        if m:
            if p_parts[i] == "":
                return None
            params[m.group(1)] = p_parts[i]
        elif t != p_parts[i]:
            return None
    return params if len(t_parts) == len(p_parts) else None


def resolve_route(
    routes: Iterable[Route], method: str, path: str
) -> tuple[Route | None, dict[str, str], list[str]]:
    """(route, path parameters, methods allowed on the path). An exact path beats a template."""
    found: list[tuple[Route, dict[str, str]]] = []
    for r in routes:
        params = match_path(r.path, path)
        if params is not None:
            found.append((r, params))
    found.sort(key=lambda rp: len(rp[1]))  # fewer parameters = more specific
    allowed = sorted({r.method for r, _ in found})
    for r, params in found:
        if r.method in (method, "ANY"):
            return r, params, allowed
    return None, {}, allowed


_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|xml|javascript|x-www-form-urlencoded|.*\+json|.*\+xml))$"
)


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    return bool(_TEXT_TYPES.match(content_type.split(";")[0].strip().lower()))


def _request_id() -> str:
    return base64.b64encode(secrets.token_bytes(10)).decode("ascii")


def build_event(
    request: Request,
    route: Route,
    path_params: dict[str, str],
    auth: AuthorizedCaller | None,
    request_id: str | None = None,
    received: datetime | None = None,
) -> dict[str, Any]:
    """The API Gateway HTTP API payload format 2.0 event for `request` on `route`."""
    received = received or datetime.now(UTC)
    route_key = f"{route.method} {route.path}"
    env = request.environ
    raw_uri = env.get("RAW_URI") or env.get("REQUEST_URI") or request.path
    raw_path = urlsplit(raw_uri).path or request.path
    raw_query = request.query_string.decode("latin-1")

    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        if key == "cookie":
            continue  # v2 moves cookies to `cookies`
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    source_ip = request.remote_addr or "127.0.0.1"
    headers.setdefault("x-forwarded-for", source_ip)
    headers.setdefault("x-forwarded-proto", request.scheme)
    headers.setdefault("x-forwarded-port", str(env.get("SERVER_PORT", "")))
    headers.setdefault(
        "x-amzn-trace-id", f"Root=1-{int(received.timestamp()):08x}-{uuid.uuid4().hex[:24]}"
    )

    host = headers.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": host.split(".")[0].split(":")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": env.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": source_ip,
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": request_id or _request_id(),
            "routeKey": route_key,
            "stage": "$default",
            "time": received.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(received.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    cookie = request.headers.get("Cookie")
    if cookie:
        event["cookies"] = [c.strip() for c in cookie.split(";") if c.strip()]
    if raw_query:
        query: dict[str, str] = {}
        for k, v in parse_qsl(raw_query, keep_blank_values=True):
            query[k] = f"{query[k]},{v}" if k in query else v
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = dict(path_params)
    if auth is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": dict(auth.claims), "scopes": auth.scopes}
        }
    body = request.get_data(cache=True)
    if body:
        if _is_text(request.content_type):
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


class BadLambdaResponse(Exception):
    """A result API Gateway cannot map (it answers 500 Internal Server Error)."""


def to_http(result: Any) -> Response:
    """An HTTP response from a Lambda result, by the payload 2.0 response rules."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Valid JSON without statusCode: 200, application/json, the result itself as the body.
        return Response(
            json.dumps(result, ensure_ascii=False), 200, content_type="application/json"
        )
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError) as exc:
        raise BadLambdaResponse(f"statusCode {result['statusCode']!r}") from exc
    body = result.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    else:
        raise BadLambdaResponse(f"body must be a string, got {type(body).__name__}")
    resp = Response(data, status)
    resp.headers.clear()
    for k, v in (result.get("headers") or {}).items():
        resp.headers[k] = str(v)
    # Payload 2.0 has no multiValueHeaders; honoured here so 1.0-style handlers still work
    # locally, and flagged because the deployed API would drop them.
    multi = result.get("multiValueHeaders") or {}
    if multi:
        print(
            "gateway: warning: multiValueHeaders are ignored by payload 2.0 in API Gateway",
            file=sys.stderr,
        )
    for k, values in multi.items():
        for v in values:
            resp.headers.add(k, str(v))
    for c in result.get("cookies") or []:
        resp.headers.add("Set-Cookie", str(c))
    return resp


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    resp = Response(
        json.dumps(body, ensure_ascii=False), status, content_type="application/json; charset=utf-8"
    )
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


# --------------------------------------------------------------------------------------------
# Demo accounts


class ScopeNames(Protocol):
    def school(self, school_id: str) -> str | None: ...

    def institution(self, institution_id: str) -> str | None: ...


class DemoScopeNames:
    """School and institution names from the demo data (`local.demo`), read on first use."""

    def __init__(self) -> None:
        self._schools: dict[str, str] | None = None
        self._institutions: dict[str, str] | None = None

    def school(self, school_id: str) -> str | None:
        if self._schools is None:
            from local.demo import schools

            self._schools = {s.school_id: s.name for s in schools()}
        return self._schools.get(school_id)

    def institution(self, institution_id: str) -> str | None:
        if self._institutions is None:
            from local.demo import institutions

            self._institutions = {i.institution_id: i.name for i in institutions()}
        return self._institutions.get(institution_id)


def _region_name(code: str | None) -> str | None:
    if not code:
        return None
    from schemas.regions import region_tree

    return region_tree().full_name(code)


def describe_scope(user: User, names: ScopeNames | None) -> str:
    """A Chinese description of what the account covers: its school, region or institution."""
    if user.role in (Role.CENTRE, Role.MONITOR):
        return "全省"
    if user.role == Role.INSTITUTION:
        iid = user.institution_id
        return (names.institution(iid) if names and iid else None) or iid or "—"
    if user.role in (Role.COUNTY_BUREAU, Role.CITY_BUREAU, Role.PROVINCE_BUREAU):
        return _region_name(user.region_code) or "—"
    sid = user.school_id
    school = (names.school(sid) if names and sid else None) or sid
    region = _region_name(user.region_code)
    if school and region:
        from schemas.regions import region_tree

        county = region_tree().name(user.region_code or "")
        return school if county in school else f"{region} · {school}"
    return school or region or "—"


def _load_demo_accounts() -> list[User]:
    from local.demo import demo_accounts

    return list(demo_accounts())


# --------------------------------------------------------------------------------------------
# Static site


_CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",
}


# Compressed on the fly like CloudFront (`compress: true` in infra/site.py) compresses them, so
# what a local browser downloads is what a phone downloads from the deployment.
_COMPRESSIBLE = frozenset(
    {".html", ".htm", ".js", ".mjs", ".css", ".json", ".map", ".svg", ".txt", ".xml", ".csv"}
)


@functools.lru_cache(maxsize=512)
def _gzipped(path: str, mtime_ns: int, size: int) -> tuple[bytes, str]:
    """The file's gzip body and a strong ETag of its bytes (keyed by mtime and size)."""
    data = Path(path).read_bytes()
    return gzip.compress(data, 6, mtime=0), hashlib.sha1(data).hexdigest() + "-gz"


def content_type_for(path: Path) -> str:
    ct = _CONTENT_TYPES.get(path.suffix.lower())
    if ct:
        return ct
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


# --------------------------------------------------------------------------------------------
# The gateway


class Gateway:
    """The WSGI application. Build it with `make_gateway`; everything it touches is injectable."""

    def __init__(
        self,
        *,
        issuer: str,
        site_dir: Path,
        data_dir: Path,
        routes: Iterable[Route] = ROUTES,
        invoker: Invoker | None = None,
        accounts: Callable[[], list[User]] = _load_demo_accounts,
        scope_names: ScopeNames | None = None,
        audience: str = AUDIENCE,
        workers: Iterable[Worker] = WORKERS,
        phase_invoker: Invoker | None = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.workers = (*tuple(workers), PHASE_FUNCTION)
        # Runs the phase function for the dev clock (default: its own execution environment
        # with the function's 15-minute timeout).
        self.phase_invoker = phase_invoker
        self._worker_invokers: dict[str, ProcessPoolInvoker] = {}
        self._invokers_lock = threading.Lock()
        # Set by close(): runs still in flight stop retrying (the table may be gone) and no new
        # worker process pool is started.
        self._closed = threading.Event()
        self.site_dir = Path(site_dir)
        self.data_dir = Path(data_dir)
        self.routes = tuple(routes)
        self.invoker: Invoker = invoker or InProcessInvoker()
        self.accounts = accounts
        self.scope_names: ScopeNames = scope_names or DemoScopeNames()
        self.idp = DevIdentityProvider(self.data_dir / "jwt", issuer=issuer, audience=audience)
        self.authorizer: JwtAuthorizer = self.idp.authorizer()
        self.clock = DevClock(self.data_dir / "clock.json")
        self.clock.install()
        # Per-client limits as the deployment's WAF applies them (local/ratelimit.py); None: off.
        self.limiter = RateLimiter(rate_limits) if rate_limits is not None else None

    # WSGI entry point
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith(_INVOKE_PREFIX):
            return self._lambda_invoke(request)  # the Lambda API, not the distribution
        response = self._route(request)
        # What the distribution's response headers policies add (schemas/headers.py): the
        # security headers replace the response's own, the defaults fill only what it lacks.
        headers = (
            security_headers.API
            if path.startswith("/dev-idp/")
            else security_headers.for_path(path)
        )
        for name, value in headers.as_headers().items():
            response.headers[name] = value
        for name, value in headers.defaults().items():
            response.headers.setdefault(name, value)
        return response

    def _route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/dev-idp/"):
            return self._idp(request)
        if path.startswith("/api/dev/") or path == "/api/dev":
            return self._dev(request)  # the local stack's own endpoints: no deployment has them
        wait = self.limiter.retry_after(request) if self.limiter is not None else None
        if wait is not None:
            return json_response(429, RateLimited().body(), {"Retry-After": str(wait)})
        if path == "/api" or path.startswith("/api/"):
            return self._api(request)
        return self._static(request)

    # --- API -------------------------------------------------------------------------------

    def _api(self, request: Request) -> Response:
        route, params, allowed = resolve_route(self.routes, request.method, request.path)
        if route is None:
            if allowed:
                return json_response(405, _METHOD_NOT_ALLOWED, {"Allow": ", ".join(allowed)})
            return json_response(404, _NO_ROUTE)
        request_id = _request_id()
        auth: AuthorizedCaller | None = None
        if not route.public:
            try:
                auth = self.authorizer.verify(request.headers.get("Authorization"))
            except AuthError as exc:
                print(f"gateway: 401 {request.method} {request.path}: {exc}", file=sys.stderr)
                return json_response(
                    401,
                    _UNAUTHORIZED,
                    {"WWW-Authenticate": "Bearer", "Apigw-Requestid": request_id},
                )
        event = build_event(request, route, params, auth, request_id)
        try:
            result = self.invoker.invoke(route.function, event, self.clock.state)
            response = to_http(result)
        except InvocationTimeout as exc:
            print(f"gateway: {exc}", file=sys.stderr)
            response = json_response(503, {"message": "Service Unavailable"})
        except (InvocationError, BadLambdaResponse) as exc:
            print(f"gateway: 500 {route.method} {route.path}: {exc}", file=sys.stderr)
            response = json_response(500, {"message": "Internal Server Error"})
        response.headers["Apigw-Requestid"] = request_id
        return response

    # --- Lambda Invoke (asynchronous) for the worker functions -----------------------------

    def _lambda_invoke(self, request: Request) -> Response:
        if request.remote_addr not in ("127.0.0.1", "::1"):
            return _lambda_error(403, "AccessDeniedException", "loopback callers only")
        name = request.path[len(_INVOKE_PREFIX) :].split("/")[0]
        name = name.rsplit(":", 1)[-1] if name.startswith("arn:") else name
        worker = next((w for w in self.workers if f"zjtrain-{w.name}" == name), None)
        if worker is None or request.method != "POST":
            return _lambda_error(404, "ResourceNotFoundException", f"Function not found: {name}")
        if request.headers.get("X-Amz-Invocation-Type") != "Event":
            return _lambda_error(400, "InvalidParameterValueException", "only Event invocations")
        event = json.loads(request.get_data() or b"{}")
        threading.Thread(
            target=self._run_worker,
            args=(worker, event, self.clock.state),
            name=f"worker-{worker.name}",
            daemon=True,
        ).start()
        return Response(status=202)

    def _worker_invoker(self, worker: Worker) -> ProcessPoolInvoker:
        with self._invokers_lock:
            invoker = self._worker_invokers.get(worker.name)
            if invoker is None:
                invoker = ProcessPoolInvoker(
                    instances=worker.concurrency or 2,
                    timeout_seconds=worker.timeout_seconds,
                    module_name=worker.module,
                )
                self._worker_invokers[worker.name] = invoker
            return invoker

    def _run_worker(self, worker: Worker, event: dict[str, Any], state: ClockState) -> None:
        for attempt in range(3):  # Lambda retries a failed asynchronous run twice
            if self._closed.is_set():
                return
            try:
                self._worker_invoker(worker).invoke(worker.name, event, state)
                return
            except (InvocationError, InvocationTimeout) as exc:
                if self._closed.is_set():
                    return  # stopped under it: not a failure of the worker
                print(f"gateway: {worker.name} run {attempt + 1} failed: {exc}", file=sys.stderr)
                time.sleep(attempt + 1)

    def close(self) -> None:
        self._closed.set()
        with self._invokers_lock:
            invokers, self._worker_invokers = list(self._worker_invokers.values()), {}
        for invoker in invokers:
            invoker.close()

    # --- dev identity provider ------------------------------------------------------------

    def _idp(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return json_response(405, _METHOD_NOT_ALLOWED, {"Allow": "GET"})
        if request.path == "/dev-idp/.well-known/jwks.json":
            return json_response(200, self.idp.jwks())
        if request.path == "/dev-idp/.well-known/openid-configuration":
            return json_response(200, self.idp.openid_configuration())
        return json_response(404, _NO_ROUTE)

    # --- dev endpoints ---------------------------------------------------------------------

    def _dev(self, request: Request) -> Response:
        endpoints: dict[str, dict[str, Callable[[Request], Response]]] = {
            "/api/dev/users": {"GET": self._dev_users},
            "/api/dev/login": {"POST": self._dev_login},
            "/api/dev/clock": {"GET": self._dev_clock_get, "POST": self._dev_clock_set},
            "/api/dev/stats": {"POST": self._dev_stats},
            "/api/dev/mailbox": {"GET": self._dev_mailbox, "DELETE": self._dev_mailbox_clear},
        }
        methods = endpoints.get(request.path.rstrip("/"))
        if methods is None:
            return json_response(404, _NO_ROUTE)
        handler = methods.get(request.method)
        if handler is None:
            return json_response(405, _METHOD_NOT_ALLOWED, {"Allow": ", ".join(methods)})
        return handler(request)

    def _dev_stats(self, request: Request) -> Response:
        """Run the dashboard's scheduled aggregation now (the worker a schedule runs in AWS)."""
        worker = next((w for w in self.workers if w.name == STATS_WORKER), None)
        if worker is None:
            return json_response(404, _NO_ROUTE)
        body = self._json_body(request) if request.get_data() else {}
        if isinstance(body, Response):
            return body
        cities = body.get("cities")  # a test aggregates only the city it looks at
        self._run_worker(worker, {"cities": cities} if cities else {}, self.clock.state)
        for w in self.workers:
            if w.name == CREDITS_WORKER:
                self._run_worker(w, {"cities": cities} if cities else {}, self.clock.state)
        return json_response(200, {"ok": True})

    def run_stats_every(self, seconds: float) -> None:
        """`make dev`: keep the dashboard within `seconds` of the data, like the schedule."""
        worker = next((w for w in self.workers if w.name == STATS_WORKER), None)
        if worker is None or seconds <= 0:
            return

        scheduled = [worker, *(w for w in self.workers if w.name == CREDITS_WORKER)]

        def loop() -> None:
            while True:
                for w in scheduled:
                    self._run_worker(w, {}, self.clock.state)
                time.sleep(seconds)

        threading.Thread(target=loop, name="stats-timer", daemon=True).start()

    def _user_json(self, user: User) -> dict[str, Any]:
        return {
            "user_id": user.user_id,
            "name": user.name,
            "role": user.role.value,
            "role_name": ROLE_NAMES[user.role],
            "scope": describe_scope(user, self.scope_names),
        }

    def _dev_users(self, request: Request) -> Response:
        order = {role: i for i, role in enumerate(Role)}
        users = sorted(self.accounts(), key=lambda u: (order[u.role], u.user_id))
        return json_response(200, {"users": [self._user_json(u) for u in users]})

    @staticmethod
    def _json_body(request: Request) -> dict[str, Any] | Response:
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return json_response(400, {"code": "bad_json", "message": "请求体不是有效的 JSON"})
        if not isinstance(body, dict):
            return json_response(400, {"code": "bad_json", "message": "请求体应为 JSON 对象"})
        return body

    def _dev_login(self, request: Request) -> Response:
        body = self._json_body(request)
        if isinstance(body, Response):
            return body
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            return json_response(
                422, {"code": "validation_error", "message": "请提供演示账号 user_id"}
            )
        user = next((u for u in self.accounts() if u.user_id == user_id), None)
        if user is None:
            return json_response(404, {"code": "unknown_user", "message": "演示账号不存在"})
        return json_response(
            200, {"token": self.idp.issue(user.user_id), "user": self._user_json(user)}
        )

    def _dev_mailbox(self, request: Request) -> Response:
        """What the send worker emailed, newest first (the dev mailbox, local/mailbox.py)."""
        from local.mailbox import read_mailbox, summary

        mails = [summary(m) for m in read_mailbox(self.data_dir / "mailbox")]
        return json_response(200, {"messages": mails[::-1]})

    def _dev_mailbox_clear(self, request: Request) -> Response:
        from local.mailbox import clear_mailbox

        return json_response(200, {"deleted": clear_mailbox(self.data_dir / "mailbox")})

    def _dev_clock_get(self, request: Request) -> Response:
        return json_response(200, self.clock.to_json())

    def _dev_clock_set(self, request: Request) -> Response:
        body = self._json_body(request)
        if isinstance(body, Response):
            return body
        unknown = sorted(set(body) - {"now", "reset", "frozen"})
        if unknown:
            return json_response(
                422,
                {"code": "validation_error", "message": f"不支持的字段：{'、'.join(unknown)}"},
            )
        reset, now, frozen = body.get("reset"), body.get("now"), body.get("frozen", False)
        if not isinstance(frozen, bool) or (reset is not None and not isinstance(reset, bool)):
            return json_response(
                422, {"code": "validation_error", "message": "reset 和 frozen 须为 true 或 false"}
            )
        if reset and now is not None:
            return json_response(
                422, {"code": "validation_error", "message": "now 与 reset 只能提供其一"}
            )
        if reset:
            self.clock.reset()
            return json_response(200, self.clock.to_json())
        if not isinstance(now, str) or not now:
            return json_response(
                422,
                {"code": "validation_error", "message": '请提供时间 now，或 {"reset": true}'},
            )
        try:
            at = datetime.fromisoformat(now)
        except ValueError:
            return json_response(
                422,
                {
                    "code": "invalid_time",
                    "message": "时间格式不正确，应为 ISO 8601，例如 2024-03-19T09:00:00+08:00",
                },
            )
        if at.tzinfo is None:
            at = at.replace(tzinfo=SHANGHAI)  # a bare local time means Beijing time
        if not 2000 <= at.year <= 2100:
            return json_response(
                422, {"code": "invalid_time", "message": "时间须在 2000 年至 2100 年之间"}
            )
        before = self.clock.now()
        self.clock.set(at, frozen=frozen)
        fired = self._fire_boundaries(before, self.clock.now())
        return json_response(200, {**self.clock.to_json(), "fired": fired})

    def _fire_boundaries(self, before: datetime, after: datetime) -> list[dict[str, Any]]:
        """Run the phase function for each boundary in (before, after], in order, as the
        deployed schedules would (same event); an error is reported, not raised."""
        crossed = [
            (at, cal.term, phase.value, action)
            for cal in all_calendars()
            for at, phase, action in cal.boundaries()
            if before < at <= after
        ]
        for cal in all_calendars():
            # The daily completion sweep (QA-2): one sweep settles every class past its deadline,
            # so a jump across many days fires only the last sweep it crossed.
            swept = [t for t in cal.completion_sweeps() if before < t <= after]
            if swept:
                crossed.append((swept[-1], cal.term, cal.training.completion_phase.value, "settle"))
        out: list[dict[str, Any]] = []
        invoker = self.phase_invoker or self._worker_invoker(PHASE_FUNCTION)
        for at, term, phase, action in sorted(crossed, key=lambda b: (b[0], b[2], b[3])):
            event = {
                "term": term,
                "phase": phase,
                "action": action,
                "at": at.astimezone(SHANGHAI).isoformat(),
            }
            fired: dict[str, Any] = dict(event)
            try:
                result = invoker.invoke(PHASE_FUNCTION.name, event, self.clock.state)
                closing = (result or {}).get("closing")
                if closing:
                    fired["closing"] = {"done": closing["done"], "counts": closing["counts"]}
                if (result or {}).get("settled"):
                    fired["settled"] = result["settled"]
            except (InvocationError, InvocationTimeout) as exc:
                print(f"gateway: phase function {phase} {action}: {exc}", file=sys.stderr)
                fired["error"] = str(exc)
            out.append(fired)
        return out

    # --- static site -----------------------------------------------------------------------

    def _static(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response(
                "不支持该请求方法",
                405,
                {"Allow": "GET, HEAD"},
                mimetype="text/plain",
            )
        rel = request.path.lstrip("/")
        joined = safe_join(str(self.site_dir), rel) if rel else str(self.site_dir)
        if joined is None:
            return self._not_found()
        target = Path(joined)
        if target.is_dir():
            if not request.path.endswith("/"):
                location = request.path + "/"
                if request.query_string:
                    location += "?" + request.query_string.decode("latin-1")
                return Response("", 301, {"Location": location})
            target = target / "index.html"
        if not target.is_file():
            return self._not_found()
        if target.suffix.lower() in _COMPRESSIBLE and "gzip" in request.headers.get(
            "Accept-Encoding", ""
        ):
            st = target.stat()
            body, etag = _gzipped(str(target), st.st_mtime_ns, st.st_size)
            resp = Response(body, mimetype=content_type_for(target))
            resp.headers["Content-Encoding"] = "gzip"
            resp.headers["Vary"] = "Accept-Encoding"
            resp.set_etag(etag)
            resp.headers["Cache-Control"] = "no-cache"
            return resp.make_conditional(request)
        try:
            resp = send_file(
                str(target),
                request.environ,
                mimetype=content_type_for(target),
                conditional=True,
                etag=True,
                max_age=None,
            )
        except NotFound:
            return self._not_found()
        # Revalidate everything (ETag makes it cheap): a rebuild or a seat change is seen at once.
        resp.headers["Cache-Control"] = "no-cache"
        return resp

    def _not_found(self) -> Response:
        page = self.site_dir / "404.html"
        if page.is_file():
            return Response(page.read_bytes(), 404, content_type="text/html; charset=utf-8")
        if not self.site_dir.is_dir():
            text = f"站点尚未构建（{self.site_dir} 不存在），请先构建站点。"
        else:
            text = "页面不存在"
        return Response(text, 404, content_type="text/plain; charset=utf-8")


def issuer_for(port: int) -> str:
    return f"http://127.0.0.1:{port}/dev-idp"


def make_gateway(
    port: int, site_dir: Path | str = "build/site", data_dir: Path | str = ".local", **kwargs: Any
) -> Gateway:
    """The gateway WSGI app for a server on `port` (the port names the dev IdP's issuer)."""
    return Gateway(
        issuer=issuer_for(port), site_dir=Path(site_dir), data_dir=Path(data_dir), **kwargs
    )


# --------------------------------------------------------------------------------------------
# Serving


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class RunningGateway:
    server: BaseWSGIServer
    app: Gateway
    url: str
    thread: threading.Thread | None = None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(10)
        self.app.invoker.close()
        self.app.close()


def _lambda_error(status: int, error_type: str, message: str) -> Response:
    """An error the way the Lambda API reports one (boto3 reads the type from the header)."""
    return json_response(
        status, {"Type": "User", "message": message}, {"X-Amzn-ErrorType": error_type}
    )


def _placeholder(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def serve(
    site_dir: Path | str = "build/site",
    data_dir: Path | str = ".local",
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    background: bool = True,
    quiet: bool = False,
    **gateway_kwargs: Any,
) -> RunningGateway:
    """Bind `host:port` (0 = a free port), build the gateway for it and serve.

    With `background` the server runs in a daemon thread and this returns at once (tests);
    otherwise the caller runs `result.server.serve_forever()` itself.
    """
    server = make_server(
        host,
        port,
        _placeholder,
        threaded=True,
        request_handler=_QuietHandler if quiet else WSGIRequestHandler,
    )
    app = make_gateway(server.port, site_dir, data_dir, **gateway_kwargs)
    server.app = app
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    running = RunningGateway(server=server, app=app, url=f"http://{shown}:{server.port}")
    if background:
        running.thread = threading.Thread(
            target=server.serve_forever, name="gateway", kwargs={"poll_interval": 0.1}, daemon=True
        )
        running.thread.start()
    return running


def default_invoker(workers: int | None = None) -> Invoker:
    """`workers` > 0: that many execution environments per function, in worker processes;
    0: in this process, one invocation at a time. Default from `ZJT_GATEWAY_WORKERS` (2)."""
    n = int(os.environ.get("ZJT_GATEWAY_WORKERS", "2")) if workers is None else workers
    return ProcessPoolInvoker(n) if n > 0 else InProcessInvoker()


__all__ = [
    "ClockState",
    "DevClock",
    "Gateway",
    "InProcessInvoker",
    "LambdaContext",
    "ProcessPoolInvoker",
    "RunningGateway",
    "build_event",
    "default_invoker",
    "make_gateway",
    "serve",
    "to_http",
]
