"""Starting and stopping the local stack: the DynamoDB endpoint subprocess, the table, demo data,
the dev clock, the static site and the gateway. `local.run` (`make dev`) is the command-line face
of these steps; e2e tests and benchmarks use `running_stack`.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from functions.common import clock
from functions.common.routes import WORKERS
from functions.common.settings import settings
from functions.common.table_def import create_table_kwargs, ttl_kwargs
from local.gateway import DevClock, RunningGateway, default_invoker, serve
from local.mailbox import DevMailbox
from schemas.calendar import SHANGHAI

REPO = Path(__file__).resolve().parent.parent
# Round 1 of 2024H1 has just opened: the moment a first-time `make dev` starts at.
R1_OPEN = datetime(2024, 3, 19, 9, 0, tzinfo=SHANGHAI)
DDB_READY = "ddb listening on "
_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _die_with_parent() -> None:
    """In the child before exec: receive SIGTERM if the parent dies, even by SIGKILL."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class DdbProcess:
    """`python -m local.ddb` in its own process group, stopped with the stack (or at exit)."""

    def __init__(
        self, port: int, data_dir: Path, host: str = "127.0.0.1", echo: IO[str] | None = None
    ) -> None:
        self.url = ""
        self._ready = threading.Event()
        self._echo = echo
        data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.ddb",
                "--host",
                host,
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # Ctrl-C reaches us only; we stop it in order
            preexec_fn=_die_with_parent,
        )
        atexit.register(self.stop)
        threading.Thread(target=self._drain, name="ddb-stdout", daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not self._ready.is_set() and line.startswith(DDB_READY):
                self.url = line[len(DDB_READY) :].strip()
                self._ready.set()
            elif self._echo is not None:
                self._echo.write(f"ddb: {line}")
        self._ready.set()  # exited: wake the waiter

    def wait_ready(self, timeout: float = 30) -> str:
        if not self._ready.wait(timeout) or not self.url:
            code = self.proc.poll()
            self.stop()
            raise RuntimeError(
                f"local.ddb did not start (exit code {code})"
                if code is not None
                else f"local.ddb not ready after {timeout}s"
            )
        return self.url

    def stop(self, timeout: float = 5) -> None:
        atexit.unregister(self.stop)
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout)


class ChildWatch:
    """Watches the stack's child processes from a daemon thread and calls `on_exit(name, code)`
    once, for the first that exits: `make dev` must not go on serving a platform whose
    DynamoDB endpoint is gone (every data route would answer 500)."""

    def __init__(
        self,
        children: dict[str, subprocess.Popen[str]],
        on_exit: Callable[[str, int], None],
        interval: float = 0.5,
    ) -> None:
        self.children = children
        self.on_exit = on_exit
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="child-watch", daemon=True)

    def start(self) -> ChildWatch:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for name, proc in self.children.items():
                code = proc.poll()
                if code is not None:
                    self.on_exit(name, code)
                    return

    def stop(self) -> None:
        """Stop watching (before stopping the children on purpose)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5)


_ENV_KEYS = (
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "ZJT_TABLE_NAME",
    "ZJT_SITE_DIR",  # where the site worker publishes the site (functions/site)
    "AWS_ENDPOINT_URL_LAMBDA",  # set by the gateway: functions start the worker functions there
    *(w.setting for w in WORKERS),
    # The dev mailbox (local/mailbox.py) is the send worker's SMTP server.
    "ZJT_SMTP_HOST",
    "ZJT_SMTP_PORT",
    "ZJT_SMTP_SECURITY",
    "ZJT_SITE_URL",  # links in emails and calendar feeds
)


def configure_environment(ddb_url: str, table_name: str) -> dict[str, str | None]:
    """Point this process (and the handler workers it starts) at the local endpoint. Returns the
    previous values for `restore_environment`."""
    previous = {k: os.environ.get(k) for k in _ENV_KEYS}
    os.environ.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": ddb_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "ZJT_TABLE_NAME": table_name,
        }
    )
    _forget_clients()
    return previous


def configure_workers(gateway_port: int) -> None:
    """Let the functions start the worker functions (`WORKERS`) through the gateway's Lambda
    Invoke endpoint, by the names the gateway serves them under. Undone by
    `restore_environment`."""
    os.environ["AWS_ENDPOINT_URL_LAMBDA"] = f"http://127.0.0.1:{gateway_port}"
    os.environ["ZJT_SITE_URL"] = f"http://127.0.0.1:{gateway_port}"
    for w in WORKERS:
        os.environ[w.setting] = f"zjtrain-{w.name}"
    _forget_clients()


def start_mailbox(data_dir: Path) -> DevMailbox:
    """The dev mailbox (an SMTP server on loopback) and the settings that point the send worker
    at it; what it accepts is read on 运维 › 开发邮箱 (GET /api/dev/mailbox)."""
    box = DevMailbox(data_dir / "mailbox").start()
    os.environ.update(
        {"ZJT_SMTP_HOST": box.host, "ZJT_SMTP_PORT": str(box.port), "ZJT_SMTP_SECURITY": "none"}
    )
    return box


class Ticker:
    """The local stand-in for the schedules of the scheduled workers (`Worker.every_minutes`):
    every `seconds` (ZJT_LOCAL_TICK_SECONDS, default 5: a person should not wait a minute for
    the dev mailbox) it starts each of them through the gateway's Lambda Invoke endpoint."""

    def __init__(self, gateway_port: int, seconds: float | None = None) -> None:
        self.url = f"http://127.0.0.1:{gateway_port}/2015-03-31/functions"
        self.seconds = seconds or float(os.environ.get("ZJT_LOCAL_TICK_SECONDS", "5"))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def _run(self) -> None:
        import urllib.request

        while not self._stop.wait(self.seconds):
            for w in WORKERS:
                if w.every_minutes is None:
                    continue
                req = urllib.request.Request(
                    f"{self.url}/zjtrain-{w.name}/invocations",
                    data=b'{"task": "send"}',
                    method="POST",
                    headers={"X-Amz-Invocation-Type": "Event"},
                )
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(req, timeout=5).close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def restore_environment(previous: dict[str, str | None]) -> None:
    for k, v in previous.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    _forget_clients()


