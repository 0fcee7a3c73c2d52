"""The site's Content-Security-Policy against the built site (issue 11, item 5): every inline
script a page carries is allowed by its hash, no listed hash is stale, and nothing needs
'unsafe-inline' for scripts (no on…= handler, no javascript: URL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from build import build_dir
from local.synthetic import fake_projects
from schemas import headers as security_headers
from sitebuild.csp import SiteScan, allowed_hashes, csp_hash, scan_page, scan_site

TERM = "2024H1"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteScan:
    out = tmp_path_factory.mktemp("csp") / "site"
    build_dir(fake_projects(2, seed=5, term=TERM), out, TERM)
    return scan_site(out)


def test_every_inline_script_of_the_built_site_is_allowed_by_the_csp(built: SiteScan) -> None:
    assert built.pages > 20  # the handwritten pages, 404 and the project pages
    assert built.uncovered(allowed_hashes()) == {}, (
        "an inline script the CSP blocks: run `python -m sitebuild.csp build/site` and add its "
        "hash to schemas/headers.py INLINE_SCRIPTS (or move the script into a file)"
    )


def test_the_csp_lists_no_hash_the_site_does_not_need(built: SiteScan) -> None:
    assert built.unused(allowed_hashes()) == set()


def test_no_page_has_an_inline_event_handler_or_javascript_url(built: SiteScan) -> None:
    assert (built.handlers, built.javascript_urls) == ({}, {})


def test_every_allowed_hash_is_in_the_policy_and_scripts_may_not_run_inline() -> None:
    csp = security_headers.SITE.content_security_policy
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src ")).split()[1:]
    assert set(script_src) == {"'self'", *(f"'{h}'" for h in allowed_hashes())}


def test_the_scan_finds_what_a_browser_would_block(tmp_path: Path) -> None:
    page = (
        '<script id="__config" type="application/json">{"a": 1}</script>'
        '<script src="/assets/js/api.js"></script>'
        "<script>go()</script>"
        '<script type="module">m()</script>'
        '<a href="javascript:void(0)" onclick="x()">x</a>'
    )
    found = scan_page(page)
    assert found.inline_scripts == ["go()", "m()"]
    assert found.handlers == ["<a onclick>"]
    assert found.javascript_urls == ["<a href=javascript:void(0)>"]
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "index.html").write_text(page, encoding="utf-8")
    scan = scan_site(tmp_path)
    assert set(scan.uncovered(allowed_hashes())) == {csp_hash("go()"), csp_hash("m()")}
    assert scan.uncovered(frozenset({csp_hash("go()"), csp_hash("m()")})) == {}


def test_csp_hash_is_the_browsers_sha256_source() -> None:
    # The value the CSP specification's example gives for `alert('Hello, world.');`.
    assert csp_hash("alert('Hello, world.');") == (
        "sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng="
    )
