"""The built site against its Content-Security-Policy (`schemas/headers.py`): every inline script
a page carries, by its CSP hash, and what the policy would block.

    python -m sitebuild.csp build/site    # prints each inline script's hash and where it is;
                                          # exits 1 if the policy does not cover the site

Run it after upgrading the theme: a changed inline script prints the hash to put in
`schemas/headers.py` INLINE_SCRIPTS.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from schemas.headers import INLINE_SCRIPTS

# <script type> values a browser runs (an absent or empty type is JavaScript); anything else,
# such as the theme's `application/json` configuration, is data and needs no hash.
_EXECUTABLE_TYPES = frozenset({"", "text/javascript", "application/javascript", "module"})


def csp_hash(script: str) -> str:
    """The CSP hash source of an inline script's text (without the quotes)."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


@dataclass
class PageScan:
    """What in one page needs more than script-src 'self' to run."""

    inline_scripts: list[str] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)  # on…= attributes
    javascript_urls: list[str] = field(default_factory=list)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found = PageScan()
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.handlers.append(f"<{tag} {name}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.javascript_urls.append(f"<{tag} {name}={value[:40]}>")
        if tag == "script":
            a = dict(attrs)
            kind = (a.get("type") or "").strip().lower()
            if "src" not in a and kind in _EXECUTABLE_TYPES:
                self._script = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.found.inline_scripts.append("".join(self._script))
            self._script = None


def scan_page(html: str) -> PageScan:
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.found


@dataclass
class SiteScan:
    scripts: dict[str, list[str]]  # hash -> pages that carry it
    handlers: dict[str, list[str]]  # page -> on…= attributes
    javascript_urls: dict[str, list[str]]  # page -> javascript: URLs
    pages: int

    def uncovered(self, allowed: frozenset[str]) -> dict[str, list[str]]:
        """Inline scripts the policy would block: hash -> pages."""
        return {h: pages for h, pages in self.scripts.items() if h not in allowed}

    def unused(self, allowed: frozenset[str]) -> set[str]:
        """Hashes the policy allows that no page needs (a script the theme no longer writes)."""
        return set(allowed) - set(self.scripts)


def scan_site(site_dir: Path) -> SiteScan:
    scripts: dict[str, list[str]] = defaultdict(list)
    handlers: dict[str, list[str]] = {}
    js_urls: dict[str, list[str]] = {}
    pages = 0
    for page in sorted(site_dir.rglob("*.html")):
        pages += 1
        rel = page.relative_to(site_dir).as_posix()
        found = scan_page(page.read_text(encoding="utf-8"))
        for script in found.inline_scripts:
            scripts[csp_hash(script)].append(rel)
        if found.handlers:
            handlers[rel] = found.handlers
        if found.javascript_urls:
            js_urls[rel] = found.javascript_urls
    return SiteScan(dict(scripts), handlers, js_urls, pages)


def allowed_hashes() -> frozenset[str]:
    return frozenset(h for h, _ in INLINE_SCRIPTS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check a built site against its CSP.")
    ap.add_argument("site_dir", type=Path)
    args = ap.parse_args(argv)
    scan = scan_site(args.site_dir)
    allowed = allowed_hashes()
    for h, pages in sorted(scan.scripts.items()):
        mark = "ok" if h in allowed else "NOT ALLOWED"
        print(f"{mark:12} '{h}'  {len(pages)} pages, e.g. {pages[0]}")
    problems = bool(scan.uncovered(allowed) or scan.handlers or scan.javascript_urls)
    for page, found in {**scan.handlers, **scan.javascript_urls}.items():
        print(f"blocked      {page}: {', '.join(found)}")
    for h in sorted(scan.unused(allowed)):
        print(f"unused       '{h}' (no page has this script: remove it from INLINE_SCRIPTS)")
    print(f"{scan.pages} pages, {len(scan.scripts)} distinct inline scripts")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
