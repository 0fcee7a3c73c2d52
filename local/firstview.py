"""What a phone downloads for a first view of a page, measured in chromium.

The site is served by the local gateway, which compresses text like CloudFront does; every
response the page receives until the network is idle is counted at its size on the wire (gzip
body). `bench.bench_firstview` reports it at province sizes and a budget test in the e2e layer
keeps it from growing.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

PHONE = {"width": 375, "height": 740}
STAGE_KEY = "zjt.catalog.stage"  # where catalog.js remembers the teacher's stage


@dataclass
class FirstView:
    path: str
    files: list[tuple[str, int]] = field(default_factory=list)  # (path, gzip body bytes)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.files)

    def bytes_of(self, prefix: str) -> int:
        return sum(n for p, n in self.files if p.startswith(prefix))

    def paths(self) -> list[str]:
        return [p for p, _ in self.files]


class _NoApi:
    """The gateway's invoker for a site served alone: every API call answers 503 at once (a
    page must cope with the API being down; a measurement must not wait for it)."""

    def invoke(self, function: str, event: dict[str, Any], clock_state: Any) -> Any:
        body = {"code": "unavailable", "message": "服务暂时不可用"}
        return {
            "statusCode": 503,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body, ensure_ascii=False),
        }

    def close(self) -> None:
        pass


@contextlib.contextmanager
def serving(site_dir: Path) -> Iterator[str]:
    """Serve a built site with the local gateway (gzip like CloudFront) and no API; yields its
    URL."""
    from local.gateway import serve

    with tempfile.TemporaryDirectory(prefix="zjt-firstview-") as tmp:
        running = serve(site_dir, Path(tmp), quiet=True, invoker=_NoApi())
        try:
            yield running.url
        finally:
            running.stop()


def first_view(
    browser: Any, base_url: str, path: str = "/catalog/", *, stage: str | None = None
) -> FirstView:
    """Open `path` in a fresh phone context (empty cache) and count what it downloads until the
    catalog shows its cards and the network is idle. `stage`: a teacher who chose her stage
    on an earlier visit (catalog.js remembers it on the device)."""
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        if stage:
            ctx.add_init_script(f"localStorage.setItem({STAGE_KEY!r}, {json.dumps(stage)})")
        page = ctx.new_page()
        finished: list[Any] = []
        page.on("requestfinished", lambda r: finished.append(r))
        page.goto(base_url + path, wait_until="networkidle")
        if path.startswith("/catalog/"):
            page.locator(".zjt-results li").first.wait_for(timeout=30_000)
        page.wait_for_load_state("networkidle")
        view = FirstView(path)
        for request in finished:
            view.files.append((urlparse(request.url).path, request.sizes()["responseBodySize"]))
        return view
    finally:
        ctx.close()


def launch_chromium(playwright: Any) -> Any:
    """Debian chromium, headless, as the e2e layer runs it."""
    import shutil

    exe = shutil.which("chromium") or "/usr/bin/chromium"
    return playwright.chromium.launch(
        executable_path=exe,
        args=["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    )
