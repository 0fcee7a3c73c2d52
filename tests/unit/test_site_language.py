"""User pages speak Chinese to people: no rule IDs (AP-5, Q-6, PH-TRAIN …) and no internal
codes in what a page shows. Rule IDs belong in code, tests and the operator guide. The pages
are checked as built (handwritten pages, the 进程表 and project pages); what the scripts put on
screen at run time is checked by tests/e2e/test_language.py."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from build import build
from local.synthetic import fake_projects

TERM = "2024H1"
RULE_ID = re.compile(r"\b(?:AP|CR|CH|QA|TD|SE|OD|Q)-\d+\b|\bPH-[A-Z0-9-]+\b")


def visible_text(page: str) -> str:
    """What a person reads: the body without scripts, styles, comments, tags or attributes."""
    body = page.split("<body", 1)[-1]
    body = re.sub(r"(?is)<(script|style|noscript)\b.*?</\1>", " ", body)
    body = re.sub(r"(?s)<!--.*?-->", " ", body)
    body = re.sub(r"(?s)<[^>]+>", " ", body)
    return html.unescape(body)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build(fake_projects(3, seed=7, term=TERM), out, TERM)
    return out


def test_no_user_page_shows_a_rule_id(site: Path) -> None:
    pages = [p for p in site.rglob("*.html") if "operator" not in p.relative_to(site).parts]
    assert len(pages) > 20
    found = {
        str(p.relative_to(site)): sorted(set(RULE_ID.findall(visible_text(p.read_text("utf-8")))))
        for p in pages
    }
    found = {k: v for k, v in found.items() if v}
    assert not found, f"rule IDs on user pages: {found}"


def test_the_operator_guide_may_name_rules_and_the_check_would_see_them() -> None:
    # The pattern finds what it must (a page naming a rule would fail the test above).
    assert RULE_ID.findall(visible_text("<body><p>见 AP-5 与 PH-TRAIN、Q-6</p></body>")) == [
        "AP-5",
        "PH-TRAIN",
        "Q-6",
    ]