def _forget_clients() -> None:
    from functions.common import records, store

    settings.cache_clear()
    store.reset_clients()
    records.clear_cache()


def ensure_table(table_name: str, timeout: float = 30) -> bool:
    """Create the platform table from the shared definition if missing. True if created."""
    from functions.common import store

    client = store.admin_client()
    if table_name in client.list_tables().get("TableNames", []):
        return False
    client.create_table(**create_table_kwargs(table_name))
    deadline = time.monotonic() + timeout
    while client.describe_table(TableName=table_name)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise RuntimeError(f"table {table_name} not ACTIVE after {timeout}s")
        time.sleep(0.1)
    ttl = ttl_kwargs(table_name)
    if ttl:
        client.update_time_to_live(**ttl)
    return True


def table_is_empty(table_name: str) -> bool:
    from functions.common import store

    resp = store.admin_client().scan(TableName=table_name, Limit=1, Select="COUNT")
    return int(resp.get("Count", 0)) == 0 and not resp.get("LastEvaluatedKey")


def seed_if_empty(table_name: str) -> bool:
    """Load the demo data (`local.seed.seed`) into an empty table. True if it seeded."""
    if not table_is_empty(table_name):
        return False
    from local.seed import seed

    seed()
    return True


def init_clock(data_dir: Path, at: datetime | None = R1_OPEN) -> bool:
    """Set the dev clock to `at` unless a clock was already saved. True if it set it."""
    dev_clock = DevClock(data_dir / "clock.json")
    if at is None or dev_clock.is_persisted():
        return False
    dev_clock.set(at)
    return True


def build_site(out_dir: Path, term: str) -> None:
    """Publish the static site from the table into `out_dir` the way the site worker does
    (only what changed since the site there was published, if it was)."""
    from functions.site.service import publish_site
    from functions.site.target import DirectoryTarget

    publish_site(term, DirectoryTarget(out_dir.resolve()), clock.wall_ms())


@dataclass
class Stack:
    url: str
    ddb_url: str
    port: int
    ddb_port: int
    data_dir: Path
    site_dir: Path
    table_name: str
    gateway: RunningGateway
    ddb_pid: int
    mailbox: DevMailbox

    def token(self, user_id: str) -> str:
        """A signed bearer token for `user_id`, as `/api/dev/login` would issue."""
        return self.gateway.app.idp.issue(user_id)


@contextlib.contextmanager
def running_stack(
    tmp_dir: Path | str,
    port: int = 0,
    *,
    seed: bool = False,
    build: bool = False,
    site_dir: Path | str | None = None,
    start_at: datetime | None = R1_OPEN,
    workers: int | None = None,
    table_name: str | None = None,
    quiet: bool = True,
) -> Iterator[Stack]:
    """The whole local stack on free ports under `tmp_dir`, torn down on exit.

    `seed` loads the demo data, `build` renders the site into `site_dir` (default
    `<tmp_dir>/site`); both off by default so tests start fast. `workers`: handler execution
    environments per function (worker processes); 0 runs handlers in this process.
    """
    data_dir = Path(tmp_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    site = Path(site_dir) if site_dir is not None else data_dir / "site"
    gw_port = port or free_port()
    ddb_port = free_port()
    name = table_name or settings().table_name
    ddb = DdbProcess(ddb_port, data_dir / "ddb", echo=None if quiet else sys.stderr)
    previous: dict[str, str | None] | None = None
    gateway: RunningGateway | None = None
    mailbox: DevMailbox | None = None
    ticker: Ticker | None = None
    try:
        ddb_url = ddb.wait_ready()
        previous = configure_environment(ddb_url, name)
        os.environ["ZJT_SITE_DIR"] = str(site.resolve())  # handler workers inherit it
        configure_workers(gw_port)
        mailbox = start_mailbox(data_dir)
        ensure_table(name)
        if seed:
            seed_if_empty(name)
        init_clock(data_dir, start_at)
        if build:
            build_site(site, settings().term)
        gateway = serve(
            site,
            data_dir,
            port=gw_port,
            quiet=quiet,
            invoker=default_invoker(workers),
        )
        ticker = Ticker(gw_port).start()
        yield Stack(
            url=gateway.url,
            ddb_url=ddb_url,
            port=gateway.server.port,
            ddb_port=ddb_port,
            data_dir=data_dir,
            site_dir=site,
            table_name=name,
            gateway=gateway,
            ddb_pid=ddb.proc.pid,
            mailbox=mailbox,
        )
    finally:
        if ticker is not None:
            ticker.stop()
        if gateway is not None:
            gateway.stop()
        if mailbox is not None:
            mailbox.stop()
        ddb.stop()
        clock.set_source(None)
        if previous is not None:
            restore_environment(previous)
