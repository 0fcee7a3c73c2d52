"""The e2e layer: the whole local stack (DynamoDB endpoint, seeded demo data, built site,
gateway with worker processes) once per session, and Debian chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_session: pytest.MonkeyPatch
) -> Iterator[Any]:
    from local.stack import running_stack

    # Import files go up in parts of 256 bytes, so the pages' small files take several parts.
    monkeypatch_session.setenv("ZJT_RECORDS_IMPORT_PART_BYTES", "256")
    with running_stack(tmp_path_factory.mktemp("stack"), seed=True, build=True, workers=2) as s:
        yield s


@pytest.fixture(scope="session")
def monkeypatch_session() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture
def api(stack: Any) -> Any:
    """A tiny HTTP client of the running stack: api(method, path, user=None, **kw) -> Response."""

    def call(method: str, path: str, user: str | None = None, **kw: Any) -> requests.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if user:
            headers["Authorization"] = f"Bearer {stack.token(user)}"
        return requests.request(method, stack.url + path, headers=headers, timeout=30, **kw)

    return call


@pytest.fixture
def set_clock(api: Any) -> Iterator[Any]:
    """Move the platform clock (POST /api/dev/clock); back to round 1 afterwards."""

    def set_to(iso: str) -> None:
        assert api("POST", "/api/dev/clock", json={"now": iso}).status_code == 200

    yield set_to
    set_to("2024-03-20T09:00:00+08:00")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        pytest.fail(
            "Debian chromium is not installed: `make test` installs it (apt-get install chromium)"
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def phone(browser: Any, stack: Any) -> Iterator[Any]:
    """A phone-sized page; fails the test on a JS error or a request leaving the platform."""
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    host = urlparse(stack.url).netloc
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:")
            else None
        ),
    )
    page.set_default_timeout(15_000)
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert not outside, f"requests outside the platform: {outside}"
